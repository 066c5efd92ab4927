/**
 * The key that detaches a terminal from an agent without stopping it. Default Ctrl+] (as telnet
 * uses): agents rarely bind it, unlike Ctrl+A/B (tmux, screen) or Ctrl+D/C (EOF, interrupt).
 */
import { RelayError } from '../platform/errors.js';

/** `ctrl-]`, `ctrl-a` … `ctrl-z`, `ctrl-\`, `ctrl-^`, `ctrl-_` → the byte; `none` → null. */
export function parseDetachKey(spec: string): number | null {
  const s = spec.trim().toLowerCase();
  if (s === 'none') return null;
  const m = /^(?:ctrl|c)[-+](.)$/.exec(s);
  const ch = m?.[1];
  if (ch) {
    if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 96;
    const special: Record<string, number> = { '[': 0x1b, '\\': 0x1c, ']': 0x1d, '^': 0x1e, _: 0x1f };
    if (special[ch] !== undefined) return special[ch];
  }
  throw new RelayError('E_CONFIG', `"${spec}" is not a detach key`, {
    hint: 'use ctrl-<letter> or one of ctrl-] ctrl-\\ ctrl-^ ctrl-_ (or none) in wrap.detachKey',
  });
}

/** How to write the key for people: `Ctrl+]`. */
export function describeDetachKey(spec: string): string {
  return spec.trim().replace(/^(?:ctrl|c)[-+]/i, 'Ctrl+');
}
