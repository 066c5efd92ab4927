/**
 * What a model is sent for a session: deterministic, and explained part by part
 * (`relay session context`). In order:
 *
 *   the worker's instructions · the remembered facts · a summary of compacted turns (or a marker
 *   saying they were left out) · the turns the edges bring in · the session's own chain · the
 *   request.
 *
 * The edges: a fork shares its parent's chain, so the chain already holds it. A merge's chain
 * starts at its "Derived" message; each parent's chain up to the message the merge was made at
 * comes first, in the merge's order, and a message already taken (the prefix two sides share) is
 * not taken again. An attached session's chain up to the attach point goes before the session's
 * own turns too — background the session reads, minus what the two share. Only the parents'
 * chains are read, not their own edges: one level, which keeps the cost of a call bounded.
 *
 * Over the budget, the oldest turns go first. A stored summary that covers them (keyed by the
 * last message it covers, so every session sharing that prefix reuses it) takes their place;
 * turns no summary covers yet are left out with a visible marker, and `compactable` tells the
 * caller which ones to summarise so the next call has a summary instead.
 */
import type { ChatMessage } from '../protocol/providerProtocol.js';
import type { ContextPart, ContextPlanInfo } from '../protocol/sessionProtocol.js';
import { countTokens } from '../providers/tokenEstimate.js';
import type { ConversationRepo, Edge, StoredMessage } from '../store/conversationRepo.js';
import type { StoredSummary, SummaryRepo } from '../store/summaryRepo.js';

/**
 * How much of a conversation a task carries, in tokens, besides the worker's instructions and
 * the request: every call pays for it, so it is far below today's context windows. Older turns
 * beyond it are summarised once (stored, and reused by later calls and by forks) or left out.
 */
export const CONTEXT_TOKENS = 24_000;

/** The most of one chain read for a call: far past any context window. */
const MAX_CHAIN = 5_000;
/**
 * When turns must go, the summary to make covers enough that the kept ones use at most this
 * share of the room: the next calls add turns without asking for a new summary every time.
 */
const KEEP_AFTER_COMPACTION = 0.5;

export interface ContextInput {
  repo: ConversationRepo;
  summaries: SummaryRepo;
  /** The session's id (resolved already). */
  sessionId: string;
  /** The tokens the context may take, instructions and request included ({@link CONTEXT_TOKENS} for a task). */
  budgetTokens: number;
  systemPrompt?: string;
  facts?: readonly string[];
  /** The new request (the last user message). */
  request?: string;
}

export interface ContextAssembly {
  plan: ContextPlanInfo;
  /** The plan as the messages a model reads. */
  messages: ChatMessage[];
  /**
   * Turns left out that no summary covers: summarise `previous` (if any) and `turns` into the
   * summary through `throughMessageId` (`covers` turns from the root), and the next call uses it.
   */
  compactable?: { throughMessageId: string; covers: number; previous?: string; turns: StoredMessage[] };
}

/** A turn a model reads, and where it comes from. */
interface Turn {
  message: StoredMessage;
  kind: 'history' | 'merged' | 'attached';
  why: string;
}

function isTurn(m: StoredMessage): boolean {
  return (m.role === 'user' || m.role === 'assistant') && m.status !== 'failed' && m.content.trim() !== '';
}

export function factsText(facts: readonly string[]): string {
  return `Facts remembered for this work (use them where they apply):\n${facts.map((f) => `- ${f}`).join('\n')}`;
}

export function summaryText(s: Pick<StoredSummary, 'content' | 'covers'>): string {
  return `Summary of the ${s.covers} earliest turns of this conversation:\n${s.content}`;
}

function markerText(n: number): string {
  return `[${n} earlier turn${n === 1 ? '' : 's'} of this conversation left out]`;
}

export function assembleContext(input: ContextInput): ContextAssembly {
  const { repo } = input;
  const session = repo.resolve(input.sessionId);
  const numbers = repo.numbers();
  const numberOf = (sessionId: string): number => numbers.get(sessionId) ?? 0;
  const taken = new Set<string>();
  const turns: Turn[] = [];

  const take = (chain: readonly StoredMessage[], kind: Turn['kind'], why: (m: StoredMessage) => string): void => {
    for (const m of chain) {
      if (taken.has(m.id)) continue;
      taken.add(m.id);
      if (isTurn(m)) turns.push({ message: m, kind, why: why(m) });
    }
  };

  const own = session.headId ? repo.chainAt(session.headId, MAX_CHAIN) : [];
  const parents = edgesOfChain(repo, session.id, own);
  const referenced = (kind: Edge['kind']): Edge[] => parents.filter((e) => e.kind === kind && e.atMessage !== undefined);
  // The session's own chain is its own, whatever else reaches it: edges bring only what it lacks.
  for (const m of own) taken.add(m.id);
  for (const e of referenced('merge')) {
    const from = numberOf(e.parent);
    take(repo.chainAt(e.atMessage!, MAX_CHAIN), 'merged', (m) => {
      const writer = numberOf(m.sessionId);
      return `merged from ${from ? `#${from}` : 'a deleted session'}${writer && writer !== from ? ` (written in #${writer})` : ''}`;
    });
  }
  for (const e of referenced('attach')) {
    const from = numberOf(e.parent);
    take(repo.chainAt(e.atMessage!, MAX_CHAIN), 'attached', () => `attached ${from ? `#${from}` : 'from a deleted session'}`);
  }
  for (const m of own) {
    if (!isTurn(m)) continue;
    const writer = numberOf(m.sessionId);
    turns.push({ message: m, kind: 'history', why: writer === session.number ? 'own chain' : `own chain, from ${writer ? `#${writer}` : 'a deleted session'}` });
  }

  // What always goes: the instructions, the facts, the request.
  const head: ContextPart[] = [];
  if (input.systemPrompt) head.push(part('system', 'system', input.systemPrompt, "the worker's instructions"));
  if (input.facts && input.facts.length > 0) {
    head.push(part('facts', 'system', factsText(input.facts), `${input.facts.length} remembered fact${input.facts.length === 1 ? '' : 's'} matching the request`));
  }
  const tail: ContextPart[] = input.request ? [part('request', 'user', input.request, 'the new request')] : [];
  const fixed = sum(head) + sum(tail);
  const room = Math.max(0, input.budgetTokens - fixed);

  const cost = turns.map((t) => countTokens([{ role: t.message.role as 'user' | 'assistant', content: t.message.content }]));
  const suffixFits = (limit: number): number => {
    // The index of the first turn kept when the newest turns fill at most `limit` tokens.
    let used = 0;
    for (let i = turns.length - 1; i >= 0; i--) {
      if (used + cost[i]! > limit) return i + 1;
      used += cost[i]!;
    }
    return 0;
  };

  let first = suffixFits(room);
  let summary: StoredSummary | undefined;
  let summaryAt = -1;
  if (first > 0) {
    // The newest stored summary of this prefix, even one that reaches into what would be kept.
    const found = input.summaries.forMessages(turns.map((t) => t.message.id));
    for (let i = turns.length - 1; i >= 0 && !summary; i--) {
      const s = found.get(turns[i]!.message.id);
      if (s) {
        summary = s;
        summaryAt = i;
      }
    }
    if (summary) first = Math.max(summaryAt + 1, suffixFits(Math.max(0, room - countTokens([{ role: 'system', content: summaryText(summary) }]))));
  }

  const middle: ContextPart[] = [];
  const leftOut = summary ? first - 1 - summaryAt : first;
  if (summary) middle.push(part('summary', 'system', summaryText(summary), `summary of the ${summary.covers} oldest turns (stored, written by ${summary.model ?? 'a model'})`));
  if (leftOut > 0) middle.push(part('marker', 'system', markerText(leftOut), `${leftOut} older turn${leftOut === 1 ? '' : 's'} over the budget of ${input.budgetTokens} tokens`));
  for (let i = first; i < turns.length; i++) {
    const t = turns[i]!;
    middle.push({
      kind: t.kind,
      role: t.message.role as 'user' | 'assistant',
      content: t.message.content,
      tokens: cost[i]!,
      session: numberOf(t.message.sessionId),
      messageId: t.message.id,
      why: t.why,
    });
  }

  const parts = [...head, ...middle, ...tail];
  const plan: ContextPlanInfo = {
    session: session.number,
    budgetTokens: input.budgetTokens,
    totalTokens: sum(parts),
    parts,
    compacted: first === 0 ? null : leftOut > 0 ? { turns: first, by: 'marker' } : { turns: first, by: 'summary' },
  };
  const assembly: ContextAssembly = { plan, messages: parts.map((p) => ({ role: p.role, content: p.content })) };
  if (leftOut > 0) {
    // Summarise deeper than needed, so the kept turns leave room for the next ones.
    const through = Math.max(first, suffixFits(room * KEEP_AFTER_COMPACTION)) - 1;
    assembly.compactable = {
      throughMessageId: turns[through]!.message.id,
      covers: through + 1,
      ...(summary ? { previous: summary.content } : {}),
      turns: turns.slice(summaryAt + 1, through + 1).map((t) => t.message),
    };
  }
  return assembly;
}

/**
 * The edges that shape this chain: the session's own, and those of every session that wrote a
 * message in it (a fork of a merge carries the merge's parents), each only up to the last of its
 * messages in the chain — what an ancestor attached after the fork is not this session's.
 */
function edgesOfChain(repo: ConversationRepo, sessionId: string, chain: readonly StoredMessage[]): Edge[] {
  const lastIn = new Map<string, number>();
  for (const m of chain) lastIn.set(m.sessionId, m.createdAt);
  const out: Edge[] = [];
  for (const [writer, last] of lastIn) {
    if (writer === sessionId) continue;
    out.push(...repo.edges(writer).parents.filter((e) => e.createdAt <= last));
  }
  out.push(...repo.edges(sessionId).parents);
  return out;
}

function part(kind: ContextPart['kind'], role: ContextPart['role'], content: string, why: string): ContextPart {
  return { kind, role, content, tokens: countTokens([{ role, content }]), why };
}

function sum(parts: readonly ContextPart[]): number {
  return parts.reduce((n, p) => n + p.tokens, 0);
}

/** The request to a cheap model that turns compacted turns (after an earlier summary, if any) into one summary. */
export function summaryRequest(c: NonNullable<ContextAssembly['compactable']>): ChatMessage[] {
  const lines: string[] = [];
  if (c.previous) lines.push('The summary so far:', c.previous, '', 'The turns after it:');
  else lines.push('The conversation:');
  for (const m of c.turns) lines.push(`${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}`);
  lines.push('', `Write one summary of all of it (${c.covers} turns), to be read instead of them.`);
  return [{ role: 'user', content: lines.join('\n') }];
}
