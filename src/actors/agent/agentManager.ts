/**
 * All agents of the daemon. An agent is started by name (a handoff) or from the user's command
 * line (`relay wrap`); the manager picks what runs it — today every agent is a CLI in a PTY
 * ({@link PtyAgent}) — and holds it as a {@link SupervisedAgent}. Each runs as a temporary child
 * of the `agents` supervisor (a wrapped command is the user's; Relay reports its end rather than
 * restarting it), publishes its output on its own bus topic, and reports limits and exits to
 * whoever listens (relay sessions).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InspectionEvent } from 'xstate';
import type { LaunchSpec } from '../../adapters/agentDescriptor.js';
import {
  agentName,
  binariesOfName,
  descriptorOf,
  detectKind,
  kindOfName,
  limitRulesFor,
  unavailableOnPath,
  type AgentKind,
} from '../../adapters/registry.js';
import type { Clock, TimerId } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import { locateExecutable } from '../../platform/findOnPath.js';
import { Listeners } from '../../platform/listeners.js';
import { ensurePrivateDir, type RelayPaths } from '../../platform/paths.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import type { SuccessorGap } from '../../protocol/relayProtocol.js';
import { agentInfoOf, type AgentsRepo } from '../../store/agentsRepo.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import {
  ATTACH_LEASE_MS,
  PS_DEFAULT_EXITED,
  ptyTopic,
  recentAgents,
  type AgentExitReason,
  type AgentInfo,
  type PtyMessage,
  type TerminalSize,
} from '../../protocol/agentProtocol.js';
import type { ChildExit, ChildSpec } from '../../platform/childSpec.js';
import type { AgentControl, AgentStart, AgentTerminals, AgentView, UserCommand } from './agentControl.js';
import type { SupervisedAgent } from './supervisedAgent.js';
import { FirstTypedLine } from './typedLine.js';
import { matchAgent } from './agentMatch.js';

/** An agent gets this long to exit after SIGTERM (Claude and Codex save their session on it). */
export const AGENT_STOP_GRACE_MS = 5_000;
/** Longest argument kept whole in an `agent.started` event. */
const MAX_LOGGED_ARG = 200;
/** Exited agents stay listed (for `relay ps` and a late `attach`) up to this many. */
const KEEP_EXITED = 50;

export interface AgentManagerOptions {
  paths: RelayPaths;
  clock: Clock;
  repo: AgentsRepo;
  /** The `agents` supervisor (a new one after it restarts); agents are its temporary children. */
  supervisor: () => ChildStarter | undefined;
  publish: (topic: string, value: unknown) => void;
  record: (e: NewEvent) => void;
  inspect?: (ev: InspectionEvent) => void;
  /** The daemon's own environment: the base for agents started by a handoff. */
  baseEnv: NodeJS.ProcessEnv;
}

/** The part of a supervisor the manager uses. */
export interface ChildStarter {
  startChild(spec: ChildSpec): Promise<unknown>;
}

/** Size of an agent started without one; an attached client resizes it at once. */
const DEFAULT_SIZE: TerminalSize = { cols: 120, rows: 40 };

/** A PTY agent to start: what the descriptor built, for whom. */
interface PtyStart {
  kind: AgentKind;
  name: string;
  /** The command as the descriptor or the user gave it (resolved on the PATH at start). */
  spec: LaunchSpec;
  cwd: string;
  size: TerminalSize;
  relaySession?: string;
  /** The relay session's environment (a handoff's agent): over the daemon's, under the spec's. */
  sessionEnv?: Record<string, string>;
  /** The user's own environment (`relay wrap`): over the daemon's and the spec's. */
  env?: Record<string, string>;
  prompt?: string;
}

function resolveCommand(command: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const at = locateExecutable(command, env.PATH ?? '', cwd);
  if (at.found) return at.path;
  if (at.why === 'not_executable') {
    throw new RelayError('E_USAGE', `${at.path ?? command} is not executable`, { hint: `make it executable (chmod +x ${at.path ?? command}) or run another file` });
  }
  throw new RelayError('E_USAGE', `command not found: ${command}`, {
    hint: 'check the spelling, or that it is on the PATH of this shell',
  });
}

export class AgentManager implements AgentControl, AgentTerminals {
  private readonly agents = new Map<string, SupervisedAgent>();
  /** Ids started by this daemon: any other row in the store is from an earlier run. */
  private readonly startedHere = new Set<string>();
  /** When each agent of this daemon exited. */
  private readonly endedAt = new Map<string, number>();
  private readonly limitListeners = new Listeners<[RateLimited]>();
  private readonly exitListeners = new Listeners<[AgentInfo]>();
  /** The highest number given to an id of each stem (`claude` → 3 for claude-3). */
  private readonly highestId = new Map<string, number>();
  private readonly firstLineListeners = new Listeners<[agentId: string, line: string]>();
  /** Agents of relay sessions whose first typed line is still awaited. */
  private readonly firstLines = new Map<string, FirstTypedLine>();
  private leaseTimer: TimerId;

  constructor(private readonly opts: AgentManagerOptions) {
    this.leaseTimer = opts.clock.setTimeout(() => this.sweepLeases(), ATTACH_LEASE_MS);
  }

  private sweepLeases(): void {
    const now = this.opts.clock.now();
    for (const a of this.agents.values()) a.expireLeases(now);
    this.leaseTimer = this.opts.clock.setTimeout(() => this.sweepLeases(), ATTACH_LEASE_MS);
  }

  private nextId(name: string): string {
    const stem = name.replace(/^cli:/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'agent';
    // Never lowered, so an id `relay rm` removed is not given to a new agent of this daemon
    // (relay sessions and the event log still know the old one by it).
    let max = this.highestId.get(stem) ?? 0;
    for (const id of [...this.opts.repo.list().map((r) => r.id), ...this.agents.keys()]) {
      const m = id.startsWith(`${stem}-`) ? Number(id.slice(stem.length + 1)) : NaN;
      if (Number.isInteger(m) && m > max) max = m;
    }
    this.highestId.set(stem, max + 1);
    return `${stem}-${max + 1}`;
  }

  /** Start the agent `req.name`, its command built by its kind's descriptor (a handoff). */
  start(req: AgentStart): Promise<AgentInfo> {
    const kind = kindOfName(req.name);
    // An unknown CLI is run as its program name; its descriptor types the prompt once it is ready.
    const userArgs = kind === 'cli' ? [...binariesOfName(req.name)] : undefined;
    const spec = descriptorOf(kind).launch({ cwd: req.cwd, ...(req.prompt !== undefined ? { prompt: req.prompt } : {}), ...(userArgs ? { userArgs } : {}) });
    return this.startPty({
      kind,
      name: req.name,
      spec,
      cwd: req.cwd,
      size: req.size ?? DEFAULT_SIZE,
      ...(req.env ? { sessionEnv: req.env } : {}),
      ...(req.relaySession ? { relaySession: req.relaySession } : {}),
      ...(req.prompt !== undefined ? { prompt: req.prompt } : {}),
    });
  }

  /** Run the user's own command line (`relay wrap`): kept as given, with its CLI's environment added. */
  run(cmd: UserCommand): Promise<AgentInfo> {
    const kind = detectKind(cmd.command, cmd.args);
    // The adapter adds only its environment (caps on the CLI's built-in retries, so a limit
    // reaches Relay in seconds, not minutes); the user's own environment wins over it.
    const spec = descriptorOf(kind).launch({ cwd: cmd.cwd, userArgs: [cmd.command, ...cmd.args] });
    return this.startPty({
      kind,
      name: agentName(cmd.command, cmd.args),
      spec,
      cwd: cmd.cwd,
      size: cmd.size,
      env: cmd.env,
      ...(cmd.relaySession ? { relaySession: cmd.relaySession } : {}),
    });
  }

  unavailable(name: string, env?: Record<string, string>): SuccessorGap | null {
    return unavailableOnPath(name, (env ?? this.opts.baseEnv).PATH ?? '');
  }

  private async startPty(req: PtyStart): Promise<AgentInfo> {
    const supervisor = this.opts.supervisor();
    if (!supervisor) throw new RelayError('E_DAEMON_UNAVAILABLE', 'the agents supervisor is restarting', { hint: 'try again in a moment' });
    // A handoff's agent: the session's environment, then its CLI's caps. The user's own command:
    // its CLI's caps, then the user's environment, which wins.
    const env: NodeJS.ProcessEnv = { ...this.opts.baseEnv, ...req.sessionEnv, ...req.spec.env, ...req.env, TERM: 'xterm-256color' };
    delete env.RELAY_READY_FD;
    const command = resolveCommand(req.spec.command, env, req.cwd);
    const id = this.nextId(req.name);
    // Agents and the hooks they run can tell Relay which agent and relay session they belong to.
    env.RELAY_AGENT_ID = id;
    // (A client started inside another agent carries that agent's values: never pass them on.)
    if (req.relaySession) env.RELAY_SESSION = req.relaySession;
    else delete env.RELAY_SESSION;
    const logDir = join(this.opts.paths.logs, 'agents');
    ensurePrivateDir(logDir);
    // The PTY and screen-model modules (node-pty, xterm) load with the first agent, so a daemon
    // with no agents stays small.
    const { PtyAgent } = await import('./ptyAgent.js');
    let agent: SupervisedAgent | undefined;
    const spec: ChildSpec = {
      id: `agent:${id}`,
      restart: 'temporary',
      shutdownMs: AGENT_STOP_GRACE_MS,
      start: async () => {
        const a: SupervisedAgent = new PtyAgent({
          id,
          kind: req.kind,
          name: req.name,
          launch: {
            command,
            args: req.spec.args,
            cwd: req.cwd,
            size: req.size,
            ...(req.relaySession ? { relaySession: req.relaySession } : {}),
            ...(req.spec.typePrompt && req.prompt !== undefined ? { typePrompt: req.prompt } : {}),
          },
          env,
          limitRules: limitRulesFor(req.kind),
          logFile: join(logDir, `${id}.log`),
          clock: this.opts.clock,
          ...(this.opts.inspect ? { inspect: this.opts.inspect } : {}),
          publish: (msg: PtyMessage) => this.opts.publish(ptyTopic(id), msg),
          onLimit: (e) => this.limited(e),
          onState: (info) => this.persist(info),
        });
        agent = a;
        const exited = a.exited.then(({ code, signal }): ChildExit => {
          const reason = a.exit()?.reason ?? 'done';
          this.exited(a);
          return { normal: reason !== 'crashed' && reason !== 'error', code, signal, reason };
        });
        return {
          pid: a.pid,
          exited,
          stop: async (timeoutMs) => {
            await a.stop('user_quit', timeoutMs);
            return exited;
          },
        };
      },
    };
    this.startedHere.add(id);
    await supervisor.startChild(spec);
    if (!agent) throw new RelayError('E_INTERNAL', `agent ${id} did not start`);
    this.agents.set(id, agent);
    // A handoff's agent got its task as its prompt; a wrapped one may type it.
    if (req.relaySession && req.prompt === undefined) this.firstLines.set(id, new FirstTypedLine());
    const info = agent.info();
    this.opts.record({
      type: 'agent.started',
      actor: `agent:${id}`,
      // A handoff's first prompt is a whole snapshot: the log keeps the start of each argument.
      payload: {
        name: req.name,
        command: req.spec.command,
        args: req.spec.args.map((a) => (a.length > MAX_LOGGED_ARG ? `${a.slice(0, MAX_LOGGED_ARG)}…` : a)),
        cwd: req.cwd,
        pid: info.pid,
        relaySession: info.relaySession,
      },
    });
    return info;
  }

  get(id: string): AgentInfo | undefined {
    const a = this.agents.get(id);
    return a && this.withEnd(a.info());
  }

  private withEnd(info: AgentInfo): AgentInfo {
    const at = this.endedAt.get(info.id);
    return at === undefined ? info : { ...info, endedAt: at };
  }

  /**
   * This daemon's agents and, from the store, those it no longer holds (earlier runs'), the
   * oldest first. Without `all`, only the {@link PS_DEFAULT_EXITED} most recent exited ones.
   */
  history(all: boolean): { agents: AgentInfo[]; omitted: number } {
    const live = this.list();
    const held = new Set(live.map((a) => a.id));
    const stored = this.opts.repo
      .list()
      .filter((r) => !held.has(r.id))
      .map((r) => agentInfoOf(r, !this.startedHere.has(r.id)));
    return recentAgents([...stored, ...live], all);
  }

  /** The agent a user's word names (an id, an agent name, a relay session id): see agentMatch. */
  resolve(name: string): AgentInfo {
    return matchAgent(name, this.history(true).agents);
  }

  /** Where an agent's output is logged (PtyProcess rotates it beside, as `<time>-<n>-<id>.log`). */
  logFile(id: string): string {
    return join(this.opts.paths.logs, 'agents', `${id}.log`);
  }

  /**
   * Forget an exited agent (`relay rm`): its row, its screen, its log files.
   * @throws RelayError E_CONFLICT when it still runs.
   */
  remove(id: string): void {
    const a = this.agents.get(id);
    if (a && a.exit() === null) {
      throw new RelayError('E_CONFLICT', `${id} is still ${a.info().state}`, { hint: `stop it first: relay stop ${id}` });
    }
    if (a) {
      a.dispose();
      this.agents.delete(id);
    }
    this.endedAt.delete(id);
    this.firstLines.delete(id);
    this.opts.repo.remove(id);
    const dir = join(this.opts.paths.logs, 'agents');
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // No log directory: nothing was logged.
    }
    const rotated = new RegExp(`^\\d{8}-\\d{4}-\\d{2}-${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log$`);
    for (const n of names) {
      if (n === `${id}.log` || n === `${id}.log.txt` || rotated.test(n)) rmSync(join(dir, n), { force: true });
    }
  }

  private agent(id: string): SupervisedAgent {
    const a = this.agents.get(id);
    if (!a) throw new RelayError('E_USAGE', `no agent named ${id}`, { hint: 'relay ps lists the agents' });
    return a;
  }

  list(): AgentInfo[] {
    return [...this.agents.values()].map((a) => this.withEnd(a.info()));
  }

  park(id: string): void {
    this.agent(id).park();
  }

  async stop(id: string, reason: AgentExitReason): Promise<void> {
    await this.agent(id).stop(reason, AGENT_STOP_GRACE_MS);
  }

  visibleText(id: string): string[] {
    return this.agent(id).visibleText();
  }

  async attach(id: string, client: string, size: TerminalSize): Promise<AgentView> {
    const a = this.agent(id);
    a.attach(client);
    a.resize(size);
    const { screen, seq } = await a.view();
    return { agent: a.info(), screen, seq };
  }

  keepalive(id: string, client: string): void {
    this.agent(id).attach(client);
  }

  detach(id: string, client: string): number {
    const a = this.agent(id);
    a.detach(client);
    return a.info().attached;
  }

  input(id: string, data: string | Uint8Array): void {
    this.agent(id).input(data);
    const reader = this.firstLines.get(id);
    const line = reader?.feed(data);
    if (line) {
      this.firstLines.delete(id);
      this.firstLineListeners.emit(id, line);
    }
  }

  resize(id: string, size: TerminalSize): void {
    this.agent(id).resize(size);
  }

  onLimit(listener: (e: RateLimited) => void): () => void {
    return this.limitListeners.add(listener);
  }

  onExit(listener: (info: AgentInfo) => void): () => void {
    return this.exitListeners.add(listener);
  }

  onFirstLine(listener: (agentId: string, line: string) => void): () => void {
    return this.firstLineListeners.add(listener);
  }

  /**
   * A limit learned from outside the agent (its hook): logged and passed to the listeners like
   * one its output detector found. `e.agent` is a Relay agent id when the CLI runs under Relay,
   * else the CLI's name.
   */
  reportLimit(e: RateLimited): void {
    this.limited(e);
  }

  private limited(e: RateLimited): void {
    this.opts.record({ type: 'rate_limited', actor: `agent:${e.agent}`, payload: { ...e } });
    this.limitListeners.emit(e);
  }

  /** `at`: when this state began (an exit: the time `relay ps` says it ended, now and after a restart). */
  private persist(info: AgentInfo, at = this.opts.clock.now()): void {
    this.opts.repo.upsert({
      id: info.id,
      kind: info.kind,
      name: info.name,
      command: [info.command, ...info.args],
      cwd: info.cwd,
      state: info.state,
      pid: info.pid,
      exitReason: info.exit?.reason ?? null,
      exitCode: info.exit?.code ?? null,
      createdAt: info.startedAt,
      updatedAt: at,
    });
  }

  private exited(a: SupervisedAgent): void {
    const at = this.opts.clock.now();
    this.endedAt.set(a.id, at);
    const info = a.info();
    this.persist(info, at);
    this.opts.record({
      type: 'agent.exited',
      actor: `agent:${a.id}`,
      payload: {
        reason: info.exit?.reason ?? 'done',
        code: info.exit?.code ?? null,
        signal: info.exit?.signal ?? null,
        state: info.state,
        relaySession: info.relaySession,
      },
    });
    this.firstLines.delete(a.id);
    // What it showed stays readable after exit: a snapshot may still need it.
    this.exitListeners.emit(info);
    const exited = [...this.agents.values()].filter((x) => x.exit() !== null);
    for (const old of exited.slice(0, Math.max(0, exited.length - KEEP_EXITED))) {
      old.dispose();
      this.agents.delete(old.id);
      // Its row keeps when it ended (written in exited()).
      this.endedAt.delete(old.id);
    }
  }

  /** After the supervisor stopped every agent. */
  close(): void {
    this.opts.clock.clearTimeout(this.leaseTimer);
    for (const a of this.agents.values()) a.dispose();
    this.agents.clear();
  }
}
