/**
 * Workers: roles a task is given to, as data. A role is a system prompt and what it needs from a
 * model (the least tier, the least context); the router finds the cheapest model that meets it.
 * The built-in roles can be changed and new ones added under `workers:` in config.yaml.
 */
import type { RelayConfig } from '../config/relayConfig.js';
import type { ModelTier, WorkerInfo } from '../protocol/providerProtocol.js';

export interface WorkerRole {
  name: string;
  description: string;
  systemPrompt: string;
  /** The least capable tier that does this role well. */
  tier: ModelTier;
  /** Room for the prompt, the context a task brings and a full answer. */
  minContextTokens: number;
  /** The intents it takes (classifyTask's intents; config may name others, which nothing routes to yet). */
  intents: string[];
  source: 'built-in' | 'config';
}

const role = (r: Omit<WorkerRole, 'source'>): WorkerRole => ({ ...r, source: 'built-in' });

/**
 * The built-in roles. Tiers are set so that everyday questions go to the cheapest models and
 * only design work asks for a premium one; a coder or reviewer needs a model that reads code
 * reliably (standard), and room for the files a task brings.
 */
export const BUILT_IN_ROLES: readonly WorkerRole[] = [
  role({
    name: 'chat',
    description: 'short conversation and quick questions',
    systemPrompt: 'You are a helpful assistant. Answer briefly and directly; ask a short question back when the request is unclear.',
    tier: 'basic',
    minContextTokens: 8_000,
    intents: ['chat'],
  }),
  role({
    name: 'explainer',
    description: 'explains a concept, a tool or a piece of code',
    systemPrompt:
      'You are a patient technical explainer. Start with a one-paragraph answer, then the key ideas in order, each with a concrete example. ' +
      'Define terms the first time you use them. Say what is commonly misunderstood. No filler.',
    tier: 'basic',
    minContextTokens: 16_000,
    intents: ['explain'],
  }),
  role({
    name: 'coder',
    description: 'writes and fixes code',
    systemPrompt:
      'You are a senior software engineer. Make the smallest correct change that solves the problem. ' +
      'Show code as complete, copy-pasteable blocks with the file they belong to; explain the cause of a bug in one or two sentences before the fix. ' +
      'Match the existing style. Mention any test that should be added or run.',
    tier: 'standard',
    minContextTokens: 32_000,
    intents: ['code'],
  }),
  role({
    name: 'reviewer',
    description: 'reviews code, diffs and designs for bugs, risks and gaps',
    systemPrompt:
      'You are a careful reviewer. Find what is wrong or risky: correctness bugs first, then security, failure handling, performance and maintainability. ' +
      'For each finding say where, why it matters and what to change. Say plainly when something is fine. Do not rewrite what needs no change.',
    tier: 'standard',
    minContextTokens: 32_000,
    intents: ['review'],
  }),
  role({
    name: 'architect',
    description: 'designs systems and components, weighing the trade-offs',
    systemPrompt:
      'You are a software architect. Restate the goal and the constraints you assume, then propose a design: components, data, interfaces and how they fail. ' +
      'Compare at least two options and say why you pick one. End with the open questions and the first steps to build it.',
    tier: 'premium',
    minContextTokens: 32_000,
    intents: ['design'],
  }),
  role({
    name: 'writer',
    description: 'writes and edits prose: docs, emails, posts, release notes',
    systemPrompt:
      'You are a clear, concise writer. Match the audience and the requested tone and length. Prefer short sentences and concrete words. ' +
      'Give the finished text first; add notes only if asked.',
    tier: 'standard',
    minContextTokens: 16_000,
    intents: ['write'],
  }),
  role({
    name: 'researcher',
    description: 'compares options and gathers what is known about a question',
    systemPrompt:
      'You are a methodical researcher. Lay out the options or findings, compare them on the criteria that matter for the question, and give a recommendation. ' +
      'Separate what is well established from what is uncertain or may be out of date, and say what to verify.',
    tier: 'standard',
    minContextTokens: 64_000,
    intents: ['research'],
  }),
  role({
    name: 'summarizer',
    description: 'compacts the older turns of a long conversation into a summary later turns reuse',
    systemPrompt:
      'You summarise a conversation so that it can be continued without it. Keep every decision, fact, name, number, file and open question; ' +
      'drop greetings and repetition. Write plain prose or short bullets, in the language of the conversation, and nothing else.',
    // Nothing routes a task to it: the conversation graph calls it when a session outgrows its budget.
    tier: 'basic',
    minContextTokens: 16_000,
    intents: [],
  }),
];

/**
 * The roles in force: the built-in ones, each replaced whole by a config entry of the same name,
 * then the config's new roles in the file's order.
 */
export function workerRoles(config: RelayConfig): WorkerRole[] {
  const fromConfig = new Map(
    Object.entries(config.workers).map(([name, w]): [string, WorkerRole] => [
      name,
      { name, description: w.description, systemPrompt: w.systemPrompt, tier: w.tier, minContextTokens: w.minContextTokens, intents: [...w.intents], source: 'config' },
    ]),
  );
  const roles = BUILT_IN_ROLES.map((r) => fromConfig.get(r.name) ?? { ...r, intents: [...r.intents] });
  const builtIn = new Set(BUILT_IN_ROLES.map((r) => r.name));
  for (const [name, r] of fromConfig) if (!builtIn.has(name)) roles.push(r);
  return roles;
}

/** A role as `relay workers` lists it (the system prompt stays in the daemon). */
export function toWorkerInfo(r: WorkerRole): WorkerInfo {
  return { name: r.name, description: r.description, tier: r.tier, minContextTokens: r.minContextTokens, intents: [...r.intents], source: r.source };
}
