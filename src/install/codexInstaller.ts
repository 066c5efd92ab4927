/**
 * Codex: hooks in `~/.codex/hooks.json` (or `$CODEX_HOME/hooks.json`), Claude's shape.
 *
 * Checked against @openai/codex 0.169.0 (and codex-rs `hook_config.rs`): the file is
 * `{"hooks": {"<Event>": [{"matcher"?, "hooks": [{"type": "command", "command", "timeout"?}]}]}}`
 * read with serde_json (plain JSON), `timeout` in seconds. No event fires on a failed turn, but
 * `SessionEnd` and `Stop` give the rollout file whose last `task_complete` names the error
 * (src/hooks/parseCodex.ts). Codex runs a new or changed hook only after the user trusts it
 * (its TUI shows "Hooks need review"; the trust is kept in config.toml), which install says.
 *
 * `notify` in config.toml is left alone: it fires only after a successful turn, so it carries
 * no limit signal the hooks do not, and editing a TOML file the user may have commented is a
 * risk with nothing to gain. A `notify` the user set keeps working as before.
 */
import { CODEX_HOOK_EVENTS, codexDescriptor } from '../adapters/codex.js';
import { HOOK_TIMEOUT_SECONDS } from '../hooks/hookCommand.js';
import { jsonHooksInstaller } from './jsonHooksInstaller.js';

/** Printed whenever Codex hooks are installed: until trusted, Codex does not run them. */
const CODEX_TRUST_NOTE =
  'codex: Codex runs new hooks only after you trust them — the next time codex starts it shows "Hooks need review": choose "Trust all and continue" (`codex --dangerously-bypass-hook-trust` skips the check for one run)';

export const codexInstaller = jsonHooksInstaller({
  agent: codexDescriptor,
  dialect: 'json',
  spec: (command) => ({
    events: CODEX_HOOK_EVENTS.map((event) => ({ event })),
    handler: { type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS },
  }),
  notes: () => [CODEX_TRUST_NOTE],
});
