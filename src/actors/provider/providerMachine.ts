/**
 * The `provider:<name>` actor: the health of one provider, from what its calls ended with.
 *
 *   ready ──429/quota──► cooling ──retry-after (capped)──► ready
 *     │  ──N× 5xx/overload──► open ──breakerOpenMs──► ready (the next failure opens it again)
 *     └──401/403──► disabled (until the provider is detected with another key)
 *
 * The machine only keeps health; calls themselves run in worker threads and report here. The
 * router reads {@link providerHealth} of the snapshot. Timers run on the actor's clock, so tests
 * move a cooldown forward with a ManualClock instead of waiting.
 */
import { assign, setup } from 'xstate';
import type { CallFailure, ProviderHealth } from '../../protocol/providerProtocol.js';

export type { ProviderHealth } from '../../protocol/providerProtocol.js';

export interface ProviderMachineInput {
  name: string;
  /** A retry-after is honoured up to this: a multi-hour one must not keep the fallback away. */
  maxCooldownMs: number;
  /** Cooldown when a 429 gives no retry-after. */
  defaultCooldownMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
}

interface ProviderContext extends ProviderMachineInput {
  /** Consecutive server failures (5xx, overloaded, timeouts) since the last success. */
  serverFailures: number;
  /** When cooling or open ends, ms since the epoch. */
  until?: number;
  /** Why it is not ready, one line (never a key). */
  why?: string;
  /** Length of the current cooldown or open period, for the delayed transition. */
  waitMs: number;
}

export type ProviderEvent =
  | { type: 'call.succeeded' }
  | { type: 'call.failed'; failure: CallFailure; at: number }
  /** Detected again with a different key or base URL: a disabled provider gets another chance. */
  | { type: 'provider.reset' };

/** Failures that say the service, not the request, is in trouble: they count towards the breaker. */
const SERVER_KINDS = new Set(['server', 'overloaded', 'first_byte_timeout', 'idle_timeout', 'network']);

export const providerMachine = setup({
  types: {
    context: {} as ProviderContext,
    events: {} as ProviderEvent,
    input: {} as ProviderMachineInput,
  },
  guards: {
    limited: ({ event }) => event.type === 'call.failed' && (event.failure.kind === 'rate_limited' || event.failure.kind === 'quota'),
    authFailed: ({ event }) => event.type === 'call.failed' && event.failure.kind === 'auth',
    breakerTrips: ({ context, event }) =>
      event.type === 'call.failed' && SERVER_KINDS.has(event.failure.kind) && context.serverFailures + 1 >= context.breakerFailures,
    serverFailure: ({ event }) => event.type === 'call.failed' && SERVER_KINDS.has(event.failure.kind),
  },
  delays: {
    wait: ({ context }) => context.waitMs,
  },
  actions: {
    coolDown: assign(({ context, event }) => {
      if (event.type !== 'call.failed') return {};
      const asked = event.failure.resetAt === undefined ? context.defaultCooldownMs : event.failure.resetAt - event.at;
      const waitMs = Math.min(Math.max(asked, 1_000), context.maxCooldownMs);
      return { waitMs, until: event.at + waitMs, why: event.failure.message, serverFailures: 0 };
    }),
    openBreaker: assign(({ context, event }) => {
      const at = event.type === 'call.failed' ? event.at : 0;
      const why = event.type === 'call.failed' ? `${context.serverFailures + 1} failures in a row: ${event.failure.message}` : '';
      return { waitMs: context.breakerOpenMs, until: at + context.breakerOpenMs, why, serverFailures: 0 };
    }),
    countServerFailure: assign(({ context }) => ({ serverFailures: context.serverFailures + 1 })),
    disable: assign(({ event }) => ({
      why: event.type === 'call.failed' ? (event.failure.hint ? `${event.failure.message} — ${event.failure.hint}` : event.failure.message) : 'disabled',
      until: undefined,
    })),
    clear: assign({ serverFailures: 0, until: undefined, why: undefined }),
  },
}).createMachine({
  id: 'provider',
  context: ({ input }) => ({ ...input, serverFailures: 0, waitMs: 0 }),
  initial: 'ready',
  states: {
    ready: {
      on: {
        'call.succeeded': { actions: 'clear' },
        'call.failed': [
          { guard: 'authFailed', target: 'disabled', actions: 'disable' },
          { guard: 'limited', target: 'cooling', actions: 'coolDown' },
          { guard: 'breakerTrips', target: 'open', actions: 'openBreaker' },
          { guard: 'serverFailure', actions: 'countServerFailure' },
        ],
      },
    },
    cooling: {
      after: { wait: { target: 'ready', actions: 'clear' } },
      on: {
        // A call that was already running when the limit came may still report in.
        'call.failed': [
          { guard: 'authFailed', target: 'disabled', actions: 'disable' },
          { guard: 'limited', target: 'cooling', reenter: true, actions: 'coolDown' },
        ],
      },
    },
    open: {
      after: { wait: { target: 'ready', actions: 'clear' } },
      on: { 'call.failed': { guard: 'authFailed', target: 'disabled', actions: 'disable' } },
    },
    disabled: {
      on: { 'provider.reset': { target: 'ready', actions: 'clear' } },
    },
  },
});

/** The health a snapshot of {@link providerMachine} stands for. */
export function providerHealth(snapshot: { value: unknown; context: ProviderContext }): ProviderHealth {
  const state = snapshot.value as ProviderHealth['state'];
  const { until, why } = snapshot.context;
  return { state, ...(state === 'cooling' || state === 'open' ? { until } : {}), ...(why && state !== 'ready' ? { why } : {}) };
}
