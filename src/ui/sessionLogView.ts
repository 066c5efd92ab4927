/**
 * `relay session log`: a session's chain newest first, like `git log --graph` for one branch.
 * On top, the session and its lineage (where it comes from, what was made from it). Then one line
 * per message (short id, time, who, the first line of what it says); a line marks where the chain
 * passes into messages an ancestor wrote (`── from #12 (forked at 1a2b3c4d)`), and a message that
 * other sessions were made at says so (`◀ fork #31`, `◀ merged into #40`).
 */
import stringWidth from 'string-width';
import { formatClockTime } from '../platform/duration.js';
import type { SessionEdgeInfo, SessionEdgeKind, SessionInfo, SessionMessageInfo } from '../protocol/sessionProtocol.js';
import { oneLine, sessionLabel } from './sessionViews.js';

export interface SessionLogInput {
  session: SessionInfo;
  /** Its chain, oldest first (as `session.show` returns it); the newest `limit` of `session.messages`. */
  messages: readonly SessionMessageInfo[];
  parents: readonly SessionEdgeInfo[];
  children: readonly SessionEdgeInfo[];
}

export interface SessionLogOptions {
  /** Display columns; nothing printed is wider (default 80). */
  width?: number;
  color?: boolean;
  /** Times of today's messages are shown as a clock time only (default: now). */
  now?: number;
}

/** What a child edge made at one of this session's messages is called, on that message. */
const MADE_AT_WORDS: Record<SessionEdgeKind, string> = {
  fork: 'fork',
  merge: 'merged into',
  attach: 'attached to',
  handoff: 'handed off to',
  import: 'imported into',
};

/** How the chain passed from a parent into this session, on the boundary line. */
const PASSED_WORDS: Record<SessionEdgeKind, string> = {
  fork: 'forked at',
  merge: 'merged at',
  attach: 'attached at',
  handoff: 'handed off at',
  import: 'imported at',
};

/** The first 8 characters of an id, as `--at` and `fork` take them (sanitised: ids come from the store, but a view trusts nothing). */
const shortId = (id: string): string => oneLine(id, 64).slice(0, 8);

/** `#12`; an import's source as `claude 1a2b3c4d`; else `a deleted session`. */
function parentName(e: SessionEdgeInfo): string {
  if (e.parentNumber !== undefined) return `#${e.parentNumber}`;
  const external = e.kind === 'import' ? /^([a-z][\w-]*):(?:[a-z]+_)?(.+)$/.exec(e.parent) : null;
  return external ? `${external[1]} ${external[2]!.slice(0, 8)}` : 'a deleted session';
}

/** Where the session comes from: `fork of #12 at 1a2b3c4d`, `Derived: #12 #25`, `handoff from #3 (limit, resets 10:57)`. */
function fromWords(s: SessionInfo, parents: readonly SessionEdgeInfo[]): string[] {
  if (parents.length === 0) return s.lineage ? [oneLine(s.lineage, 200)] : [];
  const merged = parents.filter((e) => e.kind === 'merge').map(parentName);
  const parts = merged.length > 0 ? [`Derived: ${merged.join(' ')}`] : [];
  for (const e of parents) {
    const at = e.atMessage ? ` at ${shortId(e.atMessage)}` : '';
    const note = e.note ? ` (${oneLine(e.note, 40)})` : '';
    if (e.kind === 'fork') parts.push(`fork of ${parentName(e)}${at}`);
    else if (e.kind === 'attach') parts.push(`attached ${parentName(e)}`);
    else if (e.kind === 'handoff') parts.push(`handoff from ${parentName(e)}${note}`);
    else if (e.kind === 'import') parts.push(`imported from ${parentName(e)}${note}`);
  }
  return parts;
}

const childName = (e: SessionEdgeInfo): string => (e.childNumber !== undefined ? `#${e.childNumber}` : 'a deleted session');

/** `assistant [coder · openai/gpt-5]`, `user`, `summary`. */
function who(m: SessionMessageInfo): string {
  if (m.role !== 'assistant') return m.role;
  const by = [m.worker, m.provider && m.model ? `${m.provider}/${m.model}` : m.provider].filter(Boolean).join(' · ');
  return by ? `assistant [${oneLine(by, 30)}]` : 'assistant';
}

/** The first line that says something: a message's subject, as git log shows a commit's. */
function firstLine(content: string): string {
  return content.split('\n').find((l) => l.trim() !== '') ?? '';
}

/**
 * `from: a, b, c` packed into as few lines as `width` allows, broken between parts (a part too
 * long for a line of its own is cut): a lineage is worth reading whole.
 */
function packed(label: string, parts: readonly string[], width: number): string[] {
  const indent = ' '.repeat(label.length);
  const lines: string[] = [];
  let line = label;
  for (const [i, part] of parts.entries()) {
    const piece = i < parts.length - 1 ? `${part},` : part;
    const start = line.length === label.length;
    const next = start ? `${line}${piece}` : `${line} ${piece}`;
    if (start || stringWidth(next) <= width) line = next;
    else {
      lines.push(line);
      line = `${indent}${piece}`;
    }
  }
  lines.push(line);
  return lines.map((l) => fit(l, width));
}

/** Cut plain text to `width` display columns with `…`. */
function fit(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * The log as text, newest message first:
 *
 *     #25 · fork · 3 messages
 *     from: fork of #12 at m2bbbbbb
 *     into: #40 (merge)
 *     * m3cccccc 12:00 user what about a cache  ◀ merged into #40
 *     ── from #12 (forked at m2bbbbbb)
 *     * m2bbbbbb 12:00 assistant Postgres
 *
 * No line is wider than `width` display columns; what a model wrote is one sanitised line.
 */
export function renderSessionLog(input: SessionLogInput, opts: SessionLogOptions = {}): string {
  const width = Math.max(1, Math.floor(opts.width ?? 80));
  const now = opts.now ?? Date.now();
  const paint = (code: string, text: string): string => (opts.color && text ? `\u001b[${code}m${text}\u001b[0m` : text);
  const s = input.session;
  const lines: string[] = [];
  const plain = (text: string, style?: string): void => {
    const cut = fit(text, width);
    lines.push(style ? paint(style, cut) : cut);
  };

  plain(`${sessionLabel(s)} · ${oneLine(s.origin, 12)} · ${s.messages} message${s.messages === 1 ? '' : 's'}${s.current ? ' · current' : ''}`, '1');
  const from = fromWords(s, input.parents);
  if (from.length > 0) lines.push(...packed('from: ', from, width));
  const into = input.children.map((e) => `${childName(e)} (${e.kind})`);
  if (into.length > 0) lines.push(...packed('into: ', into, width));
  if (input.messages.length < s.messages) plain(`(the newest ${input.messages.length} of ${s.messages}: -n shows more)`, '2');

  const madeAt = new Map<string, string[]>();
  for (const e of input.children) {
    if (!e.atMessage) continue;
    madeAt.set(e.atMessage, [...(madeAt.get(e.atMessage) ?? []), `◀ ${MADE_AT_WORDS[e.kind] ?? e.kind} ${childName(e)}`]);
  }

  // Walking back from the head, the writer changes where the chain passed from one session into
  // the one it came from. This session's own edges say how for the first such boundary; deeper
  // ones are an ancestor's, named by the writer alone.
  let writer = s.number;
  for (let i = input.messages.length - 1; i >= 0; i--) {
    const m = input.messages[i]!;
    if (m.writtenIn !== writer) {
      const name = m.writtenIn ? `#${m.writtenIn}` : 'a deleted session';
      const edge = writer === s.number ? input.parents.find((e) => (e.parentNumber ?? 0) === m.writtenIn && e.kind !== 'attach') : undefined;
      const how = edge?.atMessage ? ` (${PASSED_WORDS[edge.kind] ?? 'at'} ${shortId(edge.atMessage)})` : '';
      plain(`── from ${name}${how}`, '2');
      writer = m.writtenIn;
    }
    const status = m.status === 'complete' ? '' : ` (${m.status})`;
    const id = shortId(m.id);
    const head = ` ${formatClockTime(m.createdAt, now)} ${who(m)}${status} `;
    const marks = madeAt.get(m.id)?.join(' ') ?? '';
    const tail = marks ? `  ${marks}` : '';
    // The edges made here matter more than the end of the text: the text is what gets cut.
    const room = width - stringWidth(`* ${id}${head}`) - stringWidth(tail);
    if (room < 4) {
      plain(`* ${id}${head}${tail}`.trimEnd());
      continue;
    }
    const text = oneLine(firstLine(m.content), room);
    lines.push(`* ${paint('33', id)}${head}${text}${paint('36', tail)}`.trimEnd());
  }
  if (input.messages.length === 0) plain('no messages yet', '2');
  return lines.join('\n');
}
