/**
 * One relay session as an xstate machine (systemId `relay:<id>`): a task, a fallback order of
 * agent names, and the agent working on it now.
 *
 * ```
 * running ──limit.reported (guarded) / relay.handoff / active exited rate_limited──► handingOff
 * handingOff ──next agent started──► running      ──nobody available──► stranded
 * stranded ──after (resumeAt − now) on the actor's clock──► handingOff (resume)
 * running ──active agent exited (done, user_quit, error, crashed)──► ended
 *
 * running.working ──quota.low (guarded, a successor picked)──► running.successorChosen
 * running.successorChosen ──turn.ended of the active agent──► handingOff (trigger quota_low)
 * running.successorChosen ──the quota's window reset──► running.working
 * ```
 *
 * A predictive `quota_low` hands off at the end of the current turn, not at once: the agent
 * finishes what it is doing and the successor starts from a snapshot of a finished turn. A real
 * limit before the turn ends still hands off at once, to the successor chosen, and only once.
 *
 * The machine decides; the work of a handoff (ledger, snapshot, park, pick, launch) is the
 * injected {@link RelaySessionMachineDeps.performHandoff}, so the decisions are tested with fakes
 * and the work with real files. Events that arrive while a handoff runs are dropped by
 * construction: `handingOff` has no transition for them, which is what turns a storm of limit
 * events into exactly one handoff.
 */
import { and, assign, fromPromise, setup } from 'xstate';
import type { Turn } from '../../adapters/agentDescriptor.js';
import type { AgentInfo } from '../../protocol/agentProtocol.js';
import type { QuotaLow } from '../../protocol/proxyProtocol.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import type { Clock } from '../../platform/clock.js';
import { formatClockTime } from '../../platform/duration.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import type { SnapshotInfo, SuccessorGap } from '../../protocol/relayProtocol.js';

/** What set a handoff going. */
export type HandoffTrigger =
  | { kind: 'limit'; limit: RateLimited }
  | { kind: 'manual'; to?: string }
  /** A stranded session's wait is over: start the next agent with the snapshot already written. */
  | { kind: 'resume' }
  /** The active agent's quota ran low and its turn ended: hand on before the limit hits. */
  | { kind: 'quota_low'; quota: QuotaLow };

/** The successor a `quota_low` chose, kept until the turn ends (or the window resets). */
export interface PlannedSuccessor {
  name: string;
  quota: QuotaLow;
  /** `quota_low requests 8% left, resets 10:57`: the log's and the snapshot's reason. */
  reason: string;
  /** Who else was considered and why not. */
  gaps: SuccessorGap[];
  chosenAt: number;
}

/** What {@link RelaySessionMachineDeps.chooseSuccessor} answers: a name, or why there is none. */
export type SuccessorChoice = { name: string; gaps: SuccessorGap[] } | { name: null; gaps: SuccessorGap[] };

/** The snapshot a stranded session carries until an agent can take it. */
export interface PendingSnapshot {
  row: SnapshotInfo;
  markdown: string;
  /** The last turns of the agent that stopped, as the snapshot has them ([] when only its screen was known). */
  turns: readonly Turn[];
}

/** Everything {@link RelaySessionMachineDeps.performHandoff} needs to know. */
export interface HandoffRequest {
  relaySession: string;
  order: readonly string[];
  /** The agent handing off (id and name). */
  fromAgent: string;
  fromName: string;
  cwd: string;
  task: string | null;
  trigger: HandoffTrigger;
  /** The snapshot already written, when the session was stranded: it goes on as it is. */
  pending: PendingSnapshot | null;
  /** Chosen by a `quota_low` ahead of the handoff: tried first when it is still available. */
  preferred?: string;
}

/** How a handoff ended. */
export type HandoffOutcome =
  | { kind: 'handedOff'; agent: AgentInfo; snapshot: SnapshotInfo; markdown: string; turns: readonly Turn[] }
  /** Nobody is available: wait until `resumeAt` (null: no known reset, wait for a manual handoff). */
  | { kind: 'stranded'; resumeAt: number | null; snapshot: SnapshotInfo; markdown: string; turns: readonly Turn[]; unavailable: SuccessorGap[] };

/** The last handoff attempt, for a caller waiting on a manual handoff. */
export type HandoffAttempt =
  | { attempt: number; ok: true; from: string; outcome: HandoffOutcome }
  | { attempt: number; ok: false; from: string; error: unknown };

export interface RelaySessionContext {
  id: string;
  /** Agent names, fallback order. */
  order: string[];
  /** Agent id now working (or, while stranded, the one that stopped). */
  activeAgent: string;
  activeName: string;
  cwd: string;
  task: string | null;
  /** When a handoff away from each agent name last started (ms): the debounce. */
  lastHandoffAt: Record<string, number>;
  /** While stranded: when to try again. */
  resumeAt: number | null;
  /** Why the handoff in progress started. */
  trigger: HandoffTrigger | null;
  pending: PendingSnapshot | null;
  /** Counts handoffs started; {@link HandoffAttempt.attempt} refers to it. */
  attempts: number;
  lastAttempt: HandoffAttempt | null;
  /** Why the session ended. */
  endReason: string | null;
  /** Chosen by a `quota_low`, waiting for the active agent's turn to end. */
  planned: PlannedSuccessor | null;
}

export interface RelaySessionInput {
  id: string;
  order: string[];
  first: { id: string; name: string };
  cwd: string;
  task: string | null;
}

export type RelaySessionEvent =
  /** A limit of one of the session's agents (the normalized `rate_limited` record). */
  | { type: 'limit.reported'; limit: RateLimited }
  /** Manual handoff (`relay handoff [--to name]`). */
  | { type: 'relay.handoff'; to?: string }
  | { type: 'agent.exited'; agent: AgentInfo }
  /** The task learned after the start (the first line typed); kept only when none is known. */
  | { type: 'task.recorded'; task: string; source: 'typed' }
  /** The proxy saw the account's remaining requests or tokens fall under the threshold. */
  | { type: 'quota.low'; quota: QuotaLow }
  /** An agent finished its turn (`agent`: an agent id, or a CLI name for a hook of a CLI Relay did not start). */
  | { type: 'turn.ended'; agent: string; at: number };

export interface RelaySessionMachineDeps {
  /** The same clock given to createActor: the stranded wait is computed from it. */
  clock: Pick<Clock, 'now'>;
  /** Repeated limits of one agent name within this window start one handoff. */
  debounceMs: number;
  /** Hand off on `warning` severity too (an agent retrying 429s), not only on `limit`. */
  actOnWarnings: boolean;
  /** A failed resume is retried after this long. */
  retryMs: number;
  performHandoff: (req: HandoffRequest) => Promise<HandoffOutcome>;
  /** Who would take over now (the candidate logic of a handoff, without doing one). */
  chooseSuccessor: (req: HandoffRequest) => SuccessorChoice;
  record: (e: NewEvent) => void;
}

/**
 * Node runs a timer of more than 2^31−1 ms after 1 ms instead, so a wait for a limit that lifts
 * in a month is cut into steps of this size.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The exit reasons that end a session rather than move it on. */
const ENDING_EXITS = new Set(['done', 'user_quit', 'error', 'crashed']);

/** The session's systemId in the actor system. */
export function relaySystemId(id: string): string {
  return `relay:${id}`;
}

/** True when the order names an agent other than the active one. */
export function hasNextAgent(order: readonly string[], activeName: string): boolean {
  return order.some((n) => n !== activeName);
}

/**
 * Candidates for the next agent: the names after `current` in the order, wrapping around, then
 * `current` itself last when `includeCurrent` (a resume may go back to the same CLI once its
 * limit lifts). A `current` not in the order rotates from the start.
 */
export function rotation(order: readonly string[], current: string, includeCurrent: boolean): string[] {
  const unique = [...new Set(order)];
  const at = unique.indexOf(current);
  const after = at < 0 ? unique : [...unique.slice(at + 1), ...unique.slice(0, at)];
  return includeCurrent ? [...after.filter((n) => n !== current), current] : after.filter((n) => n !== current);
}

/** Why a session ended: its active agent's exit reason. */
function exitReasonOf(event: RelaySessionEvent): string {
  return event.type === 'agent.exited' ? (event.agent.exit?.reason ?? 'crashed') : 'ended';
}

function triggerLabel(t: HandoffTrigger | null): string {
  if (!t) return 'unknown';
  return t.kind === 'limit' ? t.limit.severity : t.kind;
}

/** `agent` is the active agent: its id, or its CLI's name (the proxy and outside hooks know only the account). */
function namesActive(ctx: RelaySessionContext, agent: string): boolean {
  return agent === ctx.activeAgent || agent === ctx.activeName;
}

/** `quota_low requests 8% left, resets 10:57`. */
export function quotaReason(q: QuotaLow, now: number, clockTime: (at: number, now: number) => string): string {
  const pct = Math.max(0, Math.round(q.share * 100));
  return `quota_low ${q.window} ${pct}% left${q.resetAt !== undefined ? `, resets ${clockTime(q.resetAt, now)}` : ''}`;
}

/** The request of a handoff from the session as it stands. */
function requestOf(context: RelaySessionContext): HandoffRequest {
  return {
    relaySession: context.id,
    order: context.order,
    fromAgent: context.activeAgent,
    fromName: context.activeName,
    cwd: context.cwd,
    task: context.task,
    trigger: context.trigger ?? { kind: 'manual' },
    pending: context.pending,
    ...(context.planned ? { preferred: context.planned.name } : {}),
  };
}

/** Build the machine for one session; `deps` are shared by every session of a daemon. */
export function createRelaySessionMachine(deps: RelaySessionMachineDeps, clockTime: (at: number, now: number) => string = formatClockTime) {
  const actorName = (ctx: RelaySessionContext) => relaySystemId(ctx.id);
  /** The successor a `quota.low` would choose, computed once per event (guard and action share it). */
  let lastChoice: { event: unknown; choice: SuccessorChoice } | null = null;
  const choiceFor = (context: RelaySessionContext, event: RelaySessionEvent): SuccessorChoice => {
    if (lastChoice?.event !== event) lastChoice = { event, choice: deps.chooseSuccessor({ ...requestOf(context), trigger: { kind: 'manual' } }) };
    return lastChoice.choice;
  };

  return setup({
    types: {
      context: {} as RelaySessionContext,
      events: {} as RelaySessionEvent,
      input: {} as RelaySessionInput,
    },
    actors: {
      handoff: fromPromise<HandoffOutcome, HandoffRequest>(({ input }) => deps.performHandoff(input)),
    },
    guards: {
      noTask: ({ context }) => context.task === null,
      /** A limit of the active agent, of a severity we act on, not debounced, with somewhere to go. */
      limitActionable: ({ context, event }) => {
        if (event.type !== 'limit.reported') return false;
        const e = event.limit;
        if (e.agent !== context.activeAgent) return false;
        if (e.severity === 'warning' && !deps.actOnWarnings) return false;
        const last = context.lastHandoffAt[context.activeName];
        if (last !== undefined && deps.clock.now() - last < deps.debounceMs) return false;
        return hasNextAgent(context.order, context.activeName);
      },
      /** A low quota of the active agent, not debounced, with another agent in the order, none chosen yet. */
      quotaActionable: ({ context, event }) => {
        if (event.type !== 'quota.low') return false;
        if (!namesActive(context, event.quota.agent) || context.planned !== null) return false;
        const last = context.lastHandoffAt[context.activeName];
        if (last !== undefined && deps.clock.now() - last < deps.debounceMs) return false;
        return hasNextAgent(context.order, context.activeName);
      },
      successorAvailable: ({ context, event }) => choiceFor(context, event).name !== null,
      activeTurnEnded: ({ context, event }) => event.type === 'turn.ended' && namesActive(context, event.agent),
      hasQuotaReset: ({ context }) => context.planned?.quota.resetAt !== undefined,
      manualAllowed: ({ context, event }) => {
        if (event.type !== 'relay.handoff') return false;
        return event.to ? event.to !== context.activeName : hasNextAgent(context.order, context.activeName);
      },
      /** An agent that died of its limit is a limit, even with nobody else in the order. */
      activeExitedLimited: ({ context, event }) =>
        event.type === 'agent.exited' &&
        event.agent.id === context.activeAgent &&
        event.agent.exit?.reason === 'rate_limited',
      activeExitedEnding: ({ context, event }) =>
        event.type === 'agent.exited' &&
        event.agent.id === context.activeAgent &&
        ENDING_EXITS.has(event.agent.exit?.reason ?? 'crashed'),
      resumeDue: ({ context }) => context.resumeAt !== null && deps.clock.now() >= context.resumeAt,
      hasResumeAt: ({ context }) => context.resumeAt !== null,
      handedOff: (_, params: { outcome: HandoffOutcome }) => params.outcome.kind === 'handedOff',
      /** A snapshot is waiting for an agent: the session was stranded when this handoff began. */
      wasStranded: ({ context }) => context.pending !== null,
    },
    delays: {
      /** Until the earliest reset, on the actor's clock; capped so Node's timer stays exact. */
      untilResume: ({ context }) => Math.min(MAX_TIMER_MS, Math.max(0, (context.resumeAt ?? 0) - deps.clock.now())),
      /** Until the low window resets: past it the quota is full again and the plan lapses. */
      untilQuotaReset: ({ context }) => Math.min(MAX_TIMER_MS, Math.max(0, (context.planned?.quota.resetAt ?? 0) - deps.clock.now())),
    },
    actions: {
      takeLimit: assign({
        trigger: ({ event }) => (event.type === 'limit.reported' ? { kind: 'limit' as const, limit: event.limit } : null),
      }),
      takeManual: assign({
        trigger: ({ event }) =>
          event.type === 'relay.handoff' ? { kind: 'manual' as const, ...(event.to ? { to: event.to } : {}) } : null,
      }),
      takeExitAsLimit: assign({
        trigger: ({ context, event }) => {
          if (event.type !== 'agent.exited') return null;
          const limit: RateLimited = {
            source: 'pty',
            agent: context.activeAgent,
            relaySession: context.id,
            severity: 'limit',
            rule: 'exit.rate_limited',
            matched: `${event.agent.name} exited (code ${event.agent.exit?.code ?? 'none'}) after a limit`,
            at: deps.clock.now(),
          };
          return { kind: 'limit' as const, limit };
        },
      }),
      takeResume: assign({ trigger: () => ({ kind: 'resume' as const }) }),
      takeQuota: assign({
        trigger: ({ context }) => (context.planned ? { kind: 'quota_low' as const, quota: context.planned.quota } : null),
      }),
      planSuccessor: assign({
        planned: ({ context, event }) => {
          if (event.type !== 'quota.low') return context.planned;
          const choice = choiceFor(context, event);
          if (choice.name === null) return context.planned;
          const now = deps.clock.now();
          return { name: choice.name, quota: event.quota, reason: quotaReason(event.quota, now, clockTime), gaps: choice.gaps, chosenAt: now };
        },
      }),
      recordPlanned: ({ context }) => {
        const p = context.planned;
        if (!p) return;
        deps.record({
          type: 'handoff.planned',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            from: context.activeAgent,
            fromName: context.activeName,
            to: p.name,
            reason: p.reason,
            window: p.quota.window,
            share: p.quota.share,
            resetAt: p.quota.resetAt ?? null,
            unavailable: p.gaps,
          },
        });
      },
      /** A low quota with nobody to take over: said once, and the hard limit path stays as it is. */
      recordNotPlanned: ({ context, event }) => {
        if (event.type !== 'quota.low') return;
        const now = deps.clock.now();
        deps.record({
          type: 'handoff.not_planned',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            from: context.activeAgent,
            fromName: context.activeName,
            reason: `${quotaReason(event.quota, now, clockTime)}; no other agent can take over`,
            unavailable: choiceFor(context, event).gaps,
          },
        });
      },
      recordPlanLapsed: ({ context }) =>
        deps.record({
          type: 'handoff.plan_lapsed',
          actor: actorName(context),
          payload: { relaySession: context.id, from: context.activeAgent, to: context.planned?.name ?? null, resetAt: context.planned?.quota.resetAt ?? null },
        }),
      dropPlan: assign({ planned: () => null }),
      startAttempt: assign({
        attempts: ({ context }) => context.attempts + 1,
        lastHandoffAt: ({ context }) => ({ ...context.lastHandoffAt, [context.activeName]: deps.clock.now() }),
      }),
      recordStarted: ({ context }) => {
        const t = context.trigger;
        deps.record({
          type: 'handoff.started',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            from: context.activeAgent,
            fromName: context.activeName,
            trigger: triggerLabel(t),
            // The limit that set it going, flat: the event log keeps payloads one level deep.
            ...(t?.kind === 'limit'
              ? {
                  rule: t.limit.rule,
                  source: t.limit.source,
                  severity: t.limit.severity,
                  matched: t.limit.matched,
                  resetAt: t.limit.resetAt ?? null,
                  limitAt: t.limit.at,
                }
              : {}),
            ...(t?.kind === 'manual' && t.to ? { to: t.to } : {}),
            // A limit that beat the turn's end goes to the successor the quota_low chose.
            ...(context.planned ? { to: context.planned.name, [t?.kind === 'quota_low' ? 'reason' : 'planned']: context.planned.reason } : {}),
          },
        });
      },
      recordResumed: ({ context }) =>
        deps.record({
          type: 'handoff.resumed',
          actor: actorName(context),
          payload: { relaySession: context.id, resumeAt: context.resumeAt, snapshot: context.pending?.row.id ?? null },
        }),
      recordCompleted: ({ context }, params: { outcome: HandoffOutcome }) => {
        const out = params.outcome;
        if (out.kind !== 'handedOff') return;
        deps.record({
          type: 'handoff.completed',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            from: context.activeAgent,
            fromName: context.activeName,
            to: out.agent.name,
            toAgent: out.agent.id,
            snapshot: out.snapshot.id,
            path: out.snapshot.path,
            trigger: triggerLabel(context.trigger),
            banner: `relay: ${context.activeName} (${context.activeAgent}) handed off to ${out.agent.name} (${out.agent.id}); snapshot ${out.snapshot.id}`,
          },
        });
      },
      completeHandoff: assign(({ context }, params: { outcome: HandoffOutcome }) => {
        const out = params.outcome;
        if (out.kind !== 'handedOff') return {};
        return {
          activeAgent: out.agent.id,
          activeName: out.agent.name,
          resumeAt: null,
          pending: null,
          trigger: null,
          planned: null,
          lastAttempt: { attempt: context.attempts, ok: true as const, from: context.activeAgent, outcome: out },
        };
      }),
      recordStranded: ({ context }, params: { outcome: HandoffOutcome }) => {
        const out = params.outcome;
        if (out.kind !== 'stranded') return;
        deps.record({
          type: 'handoff.stranded',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            from: context.activeAgent,
            fromName: context.activeName,
            resumeAt: out.resumeAt,
            snapshot: out.snapshot.id,
            unavailable: out.unavailable,
          },
        });
      },
      strand: assign(({ context }, params: { outcome: HandoffOutcome }) => {
        const out = params.outcome;
        if (out.kind !== 'stranded') return {};
        return {
          resumeAt: out.resumeAt,
          pending: { row: out.snapshot, markdown: out.markdown, turns: out.turns },
          trigger: null,
          planned: null,
          lastAttempt: { attempt: context.attempts, ok: true as const, from: context.activeAgent, outcome: out },
        };
      }),
      recordFailed: ({ context }, params: { error: unknown }) => {
        const reason = params.error instanceof Error ? params.error.message : String(params.error);
        deps.record({
          type: 'handoff.failed',
          actor: actorName(context),
          payload: { relaySession: context.id, from: context.activeAgent, trigger: triggerLabel(context.trigger), reason },
        });
      },
      failHandoff: assign(({ context }, params: { error: unknown }) => {
        const retry = context.trigger?.kind === 'resume';
        return {
          trigger: null,
          planned: null,
          // A failed resume (the next CLI would not start) tries again later instead of giving up.
          resumeAt: retry ? deps.clock.now() + deps.retryMs : context.resumeAt,
          lastAttempt: { attempt: context.attempts, ok: false as const, from: context.activeAgent, error: params.error },
        };
      }),
      recordEnded: ({ context, event }) => {
        const exit = event.type === 'agent.exited' ? event.agent.exit : undefined;
        deps.record({
          type: 'relay.ended',
          actor: actorName(context),
          payload: {
            relaySession: context.id,
            agent: context.activeAgent,
            reason: exitReasonOf(event),
            ...(event.type === 'agent.exited' ? { code: exit?.code ?? null, signal: exit?.signal ?? null } : {}),
          },
        });
      },
      end: assign(({ event }) => ({ endReason: exitReasonOf(event), resumeAt: null, planned: null })),
      setTask: assign(({ event }) => (event.type === 'task.recorded' ? { task: event.task } : {})),
      // The text stays in the session row and the snapshots; the event log says only where it came from.
      recordTask: ({ context, event }) => {
        if (event.type !== 'task.recorded') return;
        deps.record({ type: 'relay.task_recorded', actor: actorName(context), payload: { relaySession: context.id, source: event.source } });
      },
    },
  }).createMachine({
    id: 'relaySession',
    context: ({ input }) => ({
      id: input.id,
      order: [...input.order],
      activeAgent: input.first.id,
      activeName: input.first.name,
      cwd: input.cwd,
      task: input.task,
      lastHandoffAt: {},
      resumeAt: null,
      trigger: null,
      pending: null,
      attempts: 0,
      lastAttempt: null,
      endReason: null,
      planned: null,
    }),
    initial: 'running',
    on: {
      'task.recorded': { guard: 'noTask', actions: ['setTask', 'recordTask'] },
    },
    states: {
      running: {
        on: {
          'limit.reported': { guard: 'limitActionable', target: 'handingOff', actions: 'takeLimit' },
          'relay.handoff': { guard: 'manualAllowed', target: 'handingOff', actions: 'takeManual' },
          'agent.exited': [
            { guard: 'activeExitedLimited', target: 'handingOff', actions: 'takeExitAsLimit' },
            { guard: 'activeExitedEnding', target: 'ended', actions: ['recordEnded', 'end'] },
          ],
        },
        initial: 'working',
        states: {
          working: {
            on: {
              'quota.low': [
                { guard: and(['quotaActionable', 'successorAvailable']), target: 'successorChosen', actions: ['planSuccessor', 'recordPlanned'] },
                // Nobody to go to: the quota.low is the proxy's news; the session says why it waits for the limit.
                { guard: 'quotaActionable', actions: 'recordNotPlanned' },
              ],
            },
          },
          /** A successor is chosen; the handoff waits for the active agent's turn to end. */
          successorChosen: {
            on: {
              'turn.ended': { guard: 'activeTurnEnded', target: '#relaySession.handingOff', actions: 'takeQuota' },
            },
            after: {
              untilQuotaReset: { guard: 'hasQuotaReset', target: 'working', actions: ['recordPlanLapsed', 'dropPlan'] },
            },
          },
        },
      },
      handingOff: {
        entry: ['startAttempt', 'recordStarted'],
        invoke: {
          src: 'handoff',
          input: ({ context }): HandoffRequest => requestOf(context),
          onDone: [
            {
              guard: { type: 'handedOff', params: ({ event }) => ({ outcome: event.output }) },
              target: 'running',
              actions: [
                { type: 'recordCompleted', params: ({ event }) => ({ outcome: event.output }) },
                { type: 'completeHandoff', params: ({ event }) => ({ outcome: event.output }) },
              ],
            },
            {
              target: 'stranded',
              actions: [
                { type: 'recordStranded', params: ({ event }) => ({ outcome: event.output }) },
                { type: 'strand', params: ({ event }) => ({ outcome: event.output }) },
              ],
            },
          ],
          onError: [
            {
              guard: 'wasStranded',
              target: 'stranded',
              actions: [
                { type: 'recordFailed', params: ({ event }) => ({ error: event.error }) },
                { type: 'failHandoff', params: ({ event }) => ({ error: event.error }) },
              ],
            },
            {
              target: 'running',
              actions: [
                { type: 'recordFailed', params: ({ event }) => ({ error: event.error }) },
                { type: 'failHandoff', params: ({ event }) => ({ error: event.error }) },
              ],
            },
          ],
        },
      },
      stranded: {
        initial: 'deciding',
        on: {
          // Stranded, even the same CLI may be asked for (its limit lifted early): the work decides.
          'relay.handoff': { target: 'handingOff', actions: 'takeManual' },
        },
        states: {
          deciding: {
            always: [{ guard: 'hasResumeAt', target: 'waiting' }, { target: 'noReset' }],
          },
          waiting: {
            after: {
              untilResume: [
                { guard: 'resumeDue', target: '#relaySession.handingOff', actions: ['recordResumed', 'takeResume'] },
                // A wait longer than one timer can hold: wait again for the rest.
                { target: 'waiting', reenter: true },
              ],
            },
          },
          /** Nothing is limited yet nobody could take over (none installed): only a manual handoff helps. */
          noReset: {},
        },
      },
      ended: { type: 'final' },
    },
  });
}

export type RelaySessionMachine = ReturnType<typeof createRelaySessionMachine>;
