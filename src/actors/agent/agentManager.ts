/**
 * All CLI agents of the daemon. Each runs as a temporary child of the `agents` supervisor (a
 * wrapped command is the user's; Relay reports its end rather than restarting it), publishes its
 * output on its own bus topic, and reports limits and exits to whoever listens (relay sessions).
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { agentName } from '../../adapters/registry.js';
import type { InspectionEvent } from 'xstate';
import type { Clock, TimerId } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import { findOnPath } from '../../platform/findOnPath.js';
import { ensurePrivateDir, type RelayPaths } from '../../platform/paths.js';
import type { RateLimited } from '../../limits/rateLimited.js';
import type { AgentExitReason, AgentKind, AgentsRepo } from '../../store/agentsRepo.js';
import type { NewEvent } from '../../store/eventRecord.js';
import { ptyTopic, type PtyMessage } from '../../bus/agentProtocol.js';
import type { ChildExit, ChildSpec } from '../../supervisor/childSpec.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import { ATTACH_LEASE_MS, type AgentControl, type AgentInfo, type StartAgentRequest } from './agentControl.js';
// Types only: the PTY and screen-model modules (node-pty, xterm) load with the first agent, so a
// daemon with no agents stays small.
import type { AgentActor } from './agentActor.js';

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
  /** The `agents` supervisor (a new one after it restarts). */
  supervisor: () => Supervisor | undefined;
  publish: (topic: string, value: unknown) => void;
  record: (e: NewEvent) => void;
  inspect?: (ev: InspectionEvent) => void;
  /** The daemon's own environment: the base for agents started by a handoff. */
  baseEnv: NodeJS.ProcessEnv;
}

function resolveCommand(command: string, env: NodeJS.ProcessEnv): string {
  if (command.includes('/')) {
    try {
      accessSync(command, constants.X_OK);
      return command;
    } catch {
      // Falls through to the error below.
    }
  } else {
    const found = findOnPath(command, env.PATH ?? '');
    if (found) return found;
  }
  throw new RelayError('E_USAGE', `command not found: ${command}`, {
    hint: 'check the spelling, or that it is on the PATH of this shell',
  });
}

export class AgentManager implements AgentControl {
  private readonly actors = new Map<string, AgentActor>();
  private readonly envs = new Map<string, NodeJS.ProcessEnv>();
  private readonly limitListeners = new Set<(e: RateLimited) => void>();
  private readonly exitListeners = new Set<(info: AgentInfo) => void>();
  private leaseTimer: TimerId;

  constructor(private readonly opts: AgentManagerOptions) {
    this.leaseTimer = opts.clock.setTimeout(() => this.sweepLeases(), ATTACH_LEASE_MS);
  }

  private sweepLeases(): void {
    const now = this.opts.clock.now();
    for (const a of this.actors.values()) a.expireLeases(now);
    this.leaseTimer = this.opts.clock.setTimeout(() => this.sweepLeases(), ATTACH_LEASE_MS);
  }

  private nextId(name: string): string {
    const stem = name.replace(/^cli:/, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'agent';
    let max = 0;
    for (const row of this.opts.repo.list()) {
      const m = row.id.startsWith(`${stem}-`) ? Number(row.id.slice(stem.length + 1)) : NaN;
      if (Number.isInteger(m) && m > max) max = m;
    }
    for (const id of this.actors.keys()) {
      const m = id.startsWith(`${stem}-`) ? Number(id.slice(stem.length + 1)) : NaN;
      if (Number.isInteger(m) && m > max) max = m;
    }
    return `${stem}-${max + 1}`;
  }

  /** A later agent of a relay session runs in the environment the user started the session in. */
  private envFor(req: StartAgentRequest): NodeJS.ProcessEnv {
    let base = this.opts.baseEnv;
    if (req.relaySession) {
      for (const a of this.actors.values()) {
        if (a.info().relaySession === req.relaySession) base = this.envs.get(a.id) ?? base;
      }
    }
    const env: NodeJS.ProcessEnv = { ...base, ...req.env, TERM: 'xterm-256color' };
    delete env.RELAY_READY_FD;
    return env;
  }

  async start(req: StartAgentRequest): Promise<AgentInfo> {
    const supervisor = this.opts.supervisor();
    if (!supervisor) throw new RelayError('E_DAEMON_UNAVAILABLE', 'the agents supervisor is restarting', { hint: 'try again in a moment' });
    const env = this.envFor(req);
    const command = resolveCommand(req.command, env);
    const name = agentName(req.command, req.args);
    const id = this.nextId(name);
    // Agents and the hooks they run can tell Relay which agent and relay session they belong to.
    env.RELAY_AGENT_ID = id;
    if (req.relaySession) env.RELAY_SESSION = req.relaySession;
    const logDir = join(this.opts.paths.logs, 'agents');
    ensurePrivateDir(logDir);
    const { AgentActor } = await import('./agentActor.js');
    let actor: AgentActor | undefined;
    const spec: ChildSpec = {
      id: `agent:${id}`,
      restart: 'temporary',
      shutdownMs: AGENT_STOP_GRACE_MS,
      start: async () => {
        actor = new AgentActor({
          id,
          kind: req.kind,
          name,
          request: { ...req, command },
          env,
          logFile: join(logDir, `${id}.log`),
          clock: this.opts.clock,
          ...(this.opts.inspect ? { inspect: this.opts.inspect } : {}),
          publish: (msg: PtyMessage) => this.opts.publish(ptyTopic(id), msg),
          onLimit: (e) => this.limited(e),
          onState: (info) => this.persist(info),
        });
        const a = actor;
        const exited = a.session.exited.then(({ code, signal }): ChildExit => {
          const reason = a.exit()?.reason ?? 'done';
          this.exited(a);
          return { normal: reason !== 'crashed' && reason !== 'error', code, signal, reason };
        });
        return {
          pid: a.session.pid,
          exited,
          stop: async (timeoutMs) => {
            await a.stop('user_quit', timeoutMs);
            return exited;
          },
        };
      },
    };
    await supervisor.startChild(spec);
    if (!actor) throw new RelayError('E_INTERNAL', `agent ${id} did not start`);
    this.actors.set(id, actor);
    this.envs.set(id, env);
    const info = actor.info();
    this.opts.record({
      type: 'agent.started',
      actor: `agent:${id}`,
      // A handoff's first prompt is a whole snapshot: the log keeps the start of each argument.
      payload: {
        name,
        command: req.command,
        args: req.args.map((a) => (a.length > MAX_LOGGED_ARG ? `${a.slice(0, MAX_LOGGED_ARG)}…` : a)),
        cwd: req.cwd,
        pid: info.pid,
        relaySession: info.relaySession,
      },
    });
    return info;
  }

  get(id: string): AgentInfo | undefined {
    return this.actors.get(id)?.info();
  }

  actor(id: string): AgentActor {
    const a = this.actors.get(id);
    if (!a) throw new RelayError('E_USAGE', `no agent named ${id}`, { hint: 'relay ps lists the agents' });
    return a;
  }

  list(): AgentInfo[] {
    return [...this.actors.values()].map((a) => a.info());
  }

  park(id: string): void {
    this.actor(id).park();
  }

  async stop(id: string, reason: AgentExitReason): Promise<void> {
    await this.actor(id).stop(reason, AGENT_STOP_GRACE_MS);
  }

  screenText(id: string): string[] {
    return this.actor(id).session.screen.allLines();
  }

  onLimit(listener: (e: RateLimited) => void): () => void {
    this.limitListeners.add(listener);
    return () => this.limitListeners.delete(listener);
  }

  onExit(listener: (info: AgentInfo) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /**
   * A limit learned from outside the PTY (an agent's hook): logged and passed to the listeners
   * like one the output detector found. `e.agent` is a Relay agent id when the CLI runs under
   * Relay, else the CLI's name.
   */
  reportLimit(e: RateLimited): void {
    this.limited(e);
  }

  private limited(e: RateLimited): void {
    this.opts.record({ type: 'rate_limited', actor: `agent:${e.agent}`, payload: { ...e } });
    for (const l of this.limitListeners) l(e);
  }

  private persist(info: AgentInfo): void {
    const now = this.opts.clock.now();
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
      updatedAt: now,
    });
  }

  private exited(a: AgentActor): void {
    const info = a.info();
    this.opts.record({
      type: 'agent.exited',
      actor: `agent:${a.id}`,
      payload: { reason: info.exit?.reason ?? 'done', code: info.exit?.code ?? null, signal: info.exit?.signal ?? null },
    });
    // The screen stays readable after exit: a snapshot may still need it.
    for (const l of this.exitListeners) l(info);
    const exited = [...this.actors.values()].filter((x) => x.exit() !== null);
    for (const old of exited.slice(0, Math.max(0, exited.length - KEEP_EXITED))) {
      old.dispose();
      this.actors.delete(old.id);
      this.envs.delete(old.id);
    }
  }

  /** After the supervisor stopped every agent. */
  close(): void {
    this.opts.clock.clearTimeout(this.leaseTimer);
    for (const a of this.actors.values()) a.dispose();
    this.actors.clear();
  }
}
