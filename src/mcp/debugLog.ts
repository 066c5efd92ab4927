/**
 * Diagnostics of `relay mcp`. Its stdout carries the MCP protocol and nothing else, so these go
 * to stderr, and only with RELAY_DEBUG=1: MCP clients often show a server's stderr to the user.
 */
export function debugLog(message: string): void {
  if (process.env.RELAY_DEBUG === '1') process.stderr.write(`relay mcp: ${message}\n`);
}
