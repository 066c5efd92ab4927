/**
 * What a tool call returns. A failure is an MCP error result (`isError: true`) carrying the
 * RelayError's one line and hint, so the model can read what went wrong and what to do; it is
 * never thrown out of the handler, where it would end the call as a protocol error.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { formatErrorLine, toRelayError } from '../platform/errors.js';
import { debugLog } from './debugLog.js';

/** A successful result with one text block. */
function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

/** An error result: `relay: <what happened> — <what to do>`. */
function errorResult(e: unknown): CallToolResult {
  const err = toRelayError(e);
  debugLog(`tool failed: ${(e as Error)?.stack ?? String(e)}`);
  return { content: [{ type: 'text', text: formatErrorLine(err) }], isError: true };
}

/** Run a tool body; whatever it throws becomes an error result. */
export async function runTool(body: () => Promise<string> | string): Promise<CallToolResult> {
  try {
    return textResult(await body());
  } catch (e) {
    return errorResult(e);
  }
}
