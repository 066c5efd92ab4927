/**
 * An in-memory stand-in for the daemon, as the workspace controller sees it (a DaemonLink): a few
 * sessions, live tasks, agents, workers, providers, budget and facts, answering the requests the
 * workspace sends and recording each one, so a test asserts what the user's key asked for.
 * `task.run` is held until the test ends it (a running answer), as the real daemon replies only
 * when the task has ended.
 */
import type { AgentInfo } from '../../src/protocol/agentProtocol.js';
import type { StoredFact } from '../../src/protocol/knowledgeProtocol.js';
import type { BudgetState, CostReport, LiveTask, ProviderInfo, TaskResult, WorkerInfo } from '../../src/protocol/providerProtocol.js';
import type { RequestPayload, RequestResult, RequestType } from '../../src/protocol/requests.js';
import type { SessionInfo, SessionMessageInfo } from '../../src/protocol/sessionProtocol.js';
import { createLocalization, type Language } from '../../src/ui/i18n/i18n.js';
import type { DaemonLink, LinkState } from '../../src/ui/workspace/workspaceLink.js';
import { WorkspaceController } from '../../src/ui/workspace/workspaceController.js';
import type { Key } from '../../src/ui/workspace/workspaceTypes.js';
import type { RelayMode } from '../../src/config/modeSetting.js';

export const NOW = Date.UTC(2026, 11, 3, 12, 0);

export interface SentRequest {
  type: RequestType;
  payload: unknown;
}

type Handlers = { [T in RequestType]?: (payload: RequestPayload<T>) => RequestResult<T> | Promise<RequestResult<T>> };

export function sessionInfo(over: Partial<SessionInfo> & { number: number }): SessionInfo {
  return {
    id: `sess-${over.number}-0000-4000-8000-000000000000`,
    origin: 'ask',
    messages: 0,
    parents: [],
    lineage: '',
    current: false,
    createdAt: NOW - 3_600_000,
    updatedAt: NOW - 60_000,
    ...over,
  };
}

export function agentInfo(over: Partial<AgentInfo> & { id: string }): AgentInfo {
  return { kind: 'claude', name: 'claude', command: 'claude', args: [], cwd: '/work/project', pid: 4242, state: 'running', relaySession: null, attached: 0, startedAt: NOW - 60_000, exit: null, ...over };
}

function usage(message: string): Error {
  return Object.assign(new Error(message), { code: 'E_USAGE' });
}

export class FakeWorkspaceDaemon implements DaemonLink {
  state: LinkState = 'up';
  readonly requests: SentRequest[] = [];
  sessions: SessionInfo[] = [sessionInfo({ number: 1, current: true, messages: 2 })];
  readonly messages = new Map<string, SessionMessageInfo[]>();
  liveTasks: LiveTask[] = [];
  agents: AgentInfo[] = [];
  workers: WorkerInfo[] = [
    { name: 'architect', description: 'plans', tier: 'premium' as WorkerInfo['tier'], minContextTokens: 0, intents: [], source: 'built-in' },
    { name: 'coder', description: 'writes code', tier: 'standard' as WorkerInfo['tier'], minContextTokens: 0, intents: [], source: 'built-in' },
  ];
  providers: ProviderInfo[] = [
    { name: 'openai', kind: 'openai', source: 'env:OPENAI_API_KEY', usable: true, why: 'key set', models: ['gpt-4o-mini'] },
    { name: 'broken', kind: 'anthropic', source: 'config.yaml', usable: false, why: 'no key', models: [] },
    { name: 'ollama', kind: 'ollama', source: 'probe: 127.0.0.1:11434', usable: true, why: 'answered', models: ['llama3'] },
  ];
  budget: BudgetState = { limits: { dailyMicros: 5_000_000 }, todayMicros: 120_000, monthMicros: 2_000_000, reservedMicros: 0, allowUnpriced: false };
  facts: StoredFact[] = [{ id: 1, scope: 'global', text: 'deploy: make ship', key: 'deploy', tags: [], createdAt: NOW - 1000 }];
  closed = false;
  /** `task.run` replies waiting for the test to end the task. */
  private readonly runs = new Map<string, (r: TaskResult) => void>();
  private readonly handlers: Handlers;

  constructor() {
    this.handlers = {
      'session.list': () => ({ sessions: this.sessions }),
      'session.show': ({ ref }) => {
        const s = this.find(ref);
        return { session: s, messages: this.messages.get(s.id) ?? [], parents: [], children: [] };
      },
      'session.new': () => ({ session: this.add({ origin: 'new' }) }),
      'session.fork': ({ ref, name }) => {
        const from = this.find(ref);
        return { session: this.add({ origin: 'fork', parents: [from.number], lineage: `fork of #${from.number}`, ...(name ? { name } : {}) }) };
      },
      'session.merge': ({ refs }) => {
        const parents = refs.map((r) => this.find(r).number);
        return { session: this.add({ origin: 'merge', parents, lineage: `Derived: ${parents.map((n) => `#${n}`).join(' ')}` }) };
      },
      'session.attach': ({ target, source }) => {
        const t = this.find(target);
        const s = this.find(source);
        return { session: t, edge: { kind: 'attach', child: t.id, childNumber: t.number, parent: s.id, parentNumber: s.number, createdAt: NOW } };
      },
      'session.import': ({ agent, id }) => ({
        session: this.add({ origin: 'import', lineage: `imported from ${agent} ${(id ?? 'latest').slice(0, 8)}` }),
        turns: 4,
        source: `${agent}:${id ?? 'latest'}`,
        existed: false,
      }),
      'relay.handoff': ({ agent }) => ({
        relaySession: 'relay:1',
        from: agent ?? 'claude-1',
        to: 'codex-1',
        toName: 'codex',
        snapshot: { id: 'snap-1', relaySession: 'relay:1', fromAgent: agent ?? 'claude-1', toAgent: 'codex-1', reason: 'manual', limitedUntil: null, path: '/tmp/snap.md', createdAt: NOW },
        stranded: false,
        resumeAt: null,
        unavailable: [],
      }),
      'session.graph': () => ({
        nodes: this.sessions.map((s) => ({ id: s.id, number: s.number, origin: s.origin, messages: s.messages, current: s.current, updatedAt: s.updatedAt })),
        edges: this.sessions.flatMap((s) => s.parents.map((p) => ({ child: s.id, parent: this.find(String(p)).id, kind: s.origin === 'merge' ? ('merge' as const) : ('fork' as const) }))),
      }),
      'task.list': ({ session }) => ({ tasks: this.liveTasks.filter((t) => !session || t.session?.id === session) }),
      'task.run': ({ taskId }) => new Promise<TaskResult>((resolve) => this.runs.set(taskId, resolve)),
      'task.cancel': () => ({ cancelled: true }),
      'task.confirm': () => ({ ok: true }),
      'workers.list': () => ({ workers: this.workers }),
      'agent.list': () => ({ agents: this.agents }),
      'budget.show': () => this.budget,
      'providers.list': () => ({ providers: this.providers, lookedFor: [] }),
      'knowledge.remember': ({ text }) => ({ id: this.facts.length + 1, scope: 'global', existed: this.facts.some((f) => f.text === text) }),
      'knowledge.list': () => ({ facts: this.facts }),
      'knowledge.recall': ({ query }) => ({ facts: this.facts.filter((f) => f.text.includes(query)).map((f) => ({ ...f, rank: -1 })) }),
      'cost.report': (): CostReport => ({ todayMicros: this.budget.todayMicros, monthMicros: this.budget.monthMicros, limits: this.budget.limits, byProvider: [], byModel: [], byWorker: [], byDay: [] }),
    };
  }

  request<T extends RequestType>(type: T, payload: RequestPayload<T>): Promise<RequestResult<T>> {
    this.requests.push({ type, payload });
    if (this.state !== 'up') return Promise.reject(Object.assign(new Error('the daemon is not connected (reconnecting)'), { code: 'E_DAEMON_UNAVAILABLE' }));
    const handler = this.handlers[type] as ((p: RequestPayload<T>) => RequestResult<T> | Promise<RequestResult<T>>) | undefined;
    if (!handler) return Promise.reject(usage(`the fake daemon does not answer ${type}`));
    try {
      return Promise.resolve(handler(payload));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The requests of one type, oldest first. */
  sent<T extends RequestType>(type: T): Array<RequestPayload<T>> {
    return this.requests.filter((r) => r.type === type).map((r) => r.payload as RequestPayload<T>);
  }

  /** Whether a `task.run` for this task is still waiting for its end. */
  isRunning(taskId: string): boolean {
    return this.runs.has(taskId);
  }

  /** End a running task: its `task.run` replies. */
  finish(taskId: string, over: Partial<TaskResult> = {}): void {
    const resolve = this.runs.get(taskId);
    if (!resolve) throw new Error(`no task ${taskId} is running`);
    this.runs.delete(taskId);
    const s = this.sessions.find((x) => x.current) ?? this.sessions[0]!;
    resolve({ taskId, session: { id: s.id, number: s.number }, steps: [], lastSeq: 0, costMicros: 0, ...over });
  }

  /** `12`, `#12`, an id. */
  find(ref: string | undefined): SessionInfo {
    const r = (ref ?? '').replace(/^#/, '');
    const s = ref === undefined ? this.sessions.find((x) => x.current) : this.sessions.find((x) => x.id === r || String(x.number) === r);
    if (!s) throw usage(`no session ${ref}`);
    return s;
  }

  private add(over: Partial<SessionInfo>): SessionInfo {
    const number = Math.max(0, ...this.sessions.map((s) => s.number)) + 1;
    const s = sessionInfo({ number, ...over, createdAt: NOW, updatedAt: NOW });
    this.sessions.push(s);
    return s;
  }
}

/** A controller on a fake daemon, with what it asked of its environment recorded. */
export interface Workspace {
  c: WorkspaceController;
  daemon: FakeWorkspaceDaemon;
  quits: number;
  modes: RelayMode[];
  /** Ids handed out to tasks, in order. */
  taskIds: string[];
  /** Type text key by key, as the terminal layer reports printable keys. */
  type(text: string): void;
  press(full: string, ch?: string): void;
  /** Every row the conversation pane would show on a tall screen. */
  conversation(): string[];
  dispose(): void;
}

export function openWorkspace(opts: { language?: Language; daemon?: FakeWorkspaceDaemon; width?: number; mode?: RelayMode } = {}): Workspace {
  const daemon = opts.daemon ?? new FakeWorkspaceDaemon();
  let mode: RelayMode = opts.mode ?? 'auto';
  let n = 0;
  const w: Workspace = {
    c: undefined as unknown as WorkspaceController,
    daemon,
    quits: 0,
    modes: [],
    taskIds: [],
    type(text) {
      for (const ch of text) w.c.key({ full: ch, ch });
    },
    press(full, ch) {
      const k: Key = ch === undefined ? { full } : { full, ch };
      w.c.key(k);
    },
    conversation() {
      return w.c.conversation.visibleRows(10_000).map((r) => r.text);
    },
    dispose() {
      w.c.dispose();
    },
  };
  w.c = new WorkspaceController(
    {
      link: daemon,
      l10n: createLocalization(opts.language ?? 'en'),
      env: { PATH: '/usr/bin' },
      cwd: '/work/project',
      home: '/home/user',
      now: () => NOW,
      newTaskId: () => {
        const id = `task-${++n}`;
        w.taskIds.push(id);
        return id;
      },
      writeMode: (m) => {
        mode = m;
        w.modes.push(m);
        return m;
      },
      changed: () => {},
      quit: () => {
        w.quits++;
      },
    },
    opts.width ?? 80,
  );
  // What runWorkspace sets once config.yaml is read, just after the first frame.
  w.c.mode = mode;
  return w;
}
