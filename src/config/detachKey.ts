/**
 * The key that detaches a terminal from an agent without stopping it. Default Ctrl+] (as telnet
 * uses): agents rarely bind it, unlike Ctrl+A/B (tmux, screen) or Ctrl+D/C (EOF, interrupt).
 * It lives in config/ because config.yaml validation (and so `relay doctor`) and `relay wrap`
 * must accept exactly the same keys: both call {@link parseDetachKey}.
 */
import { RelayError } from '../platform/errors.js';

/** What a valid detach key looks like, for error messages. */
export const DETACH_KEY_FORMS = 'ctrl-<letter> or one of ctrl-] ctrl-\\ ctrl-^ ctrl-_ (or none)';

/** `ctrl-]`, `ctrl-a` … `ctrl-z`, `ctrl-\`, `ctrl-^`, `ctrl-_` → the byte; `none` → null; else undefined. */
function detachKeyByte(spec: string): number | null | undefined {
  const s = spec.trim().toLowerCase();
  if (s === 'none') return null;
  const m = /^(?:ctrl|c)[-+](.)$/.exec(s);
  const ch = m?.[1];
  if (!ch) return undefined;
  if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 96;
  const special: Record<string, number> = { '[': 0x1b, '\\': 0x1c, ']': 0x1d, '^': 0x1e, _: 0x1f };
  return special[ch];
}

/** Whether `spec` names a detach key ({@link parseDetachKey} would accept it). */
export function isDetachKey(spec: string): boolean {
  return detachKeyByte(spec) !== undefined;
}

/** The byte `spec` names, or null for `none`. Throws E_CONFIG for anything else. */
export function parseDetachKey(spec: string): number | null {
  const byte = detachKeyByte(spec);
  if (byte !== undefined) return byte;
  throw new RelayError('E_CONFIG', `"${spec}" is not a detach key`, {
    hint: `use ${DETACH_KEY_FORMS} in wrap.detachKey`,
  });
}

/** How to write the key for people: `Ctrl+]`. */
export function describeDetachKey(spec: string): string {
  return spec.trim().replace(/^(?:ctrl|c)[-+]/i, 'Ctrl+');
}
