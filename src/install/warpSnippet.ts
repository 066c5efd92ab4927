/**
 * `relay install --warp`: the MCP server entry for Warp, written to `$RELAY_HOME/warp-mcp.json`
 * for the user to paste. Warp takes pasted JSON of the common MCP shape, a map of server name
 * to `{command, args, env}` (its own examples add `working_directory` and `start_on_launch`).
 * Relay does not edit Warp's own files.
 */
import { join } from 'node:path';

const WARP_SNIPPET_FILE = 'warp-mcp.json';

export function warpSnippetPath(relayHome: string): string {
  return join(relayHome, WARP_SNIPPET_FILE);
}

export function warpSnippet(o: { node: string; cliEntry: string; relayHome: string }): string {
  const entry = {
    relay: {
      command: o.node,
      args: [o.cliEntry, 'mcp'],
      env: { RELAY_HOME: o.relayHome },
      working_directory: null,
      start_on_launch: true,
    },
  };
  return `${JSON.stringify(entry, null, 2)}\n`;
}

export function warpInstructions(file: string): string {
  return `warp: in Warp open Settings → Agents → MCP servers (older versions: Settings → AI → Manage MCP servers), click + Add and paste the contents of ${file}`;
}

/** True for a snippet Relay wrote (uninstall deletes only that). */
export function isOurWarpSnippet(bytes: Buffer): boolean {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as { relay?: { args?: unknown } };
    return Array.isArray(v.relay?.args) && v.relay.args.at(-1) === 'mcp';
  } catch {
    return false;
  }
}
