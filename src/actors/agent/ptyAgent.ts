/**
 * One supervised CLI agent in a PTY (the PTY backend of {@link SupervisedAgent}): the process,
 * its lifecycle machine, and its limit detector. Output
 * is published on the agent's topic as numbered chunks, fed to the detector as text, and (after
 * it settles) the rendered screen is checked too, which is how messages that full-screen agents
 * draw with cursor moves are read. For kinds with stall rules (Gemini), the screen is also looked
 * at once a second for a busy line counting up with nothing else changing (limits/spinnerStall.ts).
 */
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Clock, TimerId } from '../../platform/clock.js';
import { redactText } from '../../platform/redact.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import { LimitDetector, type LimitMatch } from '../../limits/limitDetector.js';
import type { LimitRule } from '../../limits/limitRules.js';
import { SpinnerStall } from '../../limits/spinnerStall.js';
import {
  ATTACH_LEASE_MS,
  type AgentExit,
  type AgentInfo,
  type AgentState,
  type PtyMessage,
  type TerminalSize,
} from '../../protocol/agentProtocol.js';
import { agentMachine } from './agentMachine.js';
import { PtyProcess, type PtyExit } from './ptyProcess.js';
import type { SupervisedAgent } from './supervisedAgent.js';

/** Output that stops for this long makes the agent `idle`. */
const QUIET_MS = 1_500;
/** The screen is read for limit messages once output has paused this long. */
const SCREEN_CHECK_MS = 100;
/** An unknown CLI is considered ready for a typed prompt when its output pauses this long. */
const READY_QUIET_MS = 500;
/**
 * How often the screen is looked at for a stalled busy line (kinds with stall rules only). Not
 * on output pauses like the screen check: a spinner redraws every few frames, so output of a
 * stalled CLI never pauses.
 */
const STALL_CHECK_MS = 1_000;

/** The command line, resolved, and where it runs. */
export interface PtyLaunch {
  command: string;
  args: string[];
  cwd: string;
  size: TerminalSize;
  relaySession?: string;
  /** Typed into the PTY once the agent's output settles (CLIs with no first-prompt flag). */
  typePrompt?: string;
}

export interface PtyAgentOptions {
  id: string;
  kind: string;
  name: string;
  launch: PtyLaunch;
  /** The agent's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Its kind's limit rules, in matching order. */
  limitRules: readonly LimitRule[];
  logFile: string;
  clock: Clock;
  inspect?: (ev: InspectionEvent) => void;
  publish: (msg: PtyMessage) => void;
  onLimit: (e: RateLimited) => void;
  onState: (info: AgentInfo) => void;
}

export class PtyAgent implements SupervisedAgent {
  readonly id: string;
  private readonly pty: PtyProcess;
  readonly startedAt: number;
  private readonly actor: Actor<typeof agentMachine>;
  private readonly detector: LimitDetector;
  private readonly stall: SpinnerStall;
  private stallTimer: TimerId | undefined;
  private disposed = false;
  private readonly leases = new Map<string, number>();
  private screenTimer: TimerId | undefined;
  private quietTimer: TimerId | undefined;
  private readyTimer: TimerId | undefined;
  private promptPending: string | undefined;

  constructor(private readonly opts: PtyAgentOptions) {
    this.id = opts.id;
    this.startedAt = opts.clock.now();
    this.detector = new LimitDetector({ rules: opts.limitRules, now: () => opts.clock.now() });
    this.stall = new SpinnerStall(opts.limitRules);
    this.actor = createActor(agentMachine, {
      systemId: `agent:${opts.id}`,
      clock: opts.clock,
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    // The machine never throws by design; an observer keeps a surprise from killing the daemon.
    this.actor.subscribe({ next: () => opts.onState(this.info()), error: () => opts.onState(this.info()) });
    this.actor.start();
    const req = opts.launch;
    this.pty = new PtyProcess({
      command: req.command,
      args: req.args,
      cwd: req.cwd,
      env: opts.env,
      cols: req.size.cols,
      rows: req.size.rows,
      logFile: opts.logFile,
      onOutput: (data) => this.output(data),
      onFlush: (data, seq) => opts.publish({ seq, data }),
    });
    this.promptPending = req.typePrompt;
    this.actor.send({ type: 'pty.started', pid: this.pty.pid });
    void this.pty.exited.then(({ code, signal }) => {
      this.disposed = true;
      this.clearTimers();
      this.actor.send({ type: 'pty.exited', code, signal });
      const exit = this.exit();
      opts.publish({ seq: this.pty.seq + 1, exit: { code, signal, reason: exit?.reason ?? 'done' } });
    });
    if (this.promptPending) this.scheduleQuiet();
    if (this.stall.active) this.scheduleStallCheck();
  }

  get pid(): number {
    return this.pty.pid;
  }

  get exited(): Promise<PtyExit> {
    return this.pty.exited;
  }

  get state(): AgentState {
    return this.actor.getSnapshot().value as AgentState;
  }

  exit(): AgentExit | null {
    return this.actor.getSnapshot().context.exit;
  }

  info(): AgentInfo {
    const req = this.opts.launch;
    const snap = this.actor.getSnapshot();
    return {
      id: this.id,
      kind: this.opts.kind,
      name: this.opts.name,
      command: req.command,
      args: req.args,
      cwd: req.cwd,
      pid: snap.context.pid,
      state: snap.value as AgentState,
      relaySession: req.relaySession ?? null,
      attached: this.leases.size,
      startedAt: this.startedAt,
      exit: snap.context.exit,
    };
  }

  private output(data: Buffer): void {
    if (this.state === 'idle') this.actor.send({ type: 'output.received' });
    this.report(this.detector.feed(this.pty.decode(data)));
    this.scheduleQuiet();
  }

  private scheduleQuiet(): void {
    const { clock } = this.opts;
    if (this.screenTimer !== undefined) clock.clearTimeout(this.screenTimer);
    this.screenTimer = clock.setTimeout(() => {
      this.screenTimer = undefined;
      // Wait until the screen model has parsed what arrived, then read what it shows.
      this.pty.screen.write('', () => this.report(this.detector.checkScreen(this.pty.screen.visibleLines())));
    }, SCREEN_CHECK_MS);
    if (this.quietTimer !== undefined) clock.clearTimeout(this.quietTimer);
    this.quietTimer = clock.setTimeout(() => {
      this.quietTimer = undefined;
      if (this.state === 'running') this.actor.send({ type: 'output.quiet' });
    }, QUIET_MS);
    if (this.promptPending !== undefined) {
      // Typed prompts wait for the CLI to draw its input line and fall quiet.
      clock.clearTimeout(this.readyTimer);
      this.readyTimer = clock.setTimeout(() => this.typePrompt(), READY_QUIET_MS);
    }
  }

  /** Every STALL_CHECK_MS while the agent lives: is its busy line counting with nothing else moving? */
  private scheduleStallCheck(): void {
    const { clock } = this.opts;
    this.stallTimer = clock.setTimeout(() => {
      this.stallTimer = undefined;
      if (this.disposed) return;
      this.pty.screen.write('', () => {
        if (this.disposed) return;
        // A parked or limited agent's stall is nobody's news; its wait restarts if it resumes.
        const rows = this.state === 'running' || this.state === 'idle' ? this.pty.screen.visibleLines() : [];
        const m = this.stall.check(rows, clock.now());
        if (m) this.report([m]);
        this.scheduleStallCheck();
      });
    }, STALL_CHECK_MS);
  }

  private typePrompt(): void {
    const prompt = this.promptPending;
    this.promptPending = undefined;
    if (prompt === undefined) return;
    // Bracketed paste keeps a multi-line prompt one input instead of many Enter presses.
    this.pty.write(`\x1b[200~${prompt}\x1b[201~\r`);
  }

  private report(matches: LimitMatch[]): void {
    for (const m of matches) {
      if (m.severity === 'limit' && (this.state === 'running' || this.state === 'idle')) this.actor.send({ type: 'limit.detected' });
      this.opts.onLimit({
        source: 'pty',
        agent: this.id,
        ...(this.opts.launch.relaySession ? { relaySession: this.opts.launch.relaySession } : {}),
        severity: m.severity,
        rule: m.rule,
        matched: redactText(m.matched),
        ...(m.resetAt !== undefined ? { resetAt: m.resetAt } : {}),
        at: this.opts.clock.now(),
      });
    }
  }

  /** Attach or renew a client's lease; returns whether it was new. */
  attach(client: string): boolean {
    const fresh = !this.leases.has(client);
    this.leases.set(client, this.opts.clock.now() + ATTACH_LEASE_MS);
    this.pty.setAttached(this.leases.size);
    return fresh;
  }

  detach(client: string): void {
    this.leases.delete(client);
    this.pty.setAttached(this.leases.size);
  }

  /** Drop leases that were not renewed (a client killed without detaching). */
  expireLeases(now: number): void {
    for (const [client, until] of this.leases) if (until < now) this.leases.delete(client);
    this.pty.setAttached(this.leases.size);
  }

  /** Keystrokes from an attached client. Typing into a parked agent puts it back to work. */
  input(data: string | Uint8Array): void {
    if (this.state === 'parked') this.actor.send({ type: 'resume.requested' });
    this.pty.write(data);
  }

  resize(size: TerminalSize): void {
    if (size.cols > 0 && size.rows > 0 && (size.cols !== this.pty.screen.cols || size.rows !== this.pty.screen.rows)) {
      this.pty.resize(size.cols, size.rows);
    }
  }

  view(): Promise<{ screen: string; seq: number }> {
    // Publish what is gathered, so every chunk up to `seq` is either on the screen or already
    // sent (and dropped by the client as <= seq). Serialize inside the parser's callback:
    // everything written before is on the screen and nothing after it yet, so `seq` is exactly
    // the last chunk the screen shows.
    this.pty.flush();
    const seq = this.pty.seq;
    return new Promise((resolve) => this.pty.screen.write('', () => resolve({ screen: this.pty.screen.serialize(), seq })));
  }

  visibleText(): string[] {
    return this.pty.screen.allLines();
  }

  park(): void {
    this.actor.send({ type: 'park.requested' });
  }

  async stop(reason: AgentExit['reason'], graceMs: number): Promise<void> {
    this.actor.send({ type: 'stop.requested', reason });
    await this.pty.stop(graceMs);
  }

  private clearTimers(): void {
    const { clock } = this.opts;
    for (const t of [this.screenTimer, this.quietTimer, this.readyTimer, this.stallTimer]) if (t !== undefined) clock.clearTimeout(t);
    this.screenTimer = this.quietTimer = this.readyTimer = this.stallTimer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimers();
    this.actor.stop();
    this.pty.dispose();
  }
}
