/**
 * Bus handlers for the `session.*` requests: the conversation graph as `relay session …`, the
 * TUI and the dashboard see it. The repo does the graph work (and refuses what would break it:
 * cycles, merges that add nothing); here payloads are checked, sessions are named the way a
 * person does, and rows become the protocol's shapes. Payloads crossed a process boundary, so
 * a bad field is an E_USAGE error that names it.
 */
import type { RequestHandler } from '../../bus/busServer.js';
import type { Envelope } from '../../bus/envelope.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import { CONTEXT_TOKENS } from '../../conversation/contextAssembly.js';
import { isAbsolute } from 'node:path';
import type {
  ContextPlanInfo,
  GraphEdge,
  ImportableAgent,
  SessionEdgeInfo,
  SessionInfo,
  SessionMessageInfo,
  SessionRequests,
} from '../../protocol/sessionProtocol.js';
import type { Clock } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import type { Conversation, ConversationRepo, ConversationSummary, Edge, StoredMessage } from '../../store/conversationRepo.js';

export type SessionHandlers = { [T in keyof SessionRequests]: RequestHandler<T> };

/** What `session.context` and `session.import` need beyond the graph store. */
export interface SessionWork {
  /** The remembered facts relevant to `request` in `cwd`, the most relevant first. */
  facts(request: string, cwd: string): string[];
  /** The assembled context of a session for a budget, as it would go to a model now. */
  context(sessionId: string, budgetTokens: number, facts: readonly string[], request?: string): ContextPlanInfo;
  importTranscript(q: { agent: ImportableAgent; id?: string; cwd: string; home: string; env: NodeJS.ProcessEnv }, at: number): Promise<{ session: Conversation; turns: number; source: string; existed: boolean }>;
}

/** Below this a budget holds hardly a turn: a typo, not a choice. */
const MIN_BUDGET_TOKENS = 256;
const MAX_REQUEST_CHARS = 100_000;
const IMPORTABLE: readonly ImportableAgent[] = ['claude', 'codex', 'gemini', 'opencode'];

/** What `relay session show` lists when no --limit is given: enough to read, small on the bus. */
const DEFAULT_SHOW = 200;
const MAX_SHOW = 10_000;
const MAX_NAME = 200;

function usage(message: string, hint?: string): RelayError {
  return new RelayError('E_USAGE', message, hint ? { hint } : {});
}

function shownValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw usage(`${field} is empty`, `give the ${field}`);
  return value.trim();
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, field);
}

function sessionName(value: unknown): string | undefined {
  const name = optionalText(value, 'name');
  if (name !== undefined && name.length > MAX_NAME) throw usage(`a session name is at most ${MAX_NAME} characters`);
  return name;
}

/**
 * Reads of the graph and the edits a person makes to it. `current()` is the session the
 * one-liner continues; reads mark it, and a ref left out means it.
 */
export class SessionViews {
  constructor(readonly repo: ConversationRepo) {}

  /** The session `ref` names, or the current one; none at all is a usage error with the way out. */
  ref(ref: string | undefined): string {
    if (ref !== undefined) return this.repo.resolve(ref).id;
    const current = this.repo.latest();
    if (!current) throw usage('there is no session yet', 'relay session new, or relay "task" starts one');
    return current.id;
  }

  info(s: ConversationSummary, currentId = this.repo.latest()?.id): SessionInfo {
    return {
      id: s.id,
      number: s.number,
      ...(s.name === undefined ? {} : { name: s.name }),
      origin: s.origin,
      messages: s.messages,
      parents: s.parents,
      lineage: this.repo.lineage(s.id),
      current: s.id === currentId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  infoOf(ref: string): SessionInfo {
    return this.info(this.repo.summary(ref));
  }

  messages(list: readonly StoredMessage[], numbers = this.repo.numbers()): SessionMessageInfo[] {
    return list.map((m) => ({
      id: m.id,
      ...(m.parentId === undefined ? {} : { parentId: m.parentId }),
      writtenIn: numbers.get(m.sessionId) ?? 0,
      role: m.role,
      content: m.content,
      ...(m.worker === undefined ? {} : { worker: m.worker }),
      ...(m.provider === undefined ? {} : { provider: m.provider }),
      ...(m.model === undefined ? {} : { model: m.model }),
      ...(m.inputTokens === undefined ? {} : { inputTokens: m.inputTokens }),
      ...(m.outputTokens === undefined ? {} : { outputTokens: m.outputTokens }),
      ...(m.costMicros === undefined ? {} : { costMicros: m.costMicros }),
      status: m.status,
      createdAt: m.createdAt,
    }));
  }

  edge(e: Edge, numbers = this.repo.numbers()): SessionEdgeInfo {
    const childNumber = numbers.get(e.child);
    const parentNumber = numbers.get(e.parent);
    return {
      kind: e.kind,
      child: e.child,
      ...(childNumber === undefined ? {} : { childNumber }),
      parent: e.parent,
      ...(parentNumber === undefined ? {} : { parentNumber }),
      ...(e.atMessage === undefined ? {} : { atMessage: e.atMessage }),
      ...(e.note === undefined ? {} : { note: e.note }),
      createdAt: e.createdAt,
    };
  }
}

function absoluteDir(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isAbsolute(value)) throw usage(`${field} must be an absolute directory path`);
  return value;
}

function stringMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw usage('env must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function sessionHandlers(views: SessionViews, clock: Clock, work: SessionWork): SessionHandlers {
  const { repo } = views;
  return {
    'session.context': (payload) => {
      const id = views.ref(optionalText(payload?.ref, 'ref'));
      const budget = payload?.budgetTokens ?? CONTEXT_TOKENS;
      if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < MIN_BUDGET_TOKENS) {
        throw usage(`the token budget must be a whole number of at least ${MIN_BUDGET_TOKENS}`);
      }
      const request = optionalText(payload?.request, 'request');
      if (request !== undefined && request.length > MAX_REQUEST_CHARS) throw usage(`a request is at most ${MAX_REQUEST_CHARS} characters here`);
      const cwd = absoluteDir(payload?.cwd, 'cwd');
      // Facts are chosen by the request, else by the last thing the user asked in the session.
      const lastAsk = request ?? [...repo.history(id, 20)].reverse().find((m) => m.role === 'user')?.content ?? '';
      const facts = lastAsk ? work.facts(lastAsk, cwd) : [];
      return { plan: work.context(id, budget, facts, request) };
    },
    'session.import': async (payload) => {
      const agent = payload?.agent;
      if (!IMPORTABLE.includes(agent)) throw usage(`cannot import from ${shownValue(agent)}`, `relay session import ${IMPORTABLE.join('|')}`);
      const r = await work.importTranscript(
        {
          agent,
          ...(optionalText(payload.id, 'id') ? { id: text(payload.id, 'id') } : {}),
          cwd: absoluteDir(payload.cwd, 'cwd'),
          home: absoluteDir(payload.home, 'home'),
          env: stringMap(payload.env),
        },
        clock.now(),
      );
      return { session: views.infoOf(r.session.id), turns: r.turns, source: r.source, existed: r.existed };
    },
    'session.list': () => {
      const currentId = repo.latest()?.id;
      return { sessions: repo.list().map((s) => views.info(s, currentId)) };
    },
    'session.show': (payload) => {
      const id = views.ref(optionalText(payload?.ref, 'ref'));
      const limit = payload?.limit;
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
        throw usage(`limit must be a whole number from 1 to ${MAX_SHOW}`);
      }
      const numbers = repo.numbers();
      const { parents, children } = repo.edges(id);
      return {
        session: views.infoOf(id),
        messages: views.messages(repo.history(id, Math.min(limit ?? DEFAULT_SHOW, MAX_SHOW)), numbers),
        parents: parents.map((e) => views.edge(e, numbers)),
        children: children.map((e) => views.edge(e, numbers)),
      };
    },
    'session.new': (payload) => {
      const s = repo.create('new', clock.now(), sessionName(payload?.name));
      return { session: views.infoOf(s.id) };
    },
    'session.fork': (payload) => {
      const id = views.ref(optionalText(payload?.ref, 'ref'));
      const at = optionalText(payload?.at, 'message id');
      const name = sessionName(payload?.name);
      const s = repo.fork(id, clock.now(), { ...(at ? { atMessage: resolveMessage(repo, id, at) } : {}), ...(name ? { name } : {}) });
      return { session: views.infoOf(s.id) };
    },
    'session.merge': (payload) => {
      const refs = payload?.refs;
      if (!Array.isArray(refs) || !refs.every((r) => typeof r === 'string')) throw usage('refs must be a list of sessions', 'relay session merge 12 25');
      const s = repo.merge(refs, clock.now(), sessionName(payload?.name));
      return { session: views.infoOf(s.id) };
    },
    'session.attach': (payload) => {
      const target = views.ref(optionalText(payload?.target, 'target'));
      const source = repo.resolve(text(payload?.source, 'source')).id;
      repo.attach(target, source, clock.now());
      const edge = repo.edges(target).parents.at(-1)!;
      return { session: views.infoOf(target), edge: views.edge(edge) };
    },
    'session.diff': (payload) => {
      const a = repo.resolve(text(payload?.a, 'first session'));
      const b = repo.resolve(text(payload?.b, 'second session'));
      const numbers = repo.numbers();
      const ancestor = a.headId && b.headId ? repo.commonAncestor(a.headId, b.headId) : undefined;
      return {
        a: views.infoOf(a.id),
        b: views.infoOf(b.id),
        ...(ancestor ? { ancestor } : {}),
        onlyA: views.messages(repo.sinceAncestor(a.id, b.id), numbers),
        onlyB: views.messages(repo.sinceAncestor(b.id, a.id), numbers),
      };
    },
    'session.graph': () => {
      const currentId = repo.latest()?.id;
      const sessions = repo.list();
      const edges: GraphEdge[] = [];
      for (const s of sessions) {
        for (const e of repo.edges(s.id).parents) {
          edges.push({ child: e.child, parent: e.parent, kind: e.kind, ...(e.note === undefined ? {} : { note: e.note }) });
        }
      }
      return {
        nodes: sessions.map((s) => ({
          id: s.id,
          number: s.number,
          ...(s.name === undefined ? {} : { name: s.name }),
          origin: s.origin,
          messages: s.messages,
          current: s.id === currentId,
          updatedAt: s.updatedAt,
        })),
        edges,
      };
    },
    'session.rename': (payload) => {
      const id = repo.resolve(text(payload?.ref, 'session')).id;
      const name = sessionName(payload?.name);
      if (name === undefined) throw usage('a session name cannot be empty');
      repo.rename(id, name);
      return { session: views.infoOf(id) };
    },
    'session.delete': (payload) => {
      const deleted = views.infoOf(text(payload?.ref, 'session'));
      repo.delete(deleted.id);
      return { deleted };
    },
  };
}

/** A message of `sessionId`'s history named by its id or a unique prefix of it (as `log` shows them). */
function resolveMessage(repo: ConversationRepo, sessionId: string, ref: string): string {
  const chain = repo.history(sessionId, MAX_SHOW);
  const hits = chain.filter((m) => m.id === ref || m.id.startsWith(ref));
  if (hits.length === 1) return hits[0]!.id;
  if (hits.length === 0) throw usage(`no message ${ref} in this session's last ${MAX_SHOW} messages`, `relay session log shows the message ids`);
  throw usage(`${ref} matches ${hits.length} messages`, 'give a longer prefix');
}

/** The requests that change the graph, and the word their `session.changed` event says. */
const GRAPH_WRITES = {
  'session.new': 'new',
  'session.fork': 'fork',
  'session.merge': 'merge',
  'session.attach': 'attach',
  'session.import': 'import',
  'session.rename': 'rename',
  'session.delete': 'delete',
} as const;

/**
 * The same handlers, each graph write then logged as `session.changed {op, session, number}`:
 * `daemon tail` shows it and the dashboard redraws the graph on it.
 */
export function withSessionEvents(h: SessionHandlers, record: (e: NewEvent) => void): SessionHandlers {
  const out = { ...h };
  for (const [type, op] of Object.entries(GRAPH_WRITES) as Array<[keyof typeof GRAPH_WRITES, string]>) {
    const inner = h[type] as (p: unknown, env: Envelope) => unknown;
    (out as Record<string, unknown>)[type] = async (payload: unknown, env: Envelope) => {
      const result = (await inner(payload, env)) as { session?: SessionInfo; deleted?: SessionInfo };
      const s = result.session ?? result.deleted;
      record({ type: 'session.changed', actor: 'sessions', payload: { op, session: s?.id ?? null, number: s?.number ?? null } });
      return result;
    };
  }
  return out;
}
