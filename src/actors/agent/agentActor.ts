/**
 * One supervised CLI agent: a PTY session, its lifecycle machine, and its limit detector. Output
 * is published on the agent's topic as numbered chunks, fed to the detector as text, and (after
 * it settles) the rendered screen is checked too, which is how messages that full-screen agents
 * draw with cursor moves are read.
 */
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import type { Clock, TimerId } from '../../platform/clock.js';
import { redactText } from '../../platform/redact.js';
import type { RateLimited } from '../../limits/rateLimited.js';
import { LimitDetector, type LimitMatch } from '../../limits/limitDetector.js';
import type { AgentKind } from '../../store/agentsRepo.js';
import type { PtyMessage } from '../../bus/agentProtocol.js';
import { agentMachine } from './agentMachine.js';
import { ATTACH_LEASE_MS, type AgentExit, type AgentInfo, type AgentState, type StartAgentRequest } from './agentControl.js';
import { PtySession } from './ptySession.js';

/** Output that stops for this long makes the agent `idle`. */
const QUIET_MS = 1_500;
/** The screen is read for limit messages once output has paused this long. */
const SCREEN_CHECK_MS = 100;
/** An unknown CLI is considered ready for a typed prompt when its output pauses this long. */
const READY_QUIET_MS = 500;

export interface AgentActorOptions {
  id: string;
  kind: AgentKind;
  name: string;
  request: StartAgentRequest;
  env: NodeJS.ProcessEnv;
  logFile: string;
  clock: Clock;
  inspect?: (ev: InspectionEvent) => void;
  publish: (msg: PtyMessage) => void;
  onLimit: (e: RateLimited) => void;
  onState: (info: AgentInfo) => void;
}

export class AgentActor {
  readonly id: string;
  readonly session: PtySession;
  readonly startedAt: number;
  private readonly actor: Actor<typeof agentMachine>;
  private readonly detector: LimitDetector;
  private readonly leases = new Map<string, number>();
  private screenTimer: TimerId | undefined;
  private quietTimer: TimerId | undefined;
  private readyTimer: TimerId | undefined;
  private promptPending: string | undefined;

  constructor(private readonly opts: AgentActorOptions) {
    this.id = opts.id;
    this.startedAt = opts.clock.now();
    this.detector = new LimitDetector({ kind: opts.kind, now: () => opts.clock.now() });
    this.actor = createActor(agentMachine, {
      systemId: `agent:${opts.id}`,
      clock: opts.clock,
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    // The machine never throws by design; an observer keeps a surprise from killing the daemon.
    this.actor.subscribe({ next: () => opts.onState(this.info()), error: () => opts.onState(this.info()) });
    this.actor.start();
    const req = opts.request;
    this.session = new PtySession({
      command: req.command,
      args: req.args,
      cwd: req.cwd,
      env: opts.env,
      cols: req.cols,
      rows: req.rows,
      logFile: opts.logFile,
      onOutput: (data) => this.output(data),
      onFlush: (data, seq) => opts.publish({ seq, data }),
    });
    this.promptPending = req.typePrompt;
    this.actor.send({ type: 'pty.started', pid: this.session.pid });
    void this.session.exited.then(({ code, signal }) => {
      this.clearTimers();
      this.actor.send({ type: 'pty.exited', code, signal });
      const exit = this.exit();
      opts.publish({ seq: this.session.seq + 1, exit: { code, signal, reason: exit?.reason ?? 'done' } });
    });
    if (this.promptPending) this.scheduleQuiet();
  }

  get state(): AgentState {
    return this.actor.getSnapshot().value as AgentState;
  }

  exit(): AgentExit | null {
    return this.actor.getSnapshot().context.exit;
  }

  info(): AgentInfo {
    const req = this.opts.request;
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
    if (this.state === 'idle') this.actor.send({ type: 'output' });
    this.report(this.detector.feed(this.session.decode(data)));
    this.scheduleQuiet();
  }

  private scheduleQuiet(): void {
    const { clock } = this.opts;
    if (this.screenTimer !== undefined) clock.clearTimeout(this.screenTimer);
    this.screenTimer = clock.setTimeout(() => {
      this.screenTimer = undefined;
      // Wait until the screen model has parsed what arrived, then read what it shows.
      this.session.screen.write('', () => this.report(this.detector.checkScreen(this.session.screen.visibleLines())));
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

  private typePrompt(): void {
    const prompt = this.promptPending;
    this.promptPending = undefined;
    if (prompt === undefined) return;
    // Bracketed paste keeps a multi-line prompt one input instead of many Enter presses.
    this.session.write(`\x1b[200~${prompt}\x1b[201~\r`);
  }

  private report(matches: LimitMatch[]): void {
    for (const m of matches) {
      if (m.severity === 'limit' && (this.state === 'running' || this.state === 'idle')) this.actor.send({ type: 'limit' });
      this.opts.onLimit({
        source: 'pty',
        agent: this.id,
        ...(this.opts.request.relaySession ? { relaySession: this.opts.request.relaySession } : {}),
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
    this.session.setAttached(this.leases.size);
    return fresh;
  }

  detach(client: string): void {
    this.leases.delete(client);
    this.session.setAttached(this.leases.size);
  }

  /** Drop leases that were not renewed (a client killed without detaching). */
  expireLeases(now: number): void {
    for (const [client, until] of this.leases) if (until < now) this.leases.delete(client);
    this.session.setAttached(this.leases.size);
  }

  /** Keystrokes from an attached client. Typing into a parked agent puts it back to work. */
  input(data: string | Uint8Array): void {
    if (this.state === 'parked') this.actor.send({ type: 'resume' });
    this.session.write(data);
  }

  park(): void {
    this.actor.send({ type: 'park' });
  }

  async stop(reason: AgentExit['reason'], graceMs: number): Promise<void> {
    this.actor.send({ type: 'stop.requested', reason });
    await this.session.stop(graceMs);
  }

  private clearTimers(): void {
    const { clock } = this.opts;
    for (const t of [this.screenTimer, this.quietTimer, this.readyTimer]) if (t !== undefined) clock.clearTimeout(t);
    this.screenTimer = this.quietTimer = this.readyTimer = undefined;
  }

  dispose(): void {
    this.clearTimers();
    this.actor.stop();
    this.session.dispose();
  }
}
