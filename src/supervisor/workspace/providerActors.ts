/**
 * The `provider:<name>` actors: one health machine per provider a task has met, each a child of
 * the daemon's `providers` supervisor (so a failing one is restarted, fresh, without touching
 * the others). Calls report their ends here; the router asks here before it picks.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Clock } from '../../platform/clock.js';
import type { RelayConfig } from '../../config/relayConfig.js';
import type { ProviderHealth } from '../../protocol/providerProtocol.js';
import { providerHealth, providerMachine, type ProviderEvent, type ProviderMachineInput } from '../../actors/provider/providerMachine.js';
import { actorChild } from '../actorChild.js';
import type { Supervisor } from '../supervisor.js';

/** Cooldown after a 429 that did not say when to retry. */
const DEFAULT_COOLDOWN_MS = 60_000;
const READY: ProviderHealth = { state: 'ready' };

export interface ProviderActorsOptions {
  supervisor: () => Supervisor | undefined;
  clock: Clock;
  inspect?: (e: InspectionEvent) => void;
}

export class ProviderActors {
  private readonly actors = new Map<string, AnyActorRef>();
  private readonly starting = new Map<string, Promise<void>>();
  private readonly unsupervised: Array<() => Promise<unknown>> = [];

  constructor(private readonly opts: ProviderActorsOptions) {}

  /** Make sure each named provider has its actor (started once; restarts replace it). */
  async ensure(names: readonly string[], routing: RelayConfig['routing']): Promise<void> {
    await Promise.all(names.map((name) => this.ensureOne(name, routing)));
  }

  health(name: string): ProviderHealth {
    const actor = this.actors.get(name);
    return actor ? providerHealth(actor.getSnapshot() as Parameters<typeof providerHealth>[0]) : READY;
  }

  report(name: string, event: ProviderEvent): void {
    this.actors.get(name)?.send(event);
  }

  /** Stops the actors no supervisor owns (the supervised ones stop with their supervisor). */
  async close(): Promise<void> {
    await Promise.all(this.unsupervised.splice(0).map((stop) => stop()));
  }

  private ensureOne(name: string, routing: RelayConfig['routing']): Promise<void> {
    if (this.actors.has(name)) return Promise.resolve();
    let started = this.starting.get(name);
    if (!started) {
      const input: ProviderMachineInput = {
        name,
        maxCooldownMs: routing.maxCooldownMs,
        defaultCooldownMs: Math.min(DEFAULT_COOLDOWN_MS, routing.maxCooldownMs),
        breakerFailures: routing.breakerFailures,
        breakerOpenMs: routing.breakerOpenMs,
      };
      const spec = actorChild({
        id: `provider:${name}`,
        restart: 'permanent',
        shutdownMs: 1_000,
        logic: providerMachine,
        input,
        clock: this.opts.clock,
        systemId: `provider:${name}`,
        ...(this.opts.inspect ? { inspect: this.opts.inspect } : {}),
        onActor: (actor) => this.actors.set(name, actor),
      });
      const supervisor = this.opts.supervisor();
      // Without a providers supervisor (a test's own service tree) the actor still runs, unsupervised.
      started = (
        supervisor
          ? supervisor.startChild(spec)
          : spec.start().then((handle) => void this.unsupervised.push(() => handle.stop(spec.shutdownMs)))
      ).finally(() => this.starting.delete(name));
      this.starting.set(name, started);
    }
    return started;
  }
}
