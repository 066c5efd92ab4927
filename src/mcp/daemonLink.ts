/**
 * The MCP server's line to the daemon: one BusClient, opened on the first tool call that needs
 * the daemon (so `initialize` is answered at once, and `latest_snapshot` works without one),
 * after making sure a daemon runs. Each later call checks again, so a daemon that was stopped
 * or restarted while the server runs is started and found again.
 */
import type { BusClient } from '../bus/busClient.js';
import type { RequestPayload, RequestResult, RequestType } from '../protocol/requests.js';
import { RelayError } from '../platform/errors.js';
import type { RelayPaths } from '../platform/paths.js';

/** A lazily opened, reusable connection to the daemon for the tools of one MCP server. */
export class DaemonLink {
  private client: BusClient | undefined;
  private closed = false;

  constructor(private readonly paths: RelayPaths) {}

  /** Send a request to the daemon (starting one if none runs) and wait for its result. */
  async request<T extends RequestType>(type: T, payload: RequestPayload<T>, timeoutMs?: number): Promise<RequestResult<T>> {
    this.assertOpen();
    // Loaded on first use: zeromq and the launcher are a third of the server's start-up, and
    // MCP clients wait for `initialize` before the agent's session can begin.
    const [{ ensureDaemon }, { BusClient }] = await Promise.all([
      import('../client/daemonLauncher.js'),
      import('../bus/busClient.js'),
    ]);
    // Cheap when one runs (a pid file read and a /proc check); starts one when none does.
    await ensureDaemon(this.paths);
    // Checked again: close() may have run during the awaits, and a socket opened after it would be leaked.
    this.assertOpen();
    // The DEALER socket reconnects by itself to a daemon restarted on the same socket path.
    this.client ??= new BusClient(this.paths, `mcp:${process.pid}`);
    return this.client.request(type, payload, timeoutMs);
  }

  private assertOpen(): void {
    if (this.closed) throw new RelayError('E_INTERNAL', 'the MCP server is shutting down');
  }

  /** Close the socket; requests in flight are rejected. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}
