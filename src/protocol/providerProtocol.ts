/**
 * The workspace engine's wire types: what a provider call streams, how it fails, and the
 * requests of `relay "task"`, `relay providers|models|workers`, `relay cost` and `relay budget`.
 * Money is always integer micro-dollars (1 USD = 1,000,000 µ$): a price of $1 per million tokens
 * is exactly 1 µ$ per token, so costs add up without floating-point drift.
 */

/** One turn sent to a model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Tokens a call used, as the provider (or the CLI's own JSON) reported them. */
export interface TokenUsage {
  /** Every input token, cached ones included (cache reads and writes are parts of this count). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /**
   * What the provider itself says the call cost, when it says (Claude's `total_cost_usd`,
   * OpenCode's `cost`), in µ$. Preferred to a price-table estimate.
   */
  reportedCostMicros?: number;
}

/** Why a model stopped, normalised across the wire formats. */
export type FinishReason = 'stop' | 'length' | 'tool' | 'content_filter' | 'cancelled' | 'error' | 'unknown';

/**
 * What a call streams while it runs, in order. Every wire format and every CLI's headless JSON
 * is turned into these; nothing downstream knows which vendor spoke.
 */
export type StreamEvent =
  /** The HTTP status and raw headers (rate-limit headers included), once, before any delta. */
  | { type: 'response'; status: number; headers: Record<string, string> }
  | { type: 'delta'; text: string }
  /** Usage so far or final; a later one replaces an earlier one. */
  | { type: 'usage'; usage: TokenUsage }
  | { type: 'finish'; reason: FinishReason }
  /** The CLI's own session id (Claude `session_id`, Codex `thread_id`, OpenCode `sessionID`). */
  | { type: 'session'; id: string }
  /** An early sign of trouble that is not a failure yet (a CLI retrying a 429). */
  | { type: 'warning'; text: string; resetAt?: number };

/**
 * How a call failed. `rate_limited` and `quota` cool the provider down until `resetAt`; `auth`
 * disables it; `server`/`overloaded` count towards its circuit breaker.
 */
export type FailureKind =
  | 'rate_limited'
  | 'quota'
  | 'auth'
  | 'overloaded'
  | 'server'
  | 'bad_request'
  | 'not_found'
  | 'malformed'
  | 'first_byte_timeout'
  | 'idle_timeout'
  | 'network'
  | 'too_large'
  | 'cancelled'
  | 'crashed'
  | 'cli_failed';

export interface CallFailure {
  kind: FailureKind;
  /** One line, secrets redacted, fit to print after "provider openai: ". */
  message: string;
  status?: number;
  /** When a rate or quota limit lifts, ms since the epoch, if the answer said. */
  resetAt?: number;
  /** The same request may succeed on another provider (true for limits, 5xx, timeouts). */
  moveOn: boolean;
  /** What the user can do (a wrong key: which variable to fix). */
  hint?: string;
}

/** How one call ended. Usage is what was used even when it failed or was cancelled. */
export interface CallOutcome {
  finish: FinishReason;
  usage?: TokenUsage;
  failure?: CallFailure;
  /** Characters of answer text streamed. */
  chars: number;
  /** ms from the start of the call to the first delta, if one came. */
  firstDeltaMs?: number;
  durationMs: number;
  /** The CLI's own session id, when it reported one. */
  agentSession?: string;
}

/** What a model costs, in µ$ per token (= USD per million tokens). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  /**
   * Long-context prices (Gemini 2.5 Pro above 200k, Claude Sonnet 4.5 above 200k): a call whose
   * input exceeds a tier's threshold pays that tier's prices for every token, output included.
   * Ascending by threshold; the base prices above apply below the first.
   */
  tiers?: ModelPriceTier[];
}

/** The prices of a call whose input tokens are more than `aboveInputTokens`. */
export interface ModelPriceTier {
  aboveInputTokens: number;
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/**
 * How a model is paid for. `local` (Ollama, LM Studio) and `subscription` (an agent CLI on its
 * plan) cost nothing per call and stay usable when the paid budget is spent.
 */
export type Billing = 'metered' | 'subscription' | 'local';

/** Capability tiers, cheapest first. A worker needs at least one of them. */
export type ModelTier = 'basic' | 'standard' | 'premium';
export const MODEL_TIERS: readonly ModelTier[] = ['basic', 'standard', 'premium'];

/** A model as `relay models` lists it. */
export interface ModelInfo {
  provider: string;
  model: string;
  tier: ModelTier;
  billing: Billing;
  /** Tokens of context; undefined when unknown. */
  contextTokens?: number;
  /** undefined: unpriced (never shown as $0). A local or subscription model has no price, and needs none. */
  price?: ModelPrice;
  /** Where the price came from: `genai-prices`, `config`, `free`. */
  priceSource?: string;
}

/**
 * What the router needs to know about a provider now, from its `provider:<name>` actor
 * (actors/provider/providerMachine.ts). Here, not there, because the router (routing/) may not
 * import actors (the same rank).
 */
export interface ProviderHealth {
  state: 'ready' | 'cooling' | 'disabled' | 'open';
  /** When cooling or the open breaker ends, ms since the epoch. */
  until?: number;
  /** Why it is not ready, one line (never a key). */
  why?: string;
}

/** What Relay looked for and what it found, for `relay providers`. */
export interface ProviderInfo {
  name: string;
  /** `openai`, `anthropic`, `google`, `deepseek`, `ollama`, `openai-compatible`, `cli`. */
  kind: string;
  /** `env:OPENAI_API_KEY`, `config.yaml`, `PATH: /usr/bin/claude`, `probe: 127.0.0.1:11434`. */
  source: string;
  baseUrl?: string;
  usable: boolean;
  /** Why it is usable or not, one line (never the key). */
  why: string;
  /** ready | cooling | disabled | open (circuit breaker), from the provider actor. */
  state?: string;
  /** When a cooling provider is ready again, ms since the epoch. */
  until?: number;
  models: string[];
}

/** What Relay looked for but did not find, with how to add it. */
export interface ProviderLookup {
  what: string;
  found: boolean;
  howToAdd: string;
}

/** A worker role as `relay workers` lists it. */
export interface WorkerInfo {
  name: string;
  description: string;
  tier: ModelTier;
  minContextTokens: number;
  intents: string[];
  source: 'built-in' | 'config';
}

/** One candidate the router looked at, and what it decided about it. */
export interface RouteCandidate {
  provider: string;
  model: string;
  tier: ModelTier;
  billing: Billing;
  /** Estimated cost of this call on it, µ$; undefined when unpriced. */
  estimateMicros?: number;
  kept: boolean;
  /** `cooling until 10:57`, `context 8k < 32k needed`, `tier basic < standard`, `cheapest`. */
  why: string;
}

/** The router's pick for one worker call, with every candidate and the reason it won. */
export interface RouteDecision {
  worker: string;
  pick?: { provider: string; model: string };
  /** Kept candidates in the order they will be tried (the pick first, then fallbacks). */
  order: Array<{ provider: string; model: string }>;
  candidates: RouteCandidate[];
  why: string;
}

/** The limits the budget guard holds, µ$; undefined: no limit. */
export interface BudgetLimits {
  taskMicros?: number;
  dailyMicros?: number;
  monthlyMicros?: number;
}

export interface BudgetState {
  limits: BudgetLimits;
  /** Charged plus reserved, µ$. */
  todayMicros: number;
  monthMicros: number;
  reservedMicros: number;
  allowUnpriced: boolean;
}

/** Why the budget guard said no. */
export interface BudgetRefusal {
  limit: 'task' | 'daily' | 'monthly' | 'unpriced';
  limitMicros?: number;
  spentMicros: number;
  /** What this call would have needed, µ$. */
  neededMicros?: number;
}

export interface CostRow {
  key: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  /** Calls whose model had no known price (their cost is not in costMicros). */
  unpricedCalls: number;
}

export interface CostReport {
  todayMicros: number;
  monthMicros: number;
  limits: BudgetLimits;
  byProvider: CostRow[];
  byModel: CostRow[];
  byWorker: CostRow[];
  byDay: CostRow[];
}

/** The options of one `relay "task"`, as the client sends them. */
export interface TaskOptions {
  worker?: string;
  provider?: string;
  model?: string;
  premium?: boolean;
  /** Ask before each call (edit mode); the client answers with `task.confirm`. */
  confirm?: boolean;
}

/** What the client shows before an edit-mode call, and what it answers. */
export interface CallPlan {
  worker: string;
  provider: string;
  model: string;
  estimateMicros?: number;
  inputTokens: number;
}

/**
 * One message on a task's topic (`TOPIC_TASK(id)`), in order. `seq` counts every message of the
 * task from 1, so a client can tell it missed one and read the answer from the store instead.
 */
export type TaskMessage =
  | { kind: 'route'; seq: number; step: number; decision: RouteDecision }
  | { kind: 'confirm'; seq: number; step: number; plan: CallPlan }
  | { kind: 'call'; seq: number; step: number; worker: string; provider: string; model: string; attempt: number }
  | { kind: 'delta'; seq: number; step: number; text: string }
  | { kind: 'moved-on'; seq: number; step: number; provider: string; failure: CallFailure }
  | { kind: 'warning'; seq: number; text: string }
  /** Something the user should know that is not a problem: the session continued, older turns summarised. */
  /**
   * `key` and `vars` say the same as `text` for a client that words it itself (the workspace, in
   * the user's language, with its own advice: `/new` rather than `--new`).
   */
  | { kind: 'note'; seq: number; text: string; key?: 'continuing' | 'summarised'; vars?: Record<string, string | number> }
  | { kind: 'step-done'; seq: number; step: number; worker: string; provider: string; model: string; costMicros?: number; usage?: TokenUsage };

/** The last word on a task: the reply to `task.run`. */
export interface TaskResult {
  taskId: string;
  session: { id: string; number: number };
  steps: Array<{
    worker: string;
    provider?: string;
    model?: string;
    messageId?: string;
    chars: number;
    costMicros?: number;
    usage?: TokenUsage;
    finish: FinishReason;
    failure?: CallFailure;
  }>;
  /** The last message on the topic, so the client knows it has seen everything. */
  lastSeq: number;
  costMicros: number;
  /** Set when the task did not finish: why, for the one-line error. */
  failure?: { code: string; message: string; hint?: string };
}

/**
 * A task running in the daemon as any client can pick it up (a TUI opened after it started, a
 * second TUI): what was asked, in which conversation, and every message so far. Consecutive
 * `delta`s of one step are one message holding their joined text and the LAST one's `seq`, so
 * a long answer is one message, and a client that subscribed to the task's topic before asking
 * drops every live message whose `seq` is at most the last one here.
 */
export interface LiveTask {
  taskId: string;
  text: string;
  /** Known once the task has resolved its conversation (a listed task always has it). */
  session?: { id: string; number: number };
  /** ms since the epoch. */
  startedAt: number;
  messages: TaskMessage[];
}

/**
 * What the daemon says on {@link TOPIC_TASKS} about tasks starting and ending, so a client sees
 * a task another client started. `started` comes once the task knows its conversation, before
 * its first answer text; `ended` after its last message, however it ended.
 */
export type TaskAnnouncement =
  | { kind: 'started'; task: Omit<LiveTask, 'messages'> }
  | { kind: 'ended'; taskId: string; session?: { id: string; number: number }; result: TaskResult };

export interface ProviderRequests {
  'providers.list': {
    /** The client's environment (keys live there, not in the daemon's); held in memory for the call only. */
    payload: { env: Record<string, string> };
    result: { providers: ProviderInfo[]; lookedFor: ProviderLookup[] };
  };
  'models.list': {
    payload: { env: Record<string, string> };
    result: { models: ModelInfo[] };
  };
  'workers.list': { payload: Record<string, never>; result: { workers: WorkerInfo[] } };
  /** Classify and route without calling anything: what `--explain` prints. */
  'task.plan': {
    payload: { text: string; options: TaskOptions; env: Record<string, string>; cwd: string };
    result: { intent: string; size: string; steps: RouteDecision[] };
  };
  /**
   * Run a task. The client subscribes to `TOPIC_TASK(taskId)` first (and proves it live), then
   * sends this; the reply comes when the task has ended.
   */
  'task.run': {
    payload: {
      taskId: string;
      text: string;
      /** Piped stdin, added as context. */
      context?: string;
      options: TaskOptions;
      env: Record<string, string>;
      cwd: string;
      /** Continue this conversation (`12`, `#12`, an id). */
      sessionId?: string;
      /** Start a new conversation. Neither this nor `sessionId`: continue the current one (the last one worked in). */
      newSession?: boolean;
    };
    result: TaskResult;
  };
  /** Answer an edit-mode `confirm` message. */
  'task.confirm': { payload: { taskId: string; step: number; yes: boolean }; result: { ok: true } };
  /** The tasks running now with their messages so far; only those of one conversation (its id) when given. */
  'task.list': { payload: { session?: string }; result: { tasks: LiveTask[] } };
  /** Stop a running task: the stream is aborted and what was used is recorded. */
  'task.cancel': { payload: { taskId: string }; result: { cancelled: boolean } };
  'budget.show': { payload: Record<string, never>; result: BudgetState };
  'budget.set': { payload: BudgetLimits; result: BudgetState };
  'budget.clear': { payload: { scopes?: Array<'task' | 'daily' | 'monthly'> }; result: BudgetState };
  'cost.report': { payload: { days?: number }; result: CostReport };
}

/** The topic a task's messages travel on. */
export const TOPIC_TASK = (taskId: string): string => `task:${taskId}`;

/**
 * Where tasks are announced ({@link TaskAnnouncement}). Subscriptions match by prefix, so a
 * subscriber to `task` hears this topic and every task's own; a client of one task matches its
 * topic exactly.
 */
export const TOPIC_TASKS = 'tasks';
