/**
 * `mode:` in config.yaml, set by `relay mode auto|edit` as a text edit of the one value, so
 * every other byte of the file (comments, quoting, spacing, key order) stays as the user wrote
 * it: the yaml Document says where the value is, and only those bytes change. A layout the edit
 * does not handle (a flow-style top-level map) falls back to re-printing the Document, which
 * keeps comments and keys if not every space. Either way the result is validated before it is
 * returned, like any config.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parseDocument } from 'yaml';
import { parseConfig, parseConfigYaml, type RelayConfig } from './relayConfig.js';

export type RelayMode = RelayConfig['mode'];
export const RELAY_MODES: readonly RelayMode[] = ['auto', 'edit'];

/** The spaces before `offset` on its line, or null when something else precedes it there. */
function indentAt(text: string, offset: number): string | null {
  const before = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
  return /^ *$/.test(before) ? before : null;
}

/** `text` plus one line, on a line of its own. */
function appendLine(text: string, line: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${sep}${line}${eol}`;
}

/** The text edit, or null when the file's layout is not one it handles. */
function editedText(text: string, mode: RelayMode): string | null {
  const doc = parseDocument(text);
  if (doc.contents === null) return appendLine(text, `mode: ${mode}`);
  if (!isMap(doc.contents) || doc.contents.flow) return null;
  const top = doc.contents;
  const pair = top.items.find((p) => isScalar(p.key) && p.key.value === 'mode');
  if (!pair) {
    const firstKey = top.items[0]?.key as { range?: [number, number, number] } | undefined;
    const indent = indentAt(text, firstKey?.range?.[0] ?? 0);
    return indent === null ? null : appendLine(text, `${indent}mode: ${mode}`);
  }
  const value = pair.value;
  if (!isScalar(value) || !value.range) return null;
  // range[1] ends the value itself; a comment after it on the line is outside.
  return text.slice(0, value.range[0]) + mode + text.slice(value.range[1]);
}

/** What the edit must produce: the same settings, `mode` changed (or added last). */
function expectedJs(before: unknown, mode: RelayMode): unknown {
  const out = (before ?? {}) as Record<string, unknown>;
  return { ...out, mode };
}

/**
 * `text` (config.yaml, `file` names it in errors) with `mode` set. Throws RelayError E_CONFIG,
 * before any edit, when the text is not YAML or not a valid config: a broken file is the user's
 * to fix, never rewritten.
 */
export function setModeInText(text: string, mode: RelayMode, file: string): string {
  parseConfig(text, file);
  const doc = parseConfigYaml(text, file);
  const want = expectedJs(doc.toJS(), mode);
  const edited = editedText(text, mode);
  let out: string;
  const check = edited === null ? null : parseDocument(edited);
  if (edited !== null && check !== null && check.errors.length === 0 && isDeepStrictEqual(check.toJS(), want)) out = edited;
  else {
    doc.set('mode', mode);
    out = doc.toString();
  }
  parseConfig(out, file);
  return out;
}
