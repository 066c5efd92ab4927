/**
 * Claude Code: hooks in `~/.claude/settings.json` (or `$CLAUDE_CONFIG_DIR/settings.json`).
 *
 * Checked against @anthropic-ai/claude-code 2.1.197: the file is read with plain JSON.parse
 * (comments make it invalid, so a file with comments is refused rather than "fixed"); a
 * command hook is `{type: "command", command, timeout?}` with `timeout` in seconds; the hook
 * object schema is a plain zod object, which strips unknown keys, so a marker key would not
 * survive Claude rewriting the file — Relay's entries are recognized by their command instead.
 * Events: `StopFailure` fires instead of `Stop` when an API error ended the turn (matcher on
 * `error`: rate_limit, overloaded, billing_error, …; Relay registers no matcher, so `relay hook`
 * sees every failure and decides), plus `SessionStart`, `SessionEnd` and `Stop`.
 */
import { CLAUDE_HOOK_EVENTS, claudeDescriptor } from '../adapters/claude.js';
import { HOOK_TIMEOUT_SECONDS } from '../hooks/hookCommand.js';
import { versionAtLeast } from './detect.js';
import { jsonHooksInstaller } from './jsonHooksInstaller.js';

/**
 * StopFailure arrived in Claude Code 2.1.78. Hook event names are an enum in Claude's settings
 * schema, and a `hooks` section that fails validation is ignored whole — the user's own hooks
 * with it — so an older Claude does not get that event (an unknown version does: it is most
 * likely a current one that was slow to answer).
 */
const STOP_FAILURE_SINCE = [2, 1, 78] as const;

function events(version: string | null): readonly string[] {
  return versionAtLeast(version, STOP_FAILURE_SINCE) ? CLAUDE_HOOK_EVENTS : CLAUDE_HOOK_EVENTS.filter((e) => e !== 'StopFailure');
}

export const claudeInstaller = jsonHooksInstaller({
  agent: claudeDescriptor,
  dialect: 'json',
  spec: (command, version) => ({
    events: events(version).map((event) => ({ event })),
    handler: { type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS },
  }),
  notes: (doc, version) => [
    ...(doc.valueAt(['disableAllHooks']) === true
      ? [`claude: ${doc.file} sets "disableAllHooks": true, so Claude Code runs no hooks (Relay's included) until you remove it`]
      : []),
    ...(versionAtLeast(version, STOP_FAILURE_SINCE)
      ? []
      : [`claude: Claude Code ${version} has no StopFailure hook (2.1.78 and later do): Relay sees its limits only in the terminal; upgrade Claude Code and run relay install again`]),
  ],
});
