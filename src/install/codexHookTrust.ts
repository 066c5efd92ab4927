/**
 * The hook-trust tables Codex writes into `config.toml` once the user trusts hooks ("Hooks need
 * review" → "Trust all and continue"), and their removal at `relay uninstall`.
 *
 * Observed with @openai/codex 0.169.0: Codex appends, after the file's last table,
 *
 *     [hooks.state]
 *
 *     [hooks.state."/home/dev/.codex/hooks.json:session_end:0:0"]
 *     trusted_hash = "sha256:…"
 *
 * one table per trusted handler, keyed `<hooks.json path>:<event in snake_case>:<group index>:
 * <handler index>`, each preceded by one blank line. The tables that name one of Relay's
 * handlers (at the positions they have in hooks.json when uninstall runs) are Relay's doing
 * and go; every other byte of the file stays. An empty `[hooks.state]` goes too when removing
 * Relay's tables emptied it (Codex wrote it for them). The file is TOML a user may have
 * commented, so it is edited line by line, never parsed and re-serialised.
 */
import { realpathSync } from 'node:fs';
import { isObject } from '../platform/jsonValue.js';

/** `SessionEnd` → `session_end`, as Codex spells events in its trust keys. */
export function snakeEvent(event: string): string {
  return event.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The trust keys of the handlers `isOurs` accepts in a parsed hooks.json, for the file at `hooksFile`. */
export function relayTrustKeys(hooksDoc: unknown, hooksFile: string, isOurs: (handler: unknown) => boolean): Set<string> {
  const keys = new Set<string>();
  if (!isObject(hooksDoc) || !isObject(hooksDoc.hooks)) return keys;
  const files = new Set([hooksFile]);
  try {
    files.add(realpathSync(hooksFile));
  } catch {
    // Gone already: the path as given is the one Codex used.
  }
  for (const [event, groups] of Object.entries(hooksDoc.hooks)) {
    if (!Array.isArray(groups)) continue;
    groups.forEach((g, gi) => {
      if (!isObject(g) || !Array.isArray(g.hooks)) return;
      g.hooks.forEach((h, hi) => {
        if (!isOurs(h)) return;
        for (const f of files) keys.add(`${f}:${snakeEvent(event)}:${gi}:${hi}`);
      });
    });
  }
  return keys;
}

/** A TOML table header line: `[a.b."c"]` (not an array of tables `[[…]]`). */
const HEADER = /^\s*\[(?!\[)(.*)\]\s*(?:#.*)?$/;
const BLANK = /^\s*$/;
const COMMENT = /^\s*#/;

/** The dotted key of a header as its parts: `hooks.state."x:y"` → [`hooks`, `state`, `x:y`]; null if not understood. */
function headerKey(inner: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  const s = inner.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === '"') {
      let out = '';
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\') {
          const next = s[++i];
          out += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
        } else out += s[i];
      }
      if (s[i] !== '"') return null;
      i++;
      parts.push(out);
    } else if (s[i] === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      parts.push(s.slice(i + 1, end));
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return null;
      parts.push(m[0]);
      i += m[0].length;
    }
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i < s.length) {
      if (s[i] !== '.') return null;
      i++;
    }
  }
  return parts;
}

interface Table {
  /** Index of the header line. */
  header: number;
  /** First line after the table (the next table's leading blank and comment lines excluded). */
  end: number;
  key: string[] | null;
}

/** The tables of a TOML text split into lines (`\n`-terminated pieces), skipping multi-line strings. */
function tablesOf(lines: readonly string[]): Table[] {
  const headers: { at: number; key: string[] | null }[] = [];
  let inString: '"""' | "'''" | null = null;
  lines.forEach((line, at) => {
    if (inString === null) {
      const m = HEADER.exec(line.replace(/\r?\n$/, ''));
      if (m) headers.push({ at, key: headerKey(m[1]!) });
    }
    for (const quote of ['"""', "'''"] as const) {
      const n = line.split(quote).length - 1;
      if (n % 2 === 1 && (inString === null || inString === quote)) inString = inString === null ? quote : null;
    }
  });
  return headers.map((h, i) => {
    let end = i + 1 < headers.length ? headers[i + 1]!.at : lines.length;
    // The blank and comment lines just above the next header belong to it.
    if (i + 1 < headers.length) while (end > h.at + 1 && (BLANK.test(lines[end - 1]!) || COMMENT.test(lines[end - 1]!))) end--;
    return { header: h.at, end, key: h.key };
  });
}

const isState = (k: string[] | null): boolean => k !== null && k.length === 2 && k[0] === 'hooks' && k[1] === 'state';
const stateEntry = (k: string[] | null): string | null => (k !== null && k.length === 3 && k[0] === 'hooks' && k[1] === 'state' ? k[2]! : null);

/**
 * `text` without the `[hooks.state."<key>"]` tables whose key is in `keys` (each with the blank
 * lines right above it), and without a `[hooks.state]` that this left empty. Returns `text`
 * itself when it holds none of them.
 */
export function removeTrustTables(text: string, keys: ReadonlySet<string>): string {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const tables = tablesOf(lines);
  const drop = new Set<number>();
  const dropTable = (t: Table): void => {
    for (let i = t.header; i < t.end; i++) drop.add(i);
    for (let i = t.header - 1; i >= 0 && BLANK.test(lines[i]!) && !drop.has(i); i--) drop.add(i);
  };
  const ours = tables.filter((t) => {
    const entry = stateEntry(t.key);
    return entry !== null && keys.has(entry);
  });
  if (ours.length === 0) return text;
  for (const t of ours) dropTable(t);
  const remainingEntries = tables.some((t) => stateEntry(t.key) !== null && !ours.includes(t));
  for (const t of tables) {
    if (!isState(t.key) || remainingEntries) continue;
    const body = lines.slice(t.header + 1, t.end);
    if (body.every((l) => BLANK.test(l))) dropTable(t);
  }
  return lines.filter((_, i) => !drop.has(i)).join('');
}
