/**
 * The conversation graph's record of `relay wrap`: each agent run of a relay session is a
 * conversation (origin `wrap`, named `claude in api`) holding the turns Relay learns of it, and
 * each handoff is a `handoff` edge from the conversation of the agent that stopped to that of
 * the agent that took over, made at the former's last message, its note saying why (`limit,
 * resets 10:57`, `manual`). So the lineage of codex's conversation reads `handoff from #3
 * (limit, resets 10:57)`, and a chain claude → codex → gemini is a chain of edges.
 *
 * A record of the work, not part of it: a store error is reported and swallowed, so the graph
 * may miss a handoff but a handoff never fails for the graph. Which conversation is whose is
 * kept in memory, not in a column: relay sessions live as long as their daemon (a new daemon
 * ends those its predecessor left open), and so does the link.
 */
import { basename } from 'node:path';
import type { AgentInfo } from '../../protocol/agentProtocol.js';
import type { SnapshotInfo } from '../../protocol/relayProtocol.js';
import type { Clock } from '../../platform/clock.js';
import { formatClockTime } from '../../platform/duration.js';
import { redactText } from '../../platform/redact.js';
import type { ConversationRepo, MessageRole } from '../../store/conversationRepo.js';
import type { AfterHandoff } from './handoff.js';
import { quotaReason, type HandoffRequest } from './relaySessionMachine.js';

/** The part of the conversation store the record writes to. */
export type WrapConversationStore = Pick<ConversationRepo, 'create' | 'append' | 'addEdge'>;

/** The conversations' origin: `ConversationRepo.latest` leaves them out, so the one-liner never continues one. */
export const WRAP_ORIGIN = 'wrap';

export interface HandoffLineageDeps {
  conversations: WrapConversationStore;
  clock: Pick<Clock, 'now'>;
  /** Runs one step's writes as one transaction: a step that fails leaves none of them behind. */
  atomically: <T>(work: () => T) => T;
  /** A step that did not reach the graph. Called instead of throwing at the session or the handoff. */
  failed: (relaySession: string, error: unknown) => void;
}

/** One agent run's conversation, as far as this record wrote it. */
interface AgentConversation {
  id: string;
  /** Its last message, where an edge to the next agent's conversation is made. */
  head?: string;
  /** Its messages' texts so far, trimmed: a transcript turn that repeats one is not stored twice. */
  texts: string[];
}

/** `claude in api`: who worked, and where (the project directory's name). */
export function wrapConversationName(agentName: string, cwd: string): string {
  return `${agentName} in ${basename(cwd) || cwd}`;
}

/**
 * Why the session handed on, for the edge's note: `manual`; `limit, resets 10:57` (the reset
 * time the CLI gave, in local time); `limit` without one; `limit warning` for an agent that was
 * retrying; `limit, resumed 11:00` for a stranded session that waited for a reset.
 */
export function handoffNote(req: HandoffRequest, snapshot: SnapshotInfo, now: number): string {
  const t = req.trigger;
  if (t.kind === 'manual') return 'manual';
  if (t.kind === 'quota_low') return quotaReason(t.quota, now, formatClockTime);
  if (t.kind === 'resume') return `${snapshot.reason === 'manual' ? 'manual' : 'limit'}, resumed ${formatClockTime(now, now)}`;
  if (t.limit.severity === 'warning') return 'limit warning';
  return t.limit.resetAt !== undefined && t.limit.resetAt > t.limit.at ? `limit, resets ${formatClockTime(t.limit.resetAt, now)}` : 'limit';
}

/** How many of `next`'s first texts repeat the last of `texts` (a transcript starts with the prompt already stored). */
function overlap(texts: readonly string[], next: readonly string[]): number {
  for (let n = Math.min(texts.length, next.length); n > 0; n--) {
    const tail = texts.slice(-n);
    if (tail.every((t, i) => t === next[i])) return n;
  }
  return 0;
}

export class HandoffLineage {
  /** Agent id → its run's conversation, for agents still working in a relay session. */
  private readonly byAgent = new Map<string, AgentConversation>();

  constructor(private readonly deps: HandoffLineageDeps) {}

  /** The first agent of relay session `relaySession` runs: its conversation begins (empty: nothing is said yet). */
  started(relaySession: string, agent: AgentInfo, cwd: string): void {
    this.guarded(relaySession, () => {
      const made = this.deps.atomically(() => this.open(agent.name, cwd, this.deps.clock.now()));
      this.byAgent.set(agent.id, made);
    });
  }

  /**
   * The {@link AfterHandoff} step: the stopped agent's turns go into its conversation, the next
   * agent's conversation begins with the prompt it was started with, and the edge joins them.
   */
  readonly afterHandoff: AfterHandoff = (outcome, req) => {
    this.guarded(req.relaySession, () => {
      const now = this.deps.clock.now();
      const next = this.deps.atomically(() => {
        // Its start may not have been recorded (a store error then): it begins here instead.
        const known = this.byAgent.get(req.fromAgent);
        const from: AgentConversation = known ? { ...known, texts: [...known.texts] } : this.open(req.fromName, req.cwd, now);
        const fresh = outcome.turns.slice(overlap(from.texts, outcome.turns.map((t) => t.text.trim())));
        for (const turn of fresh) this.say(from, turn.role, turn.text, req.fromName, turn.at ?? now);
        // No transcript and nothing said yet: the task is what Relay knows the agent was asked.
        if (from.texts.length === 0 && req.task !== null) this.say(from, 'user', req.task, req.fromName, now);
        const to = this.open(outcome.agent.name, req.cwd, now);
        this.say(to, 'user', outcome.markdown, outcome.agent.name, now);
        this.deps.conversations.addEdge(to.id, from.id, 'handoff', from.head, now, handoffNote(req, outcome.snapshot, now));
        return to;
      });
      // Only once all of it is stored: the agent that stopped is done with this session.
      this.byAgent.delete(req.fromAgent);
      this.byAgent.set(outcome.agent.id, next);
    });
  };

  /** The conversation id of an agent's run, while it works in a relay session. */
  conversationOf(agentId: string): string | undefined {
    return this.byAgent.get(agentId)?.id;
  }

  private open(agentName: string, cwd: string, now: number): AgentConversation {
    return { id: this.deps.conversations.create(WRAP_ORIGIN, now, wrapConversationName(agentName, cwd)).id, texts: [] };
  }

  /** Append one message (redacted: a transcript may hold a pasted key) and move the head to it. */
  private say(c: AgentConversation, role: Extract<MessageRole, 'user' | 'assistant'>, text: string, agentName: string, at: number): void {
    const m = this.deps.conversations.append({
      sessionId: c.id,
      role,
      content: redactText(text),
      ...(role === 'assistant' ? { provider: agentName } : {}),
      status: 'complete',
      at,
    });
    c.head = m.id;
    c.texts.push(text.trim());
  }

  private guarded(relaySession: string, step: () => void): void {
    try {
      step();
    } catch (e) {
      try {
        this.deps.failed(relaySession, e);
      } catch {
        // Reporting is best effort too: nothing of this may reach the handoff.
      }
    }
  }
}
