/**
 * Bus handlers for the `daemon.*` requests: liveness, status and an orderly stop. The daemon
 * spreads them into its handler table.
 */
import type { RequestHandler } from '../../bus/busServer.js';
import type { ChildStatus, CoreRequests } from '../../protocol/requests.js';
import type { Clock } from '../../platform/clock.js';
import { relayVersion } from '../../platform/packageInfo.js';

type DaemonRequestType = 'daemon.ping' | 'daemon.status' | 'daemon.stop';
export type DaemonHandlers = { [T in DaemonRequestType]: RequestHandler<T> };

export interface DaemonHandlerDeps {
  home: string;
  startedAt: number;
  clock: Pick<Clock, 'now'>;
  /** The newest event seq assigned. */
  lastSeq: () => number;
  /** The root supervisor's children. */
  children: () => ChildStatus[];
  /** Stop the daemon (it replies first, then stops). */
  stop: (reason: string) => void;
}

export function daemonHandlers(d: DaemonHandlerDeps): DaemonHandlers {
  return {
    'daemon.ping': () => ({ pid: process.pid, startedAt: d.startedAt }),
    'daemon.status': () => ({
      pid: process.pid,
      version: relayVersion(),
      home: d.home,
      startedAt: d.startedAt,
      uptimeMs: d.clock.now() - d.startedAt,
      rssBytes: process.memoryUsage.rss(),
      lastSeq: d.lastSeq(),
      children: d.children(),
    }),
    'daemon.stop': () => {
      // Reply first: the stop closes the socket this reply travels on.
      setImmediate(() => d.stop('requested by client'));
      return { pid: process.pid };
    },
  } satisfies Pick<{ [T in keyof CoreRequests]: RequestHandler<T> }, DaemonRequestType>;
}
