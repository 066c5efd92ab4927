/**
 * The `hooks` actor: receives the events agent CLIs send through `relay hook` (live on the hook
 * socket, or from the spool written while the daemon was down), logs each one, and turns those
 * that report a limit into the normalized `rate_limited` record for relay sessions.
 *
 *   binding → draining → listening ⇄ draining   (a failure ends the actor; its supervisor restarts it)
 *
 * Order: spooled events are older than live ones, so a live event waits until the spool is
 * drained; a hook that gave up waiting spooled its event, and the spool watcher drains it next.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fromCallback, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import type { RateLimited } from '../../protocol/rateLimited.js';
import type { RelayPaths } from '../../platform/paths.js';
import { redactText } from '../../platform/redact.js';
import type { EventRecord, NewEvent } from '../../protocol/eventRecord.js';
import { drainSpool } from '../../hooks/spool.js';
import { endsTurn, HOOKED_KINDS } from '../../adapters/registry.js';
import { HOOK_EVENT_BOUNDS, HOOK_EVENT_VERSION, type HookEvent } from '../../hooks/hookEvent.js';
import { DeliveredHookIds } from './deliveredHookIds.js';
import { HookSocketServer } from './hookSocketServer.js';
import { RolloutWatchers } from './rolloutWatcher.js';

export interface HookListenerDeps {
  paths: RelayPaths;
  record: (e: NewEvent) => EventRecord;
  /** Resolves once the event with this seq is committed: a hook is answered only then. */
  durable: (seq: number) => Promise<void>;
  reportLimit: (e: RateLimited) => void;
  /**
   * An agent finished its turn (its CLI's turn-end hook): an agent id for a CLI Relay runs, the
   * CLI's name otherwise. Absent: turn ends are only logged.
   */
  turnEnded?: (agent: string, at: number) => void;
  /** Whether the store holds an event with this hook event id (EventsRepo.hasHookId). */
  isLogged: (hookId: string) => boolean;
  /**
   * A line for the daemon log: something under RELAY_HOME the actor refused (a spool file that
   * is a symlink, a FIFO, a directory) and what it did with it.
   */
  warn: (text: string) => void;
  /** Codex rollouts read as they grow (rolloutWatcher.ts); the listener makes its own when absent. */
  rollouts?: RolloutWatchers;
}

const B = HOOK_EVENT_BOUNDS;

const hookEventSchema = z.object({
  v: z.literal(HOOK_EVENT_VERSION),
  id: z.string().min(1).max(B.id).optional(),
  agent: z.enum(HOOKED_KINDS as [string, ...string[]]),
  event: z.string().min(1).max(B.eventName),
  agentSession: z.string().max(B.id).optional(),
  cwd: z.string().max(B.cwd).optional(),
  transcriptPath: z.string().max(B.cwd).optional(),
  relayAgent: z.string().max(B.id).optional(),
  relaySession: z.string().max(B.id).optional(),
  limit: z
    .object({
      severity: z.enum(['limit', 'warning']),
      rule: z.string().min(1).max(B.rule),
      matched: z.string().max(B.matched),
      resetAt: z.number().finite().optional(),
    })
    .optional(),
  at: z.number().finite(),
});

/**
 * Handle one event: log it, and report its limit; an event whose id was logged before is
 * neither logged nor reported again (it is answered all the same: it is delivered). Throws on a
 * record that is not a hook event.
 */
export async function handleHookEvent(deps: HookListenerDeps, delivered: DeliveredHookIds, raw: unknown): Promise<void> {
  const parsed = hookEventSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`not a hook event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const e = parsed.data as HookEvent;
  // No await from this check to the record: two copies arriving at once cannot both pass.
  if (e.id !== undefined) {
    if (delivered.has(e.id)) return;
    delivered.add(e.id);
  }
  const record = deps.record({
    type: e.event === 'relay.test' ? 'hook.test' : 'hook.received',
    actor: 'hooks',
    payload: {
      ...(e.id !== undefined ? { hookId: e.id } : {}),
      agent: e.agent,
      event: e.event,
      agentSession: e.agentSession ?? null,
      relayAgent: e.relayAgent ?? null,
      relaySession: e.relaySession ?? null,
      limit: e.limit?.rule ?? null,
    },
  });
  const raisedByWatcher = deps.rollouts?.observe(e) ?? false;
  if (e.limit && !raisedByWatcher) {
    deps.reportLimit({
      source: `hook:${e.agent}`,
      // A CLI Relay runs names its agent id; any other is known only by the CLI's name.
      agent: e.relayAgent ?? e.agent,
      ...(e.relaySession ? { relaySession: e.relaySession } : {}),
      ...(e.agentSession ? { agentSession: e.agentSession } : {}),
      severity: e.limit.severity,
      rule: e.limit.rule,
      matched: redactText(e.limit.matched).slice(0, 300),
      ...(e.limit.resetAt !== undefined ? { resetAt: e.limit.resetAt } : {}),
      at: e.at,
    });
  }
  // After the limit: a turn that ended in a limit hands off as a limit, not as the plan's turn end.
  if (!e.limit && endsTurn(e.agent, e.event)) deps.turnEnded?.(e.relayAgent ?? e.agent, e.at);
  await deps.durable(record.seq);
}

/** The listener's machine; its work is in the invoked actors built from `deps`. */
export function createHookListenerMachine(listenerDeps: HookListenerDeps) {
  const deps: HookListenerDeps = { ...listenerDeps, rollouts: listenerDeps.rollouts ?? new RolloutWatchers({ reportLimit: listenerDeps.reportLimit, env: process.env, warn: listenerDeps.warn }) };
  let markReady: () => void = () => undefined;
  // Live events wait for the first drain: spooled events are older and go first.
  const ready = new Promise<void>((r) => (markReady = r));
  // Shared by every run of the actor (the supervisor restarts it with this same logic).
  const delivered = new DeliveredHookIds(deps.isLogged);
  const drain = (): Promise<void> =>
    drainSpool(
      deps.paths,
      async (e: unknown) => {
        try {
          await handleHookEvent(deps, delivered, e);
        } catch {
          // Not a hook event: never valid, dropped. Or its write failed (a full disk): the row
          // stays queued in the event log, which retries it; the drain goes on.
        }
      },
      { refused: deps.warn },
    );

  return setup({
    actors: {
      // Runs for the machine's whole life: the socket closes when the actor stops.
      serve: fromCallback(({ sendBack }) => {
        const server = new HookSocketServer(deps.paths.hookSocket, async (line) => {
          await ready;
          await handleHookEvent(deps, delivered, JSON.parse(line));
        }, { refused: deps.warn });
        server.listen().then(
          () => sendBack({ type: 'bound' }),
          (e: unknown) => sendBack({ type: 'fail', reason: (e as Error).message }),
        );
        return () => {
          deps.rollouts?.stopAll();
          void server.close().catch(() => undefined);
        };
      }),
      drain: fromPromise(async () => {
        await drain();
        markReady();
      }),
      watchSpool: fromCallback(({ sendBack }) => {
        // A hook that could not reach the socket (it timed out while the daemon was busy)
        // appends to the spool: its arrival is the signal to drain again.
        let watcher: FSWatcher | undefined;
        try {
          watcher = watch(dirname(deps.paths.spoolFile), (_kind, file) => {
            if (file === basename(deps.paths.spoolFile)) sendBack({ type: 'spool.changed' });
          });
        } catch {
          // No inotify: spooled events wait for the next start.
        }
        // Written while the last drain ran, before this watch began.
        if (existsSync(deps.paths.spoolFile)) sendBack({ type: 'spool.changed' });
        return () => watcher?.close();
      }),
    },
  }).createMachine({
    id: 'hooks',
    invoke: { src: 'serve' },
    initial: 'binding',
    on: { fail: '.failed' },
    states: {
      binding: { on: { bound: 'draining' } },
      draining: { invoke: { src: 'drain', onDone: 'listening', onError: 'failed' } },
      listening: {
        invoke: { src: 'watchSpool' },
        on: { 'spool.changed': 'draining' },
      },
      // Final: the actor ends, and its supervisor starts a new one (after a backoff).
      failed: { type: 'final' },
    },
  });
}
