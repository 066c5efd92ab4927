/**
 * `relay mcp`: Relay's tools served over stdio to the MCP client that started this process (an
 * agent CLI). stdout carries the protocol and nothing else; diagnostics go to stderr, and only
 * with RELAY_DEBUG=1. The server runs until its client closes stdin (or sends a signal), then
 * closes its bus socket and returns, so the process exits.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { EXIT } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { DaemonLink } from '../../mcp/daemonLink.js';
import { debugLog } from '../../mcp/debugLog.js';
import { createRelayMcpServer } from '../../mcp/server.js';

/**
 * A stray console.log from any module would corrupt the JSON-RPC stream on stdout and the client
 * would drop the connection; route the console to the debug log instead.
 */
function keepConsoleOffStdout(): void {
  const toDebug = (...args: unknown[]): void => debugLog(args.map(String).join(' '));
  console.log = toDebug;
  console.info = toDebug;
  console.debug = toDebug;
  console.warn = toDebug;
  console.error = toDebug;
}

/** Serve until the client goes away; returns the exit code (0, or 130 after Ctrl+C). */
export async function mcp(): Promise<number> {
  keepConsoleOffStdout();
  const paths = relayPaths();
  const link = new DaemonLink(paths);
  const server = createRelayMcpServer({ paths, link, cwd: process.cwd() });
  const transport = new StdioServerTransport();

  let exitCode: number = EXIT.ok;
  let closing = false;
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  // Runs once: stdin's `end` and `close`, or a signal after them, are the same goodbye.
  const shutdown = (why: string, code: number = EXIT.ok): void => {
    if (closing) return;
    closing = true;
    debugLog(`closing: ${why}`);
    exitCode = code;
    void server.close().catch(() => transport.onclose?.());
  };
  // The SDK's transport listens for data only; the end of stdin is how a client says goodbye.
  process.stdin.once('end', () => shutdown('stdin ended'));
  process.stdin.once('close', () => shutdown('stdin closed'));
  // A client that went away makes the next write fail with EPIPE.
  process.stdout.once('error', (e) => shutdown(`stdout: ${e.message}`));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGHUP', () => shutdown('SIGHUP'));
  process.once('SIGINT', () => shutdown('SIGINT', EXIT.interrupted));

  await server.connect(transport);
  debugLog(`serving on stdio (pid ${process.pid}, RELAY_HOME ${paths.home})`);
  await closed;
  await link.close();
  debugLog('closed');
  return exitCode;
}
