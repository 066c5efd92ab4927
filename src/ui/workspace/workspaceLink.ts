/**
 * The workspace's one connection to the daemon: a bus client for requests and one subscription
 * to every task topic (`task…`: each task's messages and the `tasks` announcements) and to the
 * event log (`ev:`: agents, handoffs, budget). A daemon that stops answering is reported as
 * lost, and the link comes back by itself — starting the daemon again, as any relay command
 * would — so the screen says "reconnecting" instead of crashing.
 */
import { BusClient } from '../../bus/busClient.js';
import { EventSubscriber } from '../../bus/eventSubscriber.js';
import { launchDaemon, runningDaemonPid } from '../../client/daemonLauncher.js';
import { RelayError } from '../../platform/errors.js';
import type { RelayPaths } from '../../platform/paths.js';
import type { EventRecord } from '../../protocol/eventRecord.js';
import type { RequestPayload, RequestResult, RequestType } from '../../protocol/requests.js';

export type LinkState = 'connecting' | 'up' | 'lost';

/** How often the link checks the daemon still answers, and how long it waits for it. */
const PING_EVERY_MS = 2_000;
const PING_TIMEOUT_MS = 3_000;
const RETRY_EVERY_MS = 1_000;

export interface LinkHandlers {
  /** A message on `task:<id>` or `tasks`, raw (the controller checks its shape). */
  task(topic: string, value: unknown): void;
  event(event: EventRecord): void;
  /** The link came up (first time or again: reload what is shown) or went down, and why. */
  state(state: LinkState, why?: string): void;
}

/** What the controller needs from the daemon: requests, and to hear the link's state. */
export interface DaemonLink {
  readonly state: LinkState;
  request<T extends RequestType>(type: T, payload: RequestPayload<T>, timeoutMs?: number): Promise<RequestResult<T>>;
  close(): Promise<void>;
}

export class WorkspaceLink implements DaemonLink {
  private client: BusClient | undefined;
  private sub: EventSubscriber | undefined;
  private current: LinkState = 'connecting';
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private closed = false;
  /** Why the link is down, as last told. */
  private why: string | undefined;

  constructor(
    private readonly paths: RelayPaths,
    private readonly handlers: LinkHandlers,
  ) {}

  get state(): LinkState {
    return this.current;
  }

  /** Connect (starting the daemon if none runs); on failure keep trying in the background. */
  async open(): Promise<void> {
    await this.connect().catch((e: unknown) => this.lose(e));
  }

  request<T extends RequestType>(type: T, payload: RequestPayload<T>, timeoutMs?: number): Promise<RequestResult<T>> {
    if (!this.client || this.current !== 'up') {
      return Promise.reject(new RelayError('E_DAEMON_UNAVAILABLE', 'the daemon is not connected (reconnecting)'));
    }
    return this.client.request(type, payload, timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.drop();
  }

  private async connect(): Promise<void> {
    if (runningDaemonPid(this.paths) === null) await launchDaemon(this.paths);
    const client = new BusClient(this.paths, `tui:${process.pid}`);
    const sub = new EventSubscriber(this.paths, ['task', 'ev:'], (topic, value) => {
      if (topic.startsWith('ev:')) this.handlers.event(value as EventRecord);
      else this.handlers.task(topic, value);
    });
    this.client = client;
    this.sub = sub;
    try {
      await sub.live(client);
      const { startedAt } = await client.request('daemon.ping', {}, PING_TIMEOUT_MS);
      this.startedAt = startedAt;
    } catch (e) {
      await this.drop();
      throw e;
    }
    if (this.closed) return void (await this.drop());
    this.setState('up');
    this.schedule(PING_EVERY_MS, () => this.check());
  }

  /** Still the same daemon, answering? A restarted one is a reconnect (what it had in flight is gone). */
  private async check(): Promise<void> {
    try {
      const { startedAt } = await this.client!.request('daemon.ping', {}, PING_TIMEOUT_MS);
      if (startedAt !== this.startedAt) throw new Error('the daemon restarted');
      this.schedule(PING_EVERY_MS, () => this.check());
    } catch (e) {
      await this.lose(e);
    }
  }

  private async lose(e?: unknown): Promise<void> {
    if (this.closed) return;
    await this.drop();
    this.setState('lost', e instanceof Error ? e.message : undefined);
    this.schedule(RETRY_EVERY_MS, () => this.connect().catch((err: unknown) => this.lose(err)));
  }

  private schedule(ms: number, work: () => Promise<void>): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void work(), ms);
    this.timer.unref();
  }

  private async drop(): Promise<void> {
    const client = this.client;
    const sub = this.sub;
    this.client = undefined;
    this.sub = undefined;
    await Promise.allSettled([sub?.close(), client?.close()]);
  }

  /** Each change is told once; a retry that fails the same way again is not news. */
  private setState(state: LinkState, why?: string): void {
    if (state === this.current && state !== 'up' && why === this.why) return;
    this.current = state;
    this.why = why;
    this.handlers.state(state, why);
  }
}
