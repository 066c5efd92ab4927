/**
 * Text views of the conversation graph's sessions: the list, one session with its messages, a
 * diff of two, and an assembled context. (`graph` and `log` draw lanes: sessionGraphView and
 * sessionLogView.) Model output is shown through `oneLine`, so what a model wrote can never
 * move the cursor or restyle the terminal.
 */
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import { formatClockTime } from '../platform/duration.js';
import type { ContextPlanInfo, SessionInfo, SessionMessageInfo } from '../protocol/sessionProtocol.js';
import { formatMicros } from './money.js';
import { formatCount, formatTable } from './textTable.js';

/** Terminal control characters (C0 but tab/newline, DEL, C1) that a stripped text may still hold. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Model or user text made safe for one line: escapes stripped, white space folded, cut to `width` columns. */
export function oneLine(text: string, width: number): string {
  return cutToWidth(stripAnsi(text).replace(CONTROL, '').replace(/\s+/g, ' ').trim(), width);
}

/** A line of ours cut to `width` display columns with `…` (its spacing kept, unlike {@link oneLine}). */
export function cutToWidth(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  let out = '';
  for (const ch of line) {
    if (stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** `#12 login bug`, or `#12` for an unnamed session. */
export function sessionLabel(s: Pick<SessionInfo, 'number' | 'name'>): string {
  return s.name ? `#${s.number} ${oneLine(s.name, 40)}` : `#${s.number}`;
}

/** What `new`, `fork`, `merge` and `import` print: the session, and where it comes from. */
export function formatSessionCreated(verb: string, s: SessionInfo): string {
  const lineage = s.lineage ? ` · ${s.lineage}` : '';
  return `${verb} ${sessionLabel(s)} (${s.id.slice(0, 8)}) · ${s.messages} message${s.messages === 1 ? '' : 's'}${lineage}`;
}

export function formatSessionList(sessions: readonly SessionInfo[], now: number, width = 80): string {
  if (sessions.length === 0) return 'no sessions yet: relay "task" starts one, relay session new an empty one, relay session import claude brings one in';
  const rows = sessions.map((s) => [
    `${s.current ? '*' : ' '}#${s.number}`,
    s.id.slice(0, 8),
    formatClockTime(s.updatedAt, now),
    String(s.messages),
    s.origin,
    oneLine([s.name, s.lineage].filter(Boolean).join(' · ') || '-', Math.max(20, width - 48)),
  ]);
  return [...formatTable([' SESSION', 'ID', 'UPDATED', 'MSGS', 'ORIGIN', 'NAME · LINEAGE'], rows, [3]), '', '* current: what relay "task" continues'].join('\n');
}

function who(m: SessionMessageInfo): string {
  if (m.role !== 'assistant') return m.role;
  const by = [m.worker, m.provider && m.model ? `${m.provider}/${m.model}` : m.provider].filter(Boolean).join(' · ');
  return by ? `assistant [${by}]` : 'assistant';
}

/** One message as `show` and `diff` print it: a header line, then its text indented. */
function messageBlock(m: SessionMessageInfo, now: number, width: number, sessionNumber?: number): string[] {
  const from = sessionNumber !== undefined && m.writtenIn !== sessionNumber ? ` (from ${m.writtenIn ? `#${m.writtenIn}` : 'a deleted session'})` : '';
  const status = m.status === 'complete' ? '' : ` · ${m.status}`;
  const cost = m.costMicros !== undefined ? ` · ${formatMicros(m.costMicros)}` : '';
  const head = `${m.id.slice(0, 8)} ${formatClockTime(m.createdAt, now)} ${who(m)}${from}${status}${cost}`;
  const body = stripAnsi(m.content)
    .replace(CONTROL, '')
    .split('\n')
    .map((l) => `    ${l}`);
  return [oneLine(head, width), ...body, ''];
}

export function formatSessionShow(
  r: { session: SessionInfo; messages: readonly SessionMessageInfo[] },
  now: number,
  width = 80,
): string {
  const s = r.session;
  const lines = [
    `session ${sessionLabel(s)} · ${s.id}`,
    `${s.origin} · ${s.messages} message${s.messages === 1 ? '' : 's'}${s.current ? ' · current' : ''}${s.lineage ? ` · ${s.lineage}` : ''}`,
    '',
  ];
  if (r.messages.length < s.messages) lines.push(`(the last ${r.messages.length} of ${s.messages}: --limit shows more)`, '');
  for (const m of r.messages) lines.push(...messageBlock(m, now, width, s.number));
  if (r.messages.length === 0) lines.push('no messages yet');
  return lines.join('\n').trimEnd();
}

export function formatSessionDiff(
  r: { a: SessionInfo; b: SessionInfo; ancestor?: string; onlyA: readonly SessionMessageInfo[]; onlyB: readonly SessionMessageInfo[] },
  now: number,
  width = 80,
): string {
  const base = r.ancestor ? `since their common message ${r.ancestor.slice(0, 8)}` : 'they share no message';
  const side = (s: SessionInfo, only: readonly SessionMessageInfo[]): string[] => [
    `── only in ${sessionLabel(s)}: ${only.length} message${only.length === 1 ? '' : 's'}`,
    ...(only.length === 0 ? ['', ''] : ['', ...only.flatMap((m) => messageBlock(m, now, width))]),
  ];
  return [`${sessionLabel(r.a)} and ${sessionLabel(r.b)}, ${base}`, '', ...side(r.a, r.onlyA), ...side(r.b, r.onlyB)].join('\n').trimEnd();
}

/** `relay session context`: each part in the order the model reads it, its tokens and why it is in. */
export function formatContextPlan(plan: ContextPlanInfo, width = 80): string {
  const rows = plan.parts.map((p, i) => [String(i + 1), p.kind, p.role, formatCount(p.tokens), oneLine(p.why, 60), oneLine(p.content, 30)]);
  const compacted = plan.compacted
    ? plan.compacted.by === 'summary'
      ? `${plan.compacted.turns} older turns are covered by a stored summary`
      : `${plan.compacted.turns} older turns did not fit and are left out (the next task summarises them with the cheapest model)`
    : 'everything fits';
  return [
    `context of #${plan.session}: ${formatCount(plan.totalTokens)} of ${formatCount(plan.budgetTokens)} tokens · ${compacted}`,
    '',
    ...formatTable(['#', 'PART', 'ROLE', 'TOKENS', 'WHY', 'TEXT'], rows, [0, 3]).map((l) => cutToWidth(l, width)),
  ].join('\n');
}
