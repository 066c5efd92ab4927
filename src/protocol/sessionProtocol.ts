/**
 * Requests about the conversation graph (`relay session …`, later the TUI and the dashboard).
 * The daemon owns relay.db; a client names sessions the way a person does (`12`, `#12`, an id
 * or a unique prefix of one) and the daemon resolves them.
 */

export type SessionEdgeKind = 'fork' | 'merge' | 'attach' | 'handoff' | 'import';

/** One session as lists and headers show it. */
export interface SessionInfo {
  id: string;
  /** The short number people use: `#12`. */
  number: number;
  name?: string;
  /** ask | new | fork | merge | import | wrap */
  origin: string;
  /** Messages in its own chain. */
  messages: number;
  /** Numbers of the sessions it comes from, oldest edge first. */
  parents: number[];
  /** Where it comes from, in words: `Derived: #12 #25`, `fork of #12`, `handoff from #3 (limit, resets 10:57)`. */
  lineage: string;
  /** The session `relay "task"` continues when no --session is given. */
  current: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SessionMessageInfo {
  id: string;
  parentId?: string;
  /** The number of the session it was written in (it may be an ancestor's); 0 for a deleted one. */
  writtenIn: number;
  role: 'system' | 'user' | 'assistant' | 'summary';
  content: string;
  worker?: string;
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: number;
  status: 'complete' | 'partial' | 'failed';
  createdAt: number;
}

/** A relation as clients see it; `parentNumber` is absent for a deleted or external parent. */
export interface SessionEdgeInfo {
  kind: SessionEdgeKind;
  child: string;
  childNumber?: number;
  /** A session id, or for an import the source (`claude:<its session id>`). */
  parent: string;
  parentNumber?: number;
  /** The parent's message it was made at. */
  atMessage?: string;
  note?: string;
  createdAt: number;
}

/** The whole graph, for `relay session graph --json`, the TUI and the dashboard. */
export interface SessionGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface GraphNode {
  id: string;
  number: number;
  name?: string;
  origin: string;
  messages: number;
  current: boolean;
  updatedAt: number;
}

/** `parent` may name no node: a deleted session, or an import's source (`claude:<id>`). */
export interface GraphEdge {
  child: string;
  parent: string;
  kind: SessionEdgeKind;
  note?: string;
}

/** What one part of an assembled context is, in the order it goes to the model. */
export type ContextPartKind =
  | 'system' // the worker's instructions
  | 'facts' // remembered facts relevant to the request
  | 'summary' // a stored summary of compacted older turns
  | 'marker' // says that older turns were left out
  | 'history' // a turn of the session's own chain
  | 'merged' // a turn of a merge parent, since its common ancestor with what came before
  | 'attached' // a turn of an attached session, since its common ancestor with this chain
  | 'request'; // the new request

export interface ContextPart {
  kind: ContextPartKind;
  role: 'system' | 'user' | 'assistant';
  content: string;
  tokens: number;
  /** The session the part comes from, by number (0 for a deleted one). */
  session?: number;
  messageId?: string;
  /** Why it is in: `own chain`, `merged from #25 since #12's 4th message`, `fact matching the request`. */
  why: string;
}

/** `relay session context`: what goes to the model for this session, in order, and why. */
export interface ContextPlanInfo {
  session: number;
  /** The tokens the context may take (a task: 24,000, whatever the model's window). */
  budgetTokens: number;
  totalTokens: number;
  parts: ContextPart[];
  /** Older turns that did not fit: covered by a stored summary, or left out with a marker. */
  compacted: { turns: number; by: 'summary' | 'marker' } | null;
}

export type ImportableAgent = 'claude' | 'codex' | 'gemini' | 'opencode';

export interface SessionRequests {
  'session.list': { payload: Record<string, never>; result: { sessions: SessionInfo[] } };
  /** A session with its chain (the newest `limit` messages, oldest first) and its edges. */
  'session.show': {
    payload: { ref?: string; limit?: number };
    result: { session: SessionInfo; messages: SessionMessageInfo[]; parents: SessionEdgeInfo[]; children: SessionEdgeInfo[] };
  };
  'session.new': { payload: { name?: string }; result: { session: SessionInfo } };
  /** Fork `ref` (default: the current session) at its head or at message `at`. */
  'session.fork': { payload: { ref?: string; at?: string; name?: string }; result: { session: SessionInfo } };
  'session.merge': { payload: { refs: string[]; name?: string }; result: { session: SessionInfo } };
  /** Attach `source`'s context to `target` (default: the current session). */
  'session.attach': { payload: { target?: string; source: string }; result: { session: SessionInfo; edge: SessionEdgeInfo } };
  /**
   * Read an agent CLI's own transcript (its session `id`, else the newest one for `cwd`) into a
   * new session with an `import` edge naming the source. `env` is the client's (CLAUDE_CONFIG_DIR,
   * CODEX_HOME, PATH for `opencode export`); `home` its home directory.
   */
  'session.import': {
    payload: { agent: ImportableAgent; id?: string; cwd: string; home: string; env: Record<string, string> };
    result: { session: SessionInfo; turns: number; source: string; existed: boolean };
  };
  /** The assembled context of `ref` as a task would send it (`budgetTokens` default: what a task carries). */
  'session.context': {
    payload: { ref?: string; budgetTokens?: number; request?: string; cwd: string };
    result: { plan: ContextPlanInfo };
  };
  /** Each side's messages since the common ancestor of `a` and `b`. */
  'session.diff': {
    payload: { a: string; b: string };
    result: { a: SessionInfo; b: SessionInfo; ancestor?: string; onlyA: SessionMessageInfo[]; onlyB: SessionMessageInfo[] };
  };
  'session.graph': { payload: Record<string, never>; result: SessionGraph };
  'session.rename': { payload: { ref: string; name: string }; result: { session: SessionInfo } };
  'session.delete': { payload: { ref: string }; result: { deleted: SessionInfo } };
}
