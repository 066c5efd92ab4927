/**
 * `relay session log`: a session's chain newest first, like `git log --graph` for one branch.
 * Each message is one line (short id, time, who, its first words); a line marks where the chain
 * passes into messages another session wrote (the fork it came from), and a message other
 * sessions were made at says so (`◀ fork #31`, `◀ merged into #40`).
 */
import { formatClockTime } from '../platform/duration.js';
import type { SessionEdgeInfo, SessionInfo, SessionMessageInfo } from '../protocol/sessionProtocol.js';
import { oneLine, sessionLabel } from './sessionViews.js';

export interface SessionLogInput {
  session: SessionInfo;
  messages: readonly SessionMessageInfo[];
  parents: readonly SessionEdgeInfo[];
  children: readonly SessionEdgeInfo[];
}

const CHILD_WORDS: Record<SessionEdgeInfo['kind'], string> = {
  fork: 'fork',
  merge: 'merged into',
  attach: 'attached to',
  handoff: 'handed off to',
  import: 'imported into',
};

function who(m: SessionMessageInfo): string {
  if (m.role !== 'assistant') return m.role;
  return m.worker ? `[${m.worker}]` : m.provider ? `[${m.provider}]` : 'assistant';
}

export function renderSessionLog(input: SessionLogInput, opts: { width?: number; color?: boolean; now?: number } = {}): string {
  const width = opts.width ?? 80;
  const now = opts.now ?? Date.now();
  const dim = (text: string): string => (opts.color ? `\u001b[2m${text}\u001b[0m` : text);
  const s = input.session;
  const lines = [`${sessionLabel(s)} · ${s.messages} message${s.messages === 1 ? '' : 's'}${s.lineage ? ` · ${s.lineage}` : ''}`];
  if (input.messages.length < s.messages) lines.push(dim(`(the newest ${input.messages.length}: -n shows more)`));

  const madeAt = new Map<string, string[]>();
  for (const e of input.children) {
    if (!e.atMessage) continue;
    const words = `${CHILD_WORDS[e.kind]} ${e.childNumber !== undefined ? `#${e.childNumber}` : 'a deleted session'}`;
    madeAt.set(e.atMessage, [...(madeAt.get(e.atMessage) ?? []), words]);
  }
  const forkAt = input.parents.find((e) => e.kind === 'fork');

  const newestFirst = [...input.messages].reverse();
  let writer = s.number;
  for (const m of newestFirst) {
    if (m.writtenIn !== writer) {
      const from = m.writtenIn ? `#${m.writtenIn}` : 'a deleted session';
      const at = forkAt?.atMessage && writer === s.number ? ` (forked at ${forkAt.atMessage.slice(0, 8)})` : '';
      lines.push(dim(`── from ${from}${at}`));
      writer = m.writtenIn;
    }
    const marks = madeAt.get(m.id)?.map((w) => `◀ ${w}`).join(' ') ?? '';
    const status = m.status === 'complete' ? '' : ` (${m.status})`;
    const head = `* ${m.id.slice(0, 8)} ${formatClockTime(m.createdAt, now)} ${who(m)}${status} `;
    const tail = marks ? `  ${marks}` : '';
    const room = Math.max(10, width - head.length - tail.length);
    lines.push(`${head}${oneLine(m.content, room)}${tail}`);
  }
  if (newestFirst.length === 0) lines.push(dim('no messages yet'));
  return lines.join('\n');
}
