/**
 * Quoting for POSIX shell command lines Relay writes or prints: the hook command a CLI runs
 * (install), and the fix lines `relay doctor` and the store's errors suggest, which a user pastes.
 */

/**
 * Characters a shell word may hold unquoted, wherever it stands. `~` is left out: after `=` or
 * `:` in an assignment (`RELAY_HOME=~/x`) the shell would expand it.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `s` as one POSIX shell word: unchanged when safe, else single-quoted. */
export function shellQuote(s: string): string {
  if (SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
