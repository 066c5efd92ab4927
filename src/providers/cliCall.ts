/**
 * One call to an agent CLI in its headless JSON mode: spawn it, read its stdout line by line
 * with its kind's parser (adapters/<kind>Headless.ts) and stream what that yields, exactly as an
 * HTTP call streams its SSE. The child gets a stdin that is closed from the start, or the
 * prompt and then EOF — never an open pipe, on which Codex and OpenCode wait forever. It leads
 * its own process group, so a cancel or a timeout stops everything it started; a descendant
 * that setsid()'d away is swept by terminateTree.
 *
 * Never throws for a CLI problem (missing binary, crash, garbage, silence): those are the
 * outcome's `failure`. Only an `emit` that throws is rethrown, after the child is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { CliCallSpec } from './callSpec.js';
import type { CallFailure, CallOutcome, FinishReason, StreamEvent, TokenUsage } from '../protocol/providerProtocol.js';
import type { HeadlessParser } from '../adapters/agentDescriptor.js';
import { cliFailure } from '../adapters/headlessFailure.js';
import { descriptorOf, isKnownKind } from '../adapters/registry.js';
import { signalGroup, terminateTree } from '../platform/processTree.js';

/** SIGTERM, then this long for the CLI to flush and exit, then SIGKILL to its group. */
export const CLI_STOP_GRACE_MS = 2_000;

/** How much stderr is kept for the failure message: the end is where the CLIs say why. */
const STDERR_TAIL_LINES = 40;
const STDERR_LINE_MAX = 2_000;

/**
 * After the CLI exits, how long its pipes may stay open. A grandchild that inherited them (a
 * daemon the CLI started) would otherwise hold the call open for its whole life.
 */
const PIPE_DRAIN_MS = 500;

type StopReason = 'cancelled' | 'first_byte_timeout' | 'idle_timeout' | 'too_large';

/** Run `spec`, streaming its events to `emit`; resolves when the CLI and its group are gone. */
export async function runCliCall(spec: CliCallSpec, emit: (e: StreamEvent) => void, signal: AbortSignal): Promise<CallOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const early = (failure: CallFailure | undefined, finish: FinishReason = 'error'): CallOutcome => ({ finish, failure, chars: 0, durationMs: elapsed() });

  const mode = isKnownKind(spec.agent) ? descriptorOf(spec.agent).headless : undefined;
  if (!mode) return early(cliFailure('cli_failed', `${spec.agent} has no headless mode Relay can run`));
  if (signal.aborted) return early(undefined, 'cancelled');
  if (!existsSync(spec.cwd)) return early(cliFailure('cli_failed', `${spec.agent}: working directory ${spec.cwd} does not exist`));
  const parser = await mode.parser();
  return new CliRun(spec, parser, emit, signal, started).run();
}

/** The state of one run; a class because it owns a process, timers and listeners until it ends. */
class CliRun {
  private child: ChildProcess | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private readonly stderrDecoder = new StringDecoder('utf8');
  private pending = '';
  private bytes = 0;
  private gotByte = false;
  private readonly stderrTail: string[] = [];
  private stderrPartial = '';
  private timer: NodeJS.Timeout | undefined;
  private stopReason: StopReason | undefined;
  private emitError: unknown;
  private usage: TokenUsage | undefined;
  private finish: FinishReason | undefined;
  private agentSession: string | undefined;
  private chars = 0;
  private firstDeltaMs: number | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly spec: CliCallSpec,
    private readonly parser: HeadlessParser,
    private readonly emit: (e: StreamEvent) => void,
    private readonly signal: AbortSignal,
    private readonly started: number,
  ) {}

  async run(): Promise<CallOutcome> {
    const { spec } = this;
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        // Its own process group: a stop signals everything it started, and a Ctrl+C meant for
        // the daemon's terminal does not reach it.
        detached: true,
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      return this.outcome(this.spawnFailure(e));
    }
    this.child = child;
    const spawned = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    });
    const spawnError = await spawned;
    if (spawnError) return this.outcome(this.spawnFailure(spawnError));

    this.exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    // A later error (a failed kill) must not become an uncaught exception in the worker.
    child.on('error', () => {});
    if (child.stdin) {
      // EPIPE when the CLI exits before reading all of it: its exit code says what happened.
      child.stdin.on('error', () => {});
      child.stdin.end(spec.stdin);
    }
    const stdoutDone = streamDone(child.stdout!);
    const stderrDone = streamDone(child.stderr!);
    child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.onStderr(chunk));
    const onAbort = (): void => this.stop('cancelled');
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.arm(spec.timeouts.firstByteMs, 'first_byte_timeout');

    const exit = await this.exited;
    this.signal.removeEventListener('abort', onAbort);
    clearTimeout(this.timer);
    // Whatever is left in its group goes with it: a headless call leaves nothing running.
    signalGroup(child.pid!, 'SIGKILL');
    await this.stopping;
    await Promise.race([Promise.all([stdoutDone, stderrDone]), delay(PIPE_DRAIN_MS)]);
    child.stdout!.destroy();
    child.stderr!.destroy();
    this.flushStdout(true);
    if (this.stderrPartial) this.pushStderr(this.stderrPartial);
    if (this.emitError !== undefined) throw this.emitError;

    if (this.stopReason === 'cancelled') return this.outcome(undefined, 'cancelled');
    if (this.stopReason) return this.outcome(this.stopFailure(this.stopReason));
    const failure = this.parser.end({ code: exit.code, signal: exit.signal, stderrTail: this.stderrTail, now: Date.now() });
    return this.outcome(failure);
  }

  private outcome(failure: CallFailure | undefined, finish?: FinishReason): CallOutcome {
    const o: CallOutcome = {
      finish: finish ?? (failure ? 'error' : (this.finish ?? 'stop')),
      chars: this.chars,
      durationMs: Math.round(performance.now() - this.started),
    };
    if (failure) o.failure = failure;
    if (this.usage) o.usage = this.usage;
    if (this.firstDeltaMs !== undefined) o.firstDeltaMs = this.firstDeltaMs;
    if (this.agentSession) o.agentSession = this.agentSession;
    return o;
  }

  private spawnFailure(e: unknown): CallFailure {
    const code = (e as NodeJS.ErrnoException).code;
    const { agent, command } = this.spec;
    if (code === 'ENOENT') return cliFailure('cli_failed', `${agent}: ${command} not found`, { hint: `install ${agent} or put it on PATH` });
    if (code === 'EACCES') return cliFailure('cli_failed', `${agent}: ${command} is not executable`, { hint: `check the permissions of ${command}` });
    return cliFailure('cli_failed', `${agent}: cannot start ${command}: ${(e as Error).message}`);
  }

  private stopFailure(reason: Exclude<StopReason, 'cancelled'>): CallFailure {
    const { agent, timeouts, maxAnswerBytes } = this.spec;
    if (reason === 'first_byte_timeout') return cliFailure(reason, `${agent} printed nothing within ${seconds(timeouts.firstByteMs)} (first-byte timeout)`);
    if (reason === 'idle_timeout') return cliFailure(reason, `${agent} went silent for ${seconds(timeouts.idleMs)} mid-answer (idle timeout)`);
    return cliFailure('too_large', `${agent} answered more than ${Math.round(maxAnswerBytes / 1024 / 1024)} MiB; the answer was cut`);
  }

  /** (Re)start the one watchdog: first-byte until stdout speaks, then idle between outputs. */
  private arm(ms: number, reason: StopReason): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(reason), ms);
  }

  private stop(reason: StopReason): void {
    if (this.stopping || !this.child || !this.exited) return;
    this.stopReason = reason;
    clearTimeout(this.timer);
    this.stopping = terminateTree({ pid: this.child.pid!, exited: this.exited, graceMs: CLI_STOP_GRACE_MS });
  }

  private onStdout(chunk: Buffer): void {
    if (this.stopping) return;
    this.bytes += chunk.length;
    if (this.bytes > this.spec.maxAnswerBytes) return this.stop('too_large');
    this.gotByte = true;
    this.arm(this.spec.timeouts.idleMs, 'idle_timeout');
    this.pending += this.decoder.write(chunk);
    this.flushStdout(false);
  }

  private flushStdout(atEnd: boolean): void {
    if (atEnd) this.pending += this.decoder.end();
    let nl = this.pending.indexOf('\n');
    while (nl >= 0) {
      this.feed(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf('\n');
    }
    if (atEnd && this.pending) {
      this.feed(this.pending);
      this.pending = '';
    }
  }

  private feed(line: string): void {
    if (this.emitError !== undefined) return;
    for (const e of this.parser.line(line.endsWith('\r') ? line.slice(0, -1) : line)) {
      if (e.type === 'delta') {
        this.chars += e.text.length;
        this.firstDeltaMs ??= Math.round(performance.now() - this.started);
      } else if (e.type === 'usage') this.usage = e.usage;
      else if (e.type === 'finish') this.finish = e.reason;
      else if (e.type === 'session') this.agentSession = e.id;
      try {
        this.emit(e);
      } catch (err) {
        this.emitError = err;
        this.stop('cancelled');
        return;
      }
    }
  }

  private onStderr(chunk: Buffer): void {
    // Retrying CLIs (Gemini's "Attempt 2 failed") speak only on stderr: alive, not idle.
    if (this.gotByte && !this.stopping) this.arm(this.spec.timeouts.idleMs, 'idle_timeout');
    const parts = (this.stderrPartial + this.stderrDecoder.write(chunk)).split('\n');
    this.stderrPartial = (parts.pop() ?? '').slice(-STDERR_LINE_MAX);
    for (const p of parts) this.pushStderr(p);
  }

  private pushStderr(line: string): void {
    this.stderrTail.push(line.slice(0, STDERR_LINE_MAX));
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
  }
}

function streamDone(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('close', resolve);
    stream.once('end', resolve);
    stream.once('error', () => resolve());
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
