/**
 * `relay hook <agent>`: which parser reads which CLI's payload. Each parser is loaded only when
 * its CLI calls, so a hook run compiles one parser, not four.
 */
import type { HookAgent } from './hookEvent.js';
import { malformed, type HookParseContext, type HookParseResult } from './hookParse.js';

/** The agent names `relay hook` accepts, as the CLIs' hook settings spell them. */
const HOOK_AGENT_ARGS: Readonly<Record<string, HookAgent>> = {
  claude: 'claude',
  codex: 'codex',
  gemini: 'gemini',
  // The OpenCode plugin forwards bus events, not hook payloads: a different command name says so.
  'opencode-event': 'opencode',
};

/** The CLI a `relay hook <arg>` is for, or undefined for an unknown name. */
export function hookAgentOf(arg: string | undefined): HookAgent | undefined {
  return arg !== undefined && Object.hasOwn(HOOK_AGENT_ARGS, arg) ? HOOK_AGENT_ARGS[arg] : undefined;
}

/** Parse one payload of `agent`'s CLI. Never rejects. */
export async function parseHookPayload(agent: HookAgent, payload: unknown, ctx: HookParseContext): Promise<HookParseResult> {
  try {
    switch (agent) {
      case 'claude':
        return (await import('./parseClaude.js')).parseClaude(payload, ctx);
      case 'codex':
        return (await import('./parseCodex.js')).parseCodex(payload, ctx);
      case 'gemini':
        return (await import('./parseGemini.js')).parseGemini(payload, ctx);
      case 'opencode':
        return (await import('./parseOpencode.js')).parseOpencode(payload, ctx);
    }
  } catch (e) {
    return malformed(`parser failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
