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
 * The chain is walked in a {@link ChainIndex} (the DAG's shape in memory): texts are read and
 * tokens counted only for the turns that go, so the cost follows the budget, not the length
 * of the conversation.
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
import type { ChainIndex, MessageShape } from './chainIndex.js';

/**
 * How much of a conversation a task carries, in tokens, besides the worker's instructions and
 * the request: every call pays for it, so it is far below today's context windows. Older turns
 * beyond it are summarised once (stored, and reused by later calls and by forks) or left out.
 */
export const CONTEXT_TOKENS = 24_000;

/**
 * When turns must go, the summary to make covers enough that the kept ones use at most this
 * share of the room: the next calls add turns without asking for a new summary every time.
 */
const KEEP_AFTER_COMPACTION = 0.5;
/**
 * The most of the uncovered turns one summary call reads: a cheap model's window holds it. A
 * longer backlog (a large imported session) is summarised over several tasks, oldest first,
 * each summary building on the last.
 */
const SUMMARY_INPUT_TOKENS = 12_000;
/**
 * A turn longer than this (a pasted log, an 8 MB answer) goes into a summary request cut to its
 * start and end: the summary needs its gist, and a cheap model's window must hold the request.
 */
const SUMMARY_TURN_CHARS = 16_000;
/** What such a cut turn costs in a summary request, about. */
const SUMMARY_TURN_TOKENS = SUMMARY_TURN_CHARS / 4;
/** The most of the room a summary may take; a longer one is not used. */
export const MAX_SUMMARY_SHARE = 0.25;

export interface ContextInput {
  repo: ConversationRepo;
  summaries: SummaryRepo;
  index: ChainIndex;
  /** The session's id (resolved already). */
  sessionId: string;
  /** The tokens the context may take, instructions and request included ({@link CONTEXT_TOKENS} for a task). */
  budgetTokens: number;
  systemPrompt?: string;
  facts?: readonly string[];
  /** The new request (the last user message). */
  request?: string;
}

/**
 * Turns left out that no summary covers yet: summarise `previous` (if any) and `turns` into the
 * summary through `throughMessageId` (`covers` turns from the root), and the next call uses it.
 */
export interface Compaction {
  throughMessageId: string;
  covers: number;
  previous?: string;
  turns: StoredMessage[];
}

export interface ContextAssembly {
  plan: ContextPlanInfo;
  /** The plan as the messages a model reads. */
  messages: ChatMessage[];
  /** What to summarise so the next call has a summary where this one has a marker; computed on demand. */
  compaction(): Compaction | undefined;
}

/** A turn a model reads, and where it comes from (its `why` is written only for the turns that go). */
interface Turn {
  shape: MessageShape;
  kind: 'history' | 'merged' | 'attached';
  /** For merged and attached turns: the number of the session the edge names (0: deleted). */
  from: number;
  /** For a merge inside a merged parent: the number of that parent, the way the turn came. */
  via: number | undefined;
}

export function factsText(facts: readonly string[]): string {
  return `Facts remembered for this work (use them where they apply):\n${facts.map((f) => `- ${f}`).join('\n')}`;
}

export function summaryText(s: Pick<StoredSummary, 'content' | 'covers'>): string {
  return `Summary of the ${s.covers} earliest turns of this conversation:\n${s.content}`;
}

/** A stored summary's tokens as the model reads it: counted once when it was stored, plus its heading. */
function summaryTokens(s: StoredSummary): number {
  return s.tokens + countTokens([{ role: 'system', content: summaryText({ covers: s.covers, content: '' }) }]);
}

function markerText(n: number): string {
  return `[${n} earlier turn${n === 1 ? '' : 's'} of this conversation left out]`;
}

export function assembleContext(input: ContextInput): ContextAssembly {
  const { repo, index } = input;
  const session = repo.resolve(input.sessionId);
  const numbers = repo.numbers();
  const numberOf = (sessionId: string): number => numbers.get(sessionId) ?? 0;
  const turns = chainTurns(repo, index, session.id, session.headId, numberOf);

  // What always goes: the instructions, the facts, the request.
  const head: ContextPart[] = [];
  if (input.systemPrompt) head.push(part('system', 'system', input.systemPrompt, "the worker's instructions"));
  if (input.facts && input.facts.length > 0) {
    head.push(part('facts', 'system', factsText(input.facts), `${input.facts.length} remembered fact${input.facts.length === 1 ? '' : 's'} matching the request`));
  }
  const tail: ContextPart[] = input.request ? [part('request', 'user', input.request, 'the new request')] : [];
  const fixed = sum(head) + sum(tail);
  const room = Math.max(0, input.budgetTokens - fixed);
  const last = tail[0] ?? head.at(-1);
  if (fixed > input.budgetTokens && last) last.why += `; the instructions, facts and request alone are ${fixed} tokens, over the budget of ${input.budgetTokens}: kept, no turn fits`;

  const cost = (i: number): number => index.tokens(turns[i]!.shape);
  /** The index of the first turn kept when the newest turns fill at most `limit` tokens. */
  const suffixFits = (limit: number, from = turns.length): number => {
    let used = 0;
    for (let i = from - 1; i >= 0; i--) {
      if (used + cost(i) > limit) return i + 1;
      used += cost(i);
    }
    return 0;
  };

  let first = suffixFits(room);
  let summary: StoredSummary | undefined;
  let summaryAt = -1;
  if (first > 0) {
    // The newest stored summary of this prefix, even one that reaches into what would be kept.
    const through = input.summaries.throughMessages();
    if (through.size > 0) {
      for (let i = turns.length - 1; i >= 0; i--) {
        if (!through.has(turns[i]!.shape.id)) continue;
        const found = input.summaries.get(turns[i]!.shape.id);
        // A summary that would take most of the room is no summary (a model that rambled): the marker it is.
        // It covers this context's prefix only when it covers as many turns as come before it
        // here: in a merge, the turns before a side's message include the other side's.
        if (found && found.covers === i + 1 && summaryTokens(found) <= room * MAX_SUMMARY_SHARE) {
          summary = found;
          summaryAt = i;
        }
        break;
      }
    }
    if (summary) first = Math.max(summaryAt + 1, suffixFits(Math.max(0, room - summaryTokens(summary))));
  }

  const middle: ContextPart[] = [];
  const leftOut = summary ? first - 1 - summaryAt : first;
  if (summary) {
    const why = `summary of the ${summary.covers} oldest turns (stored, written by ${summary.model ?? 'a model'})`;
    middle.push({ kind: 'summary', role: 'system', content: summaryText(summary), tokens: summaryTokens(summary), why });
  }
  if (leftOut > 0) middle.push(part('marker', 'system', markerText(leftOut), `${leftOut} older turn${leftOut === 1 ? '' : 's'} over the budget of ${input.budgetTokens} tokens`));
  for (let i = first; i < turns.length; i++) {
    const t = turns[i]!;
    const writer = numberOf(t.shape.sessionId);
    middle.push({
      kind: t.kind,
      role: t.shape.role === 'assistant' ? 'assistant' : 'user',
      content: index.text(t.shape.id),
      tokens: cost(i),
      session: writer,
      messageId: t.shape.id,
      why: whyOf(t, session.number, writer),
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
  const compaction = (): Compaction | undefined => {
    if (leftOut <= 0) return undefined;
    // Deeper than needed, so the kept turns leave room for the next ones; no more than one call reads.
    const wanted = Math.max(first, suffixFits(room * KEEP_AFTER_COMPACTION)) - 1;
    let through = summaryAt;
    let read = 0;
    const inRequest = (i: number): number => Math.min(cost(i), SUMMARY_TURN_TOKENS);
    while (through < wanted && (through === summaryAt || read + inRequest(through + 1) <= SUMMARY_INPUT_TOKENS)) {
      through++;
      read += inRequest(through);
    }
    return {
      throughMessageId: turns[through]!.shape.id,
      covers: through + 1,
      ...(summary ? { previous: summary.content } : {}),
      turns: turns.slice(summaryAt + 1, through + 1).map((t) => index.message(t.shape)),
    };
  };
  return { plan, messages: parts.map((p) => ({ role: p.role, content: p.content })), compaction };
}

/**
 * Every turn the session's context may hold, oldest first: for each merge, the context of the
 * merged parent up to the merge point (its own merges included: a merge of merges reaches every
 * branch), a message already taken not taken again; then attached chains (minus what they share
 * with this one); then the session's own chain. Each edge is followed once.
 */
function chainTurns(repo: ConversationRepo, index: ChainIndex, sessionId: string, headId: string | undefined, numberOf: (sessionId: string) => number): Turn[] {
  const own = index.chain(headId);
  // The own chain is the session's own, whatever else reaches it: edges bring only what it lacks.
  const taken = new Set<string>();
  for (const m of own) taken.add(m.id);
  const followed = new Set<number>();
  const turns: Turn[] = [];
  const push = (newestFirst: readonly MessageShape[], kind: Turn['kind'], from: number, via: number | undefined): void => {
    for (let i = newestFirst.length - 1; i >= 0; i--) {
      const m = newestFirst[i]!;
      taken.add(m.id);
      if (m.turn) turns.push({ shape: m, kind, from, via });
    }
  };
  /** What the edges of `chain`'s writers bring, before the chain itself; `via`: the merged parent it is inside. */
  const follow = (chain: readonly MessageShape[], session: string | undefined, via: number | undefined): void => {
    const edges = edgesOfChain(repo, session, chain).filter((e) => e.atMessage !== undefined && !followed.has(e.id));
    for (const e of edges) followed.add(e.id);
    for (const e of edges) {
      if (e.kind !== 'merge') continue;
      const from = numberOf(e.parent);
      // Up to what is taken already: above it, every writer's edges have been followed.
      const parent = index.chain(e.atMessage, taken);
      follow(parent, undefined, via ?? from);
      push(parent, 'merged', from, via);
    }
    for (const e of edges) if (e.kind === 'attach') push(index.chain(e.atMessage, taken), 'attached', numberOf(e.parent), via);
  };
  follow(own, sessionId, undefined);
  for (let i = own.length - 1; i >= 0; i--) if (own[i]!.turn) turns.push({ shape: own[i]!, kind: 'history', from: 0, via: undefined });
  return turns;
}

/** Why a turn is in the context, in words. */
function whyOf(t: Turn, sessionNumber: number, writer: number): string {
  const name = (n: number, deleted: string): string => (n ? `#${n}` : deleted);
  const via = t.via !== undefined ? ` via ${name(t.via, 'a deleted session')}` : '';
  if (t.kind === 'merged') return `merged from ${name(t.from, 'a deleted session')}${via}${writer && writer !== t.from ? ` (written in #${writer})` : ''}`;
  if (t.kind === 'attached') return `attached ${name(t.from, 'from a deleted session')}${via}`;
  return writer === sessionNumber ? 'own chain' : `own chain, from ${name(writer, 'a deleted session')}`;
}

/**
 * The edges that shape this chain: the session's own, and those of every session that wrote a
 * message in it (a fork of a merge carries the merge's parents), each only up to the last of its
 * messages in the chain — what an ancestor attached after the fork is not this session's.
 */
function edgesOfChain(repo: ConversationRepo, sessionId: string | undefined, newestFirst: readonly MessageShape[]): Edge[] {
  // Oldest writer first, each with the time of its newest message in the chain.
  const lastIn = new Map<string, number>();
  for (let i = newestFirst.length - 1; i >= 0; i--) lastIn.set(newestFirst[i]!.sessionId, newestFirst[i]!.createdAt);
  const out: Edge[] = [];
  for (const [writer, last] of lastIn) {
    if (writer === sessionId) continue;
    out.push(...repo.edges(writer).parents.filter((e) => e.createdAt <= last));
  }
  if (sessionId !== undefined) out.push(...repo.edges(sessionId).parents);
  return out;
}

function part(kind: ContextPart['kind'], role: ContextPart['role'], content: string, why: string): ContextPart {
  return { kind, role, content, tokens: countTokens([{ role, content }]), why };
}

function sum(parts: readonly ContextPart[]): number {
  return parts.reduce((n, p) => n + p.tokens, 0);
}

function cutTurn(text: string): string {
  if (text.length <= SUMMARY_TURN_CHARS) return text;
  const half = SUMMARY_TURN_CHARS / 2;
  return `${text.slice(0, half)}\n[… ${text.length - SUMMARY_TURN_CHARS} characters cut …]\n${text.slice(-half)}`;
}

/** The request to a cheap model that turns compacted turns (after an earlier summary, if any) into one summary. */
export function summaryRequest(c: Compaction): ChatMessage[] {
  const lines: string[] = [];
  if (c.previous) lines.push('The summary so far:', c.previous, '', 'The turns after it:');
  else lines.push('The conversation:');
  for (const m of c.turns) lines.push(`${m.role === 'user' ? 'User' : 'Assistant'}: ${cutTurn(m.content)}`);
  lines.push('', `Write one summary of all of it (${c.covers} turns), to be read instead of them.`);
  return [{ role: 'user', content: lines.join('\n') }];
}
