/**
 * What the conversation pane shows, as data: the session's stored turns, then the live tasks'
 * messages as they stream (each answer under a `[worker] provider · model` header), notes,
 * warnings and errors. Rows are wrapped to the pane's width as text arrives; drawing takes only
 * the rows on screen, so a long session or a 1 MB answer costs the same per frame as a short one.
 */
import { formatMicros } from '../../platform/money.js';
import type { Billing, TaskMessage } from '../../protocol/providerProtocol.js';
import type { SessionMessageInfo } from '../../protocol/sessionProtocol.js';
import type { Translate } from '../i18n/i18n.js';
import { StreamCleaner, cleanText } from './screenText.js';
import { WrappedText } from './wrappedText.js';

export type EntryKind = 'user' | 'answer' | 'note' | 'warning' | 'error';

/** One drawn row and how to paint it. */
export interface ConversationRow {
  text: string;
  style: EntryKind | 'header' | 'blank';
}

interface Entry {
  kind: EntryKind;
  header?: string;
  body: WrappedText;
  cleaner?: StreamCleaner;
}

/** Where a task's step draws: its answer entry, found again by task and step. */
const stepKey = (taskId: string, step: number): string => `${taskId}#${step}`;

export class ConversationModel {
  private entries: Entry[] = [];
  private readonly steps = new Map<string, Entry>();
  private readonly seen = new Map<string, number>();
  /** `provider/model` → how it is paid for, from the tasks' route decisions. */
  private readonly billing = new Map<string, Billing>();
  /** Rows above the bottom the view is scrolled back; 0 follows the stream. */
  private back = 0;
  private width: number;

  constructor(
    private readonly t: Translate,
    width: number,
  ) {
    this.width = Math.max(10, width);
  }

  /** The session's stored turns replace what is shown (a switch, a task's end, a reconnect). */
  load(messages: readonly SessionMessageInfo[]): void {
    this.reset();
    for (const m of messages) {
      if (m.role === 'system') continue;
      if (m.role === 'user') this.add('user', m.content, this.t('ui.conversation.you'));
      else if (m.role === 'summary') this.add('note', m.content, this.t('ui.conversation.note'));
      else {
        const partial = m.status === 'complete' ? '' : ` ${this.t('ui.conversation.partial')}`;
        this.add('answer', m.content, `${answerHeader(m.worker ?? 'assistant', m.provider, m.model)}${partial}`);
      }
    }
  }

  /** Nothing shown any more (`/clear`; the session keeps its history). */
  reset(): void {
    this.entries = [];
    this.steps.clear();
    this.seen.clear();
    this.back = 0;
  }

  /** A request the user sent (shown before its answer streams). */
  addUser(text: string): void {
    this.add('user', text, this.t('ui.conversation.you'));
  }

  /** A line about the workspace itself: a note, a warning, an error. */
  addLine(kind: 'note' | 'warning' | 'error', text: string): void {
    this.add(kind, text);
  }

  /** Whether this task's messages are shown here already up to `seq`. */
  lastSeq(taskId: string): number {
    return this.seen.get(taskId) ?? 0;
  }

  /**
   * One message of a running task. A repeated seq (the same message heard twice, once on
   * replay and once live) is dropped.
   */
  apply(taskId: string, m: TaskMessage): void {
    if (m.seq <= this.lastSeq(taskId)) return;
    this.seen.set(taskId, m.seq);
    switch (m.kind) {
      case 'call': {
        const entry = this.add('answer', '', answerHeader(m.worker, m.provider, m.model));
        entry.cleaner = new StreamCleaner();
        this.steps.set(stepKey(taskId, m.step), entry);
        return;
      }
      case 'delta': {
        let entry = this.steps.get(stepKey(taskId, m.step));
        if (!entry) {
          // Heard mid-answer (a replay coalesced the call away, or it was missed): a bare answer.
          entry = this.add('answer', '', answerHeader('assistant'));
          entry.cleaner = new StreamCleaner();
          this.steps.set(stepKey(taskId, m.step), entry);
        }
        this.grow(entry, entry.cleaner ? entry.cleaner.push(m.text) : cleanText(m.text));
        return;
      }
      case 'step-done': {
        const entry = this.steps.get(stepKey(taskId, m.step));
        if (entry?.cleaner) this.grow(entry, entry.cleaner.flush());
        if (entry) {
          const cost = this.costText(m.provider, m.model, m.costMicros);
          const tokens = (m.usage?.inputTokens ?? 0) + (m.usage?.outputTokens ?? 0);
          entry.header = `${answerHeader(m.worker, m.provider, m.model)} · ${this.t('ui.conversation.stepCost', { cost, tokens })}`;
        }
        return;
      }
      case 'moved-on':
        this.add('warning', this.t('ui.conversation.movedOn', { provider: m.provider, why: m.failure.message }));
        return;
      case 'warning':
        this.add('warning', m.text);
        return;
      case 'note':
        this.add('note', this.noteText(m));
        return;
      case 'route':
        // Not drawn (relay --explain shows routes); how each candidate is paid for is kept.
        for (const c of m.decision.candidates) this.billing.set(`${c.provider}/${c.model}`, c.billing);
        return;
      case 'confirm':
        // A dialog, not a row.
        return;
    }
  }

  /** How a model is paid for, from the route decisions seen: a subscription or local call is free, not `$0`. */
  billingOf(provider: string, model: string): Billing | undefined {
    return this.billing.get(`${provider}/${model}`);
  }

  /** `$0.0012`, `free (subscription)`, `unpriced`. */
  costText(provider: string, model: string, micros: number | undefined): string {
    const billing = this.billingOf(provider, model);
    if (billing === 'subscription') return this.t('ui.conversation.freeSubscription');
    if (billing === 'local') return this.t('ui.conversation.freeLocal');
    return micros === undefined ? this.t('ui.conversation.unpriced') : formatMicros(micros);
  }

  /** A daemon's note in the user's language when it says which one it is, else as the daemon wrote it. */
  private noteText(m: Extract<TaskMessage, { kind: 'note' }>): string {
    if (!m.key) return m.text;
    const key = `ui.notes.${m.key}`;
    const text = this.t(key, { ...m.vars });
    return text === key ? m.text : text;
  }

  /** The pane's new width: every entry wraps again. */
  resize(width: number): void {
    this.width = Math.max(10, width);
    for (const e of this.entries) e.body.resize(this.width);
  }

  /** Scroll by `rows` (positive: back in time); clamped to what there is. */
  scroll(rows: number, height: number): void {
    this.back = Math.max(0, Math.min(this.back + rows, Math.max(0, this.totalRows() - height)));
  }

  get scrolledBack(): boolean {
    return this.back > 0;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The `height` rows on screen, oldest first, ending `back` rows above the bottom. */
  visibleRows(height: number): ConversationRow[] {
    const out: ConversationRow[] = [];
    let skip = this.back;
    for (let i = this.entries.length - 1; i >= 0 && out.length < height; i--) {
      const e = this.entries[i]!;
      const count = entryRowCount(e);
      if (skip >= count) {
        skip -= count;
        continue;
      }
      // Only the rows that are drawn are read: a 1 MB answer costs the screen's height.
      for (let r = count - 1 - skip; r >= 0 && out.length < height; r--) out.push(entryRow(e, r));
      skip = 0;
    }
    return out.reverse();
  }

  /** All rows, for tests and for scrolling limits. */
  totalRows(): number {
    let n = 0;
    for (const e of this.entries) n += entryRowCount(e);
    return n;
  }

  private add(kind: EntryKind, text: string, header?: string): Entry {
    const body = new WrappedText(this.width);
    body.append(cleanText(text));
    const entry: Entry = { kind, body, ...(header !== undefined ? { header } : {}) };
    this.entries.push(entry);
    if (this.back > 0) this.back += entryRowCount(entry);
    return entry;
  }

  private grow(entry: Entry, text: string): void {
    if (text === '') return;
    const before = entry.body.rowCount;
    entry.body.append(text);
    // Scrolled back: the rows on screen stay where they are while an answer grows below them
    // (the growing entries are the live ones, at or near the end).
    if (this.back > 0) this.back += entry.body.rowCount - before;
  }
}

/** `[architect] openai · gpt-4o-mini`. */
export function answerHeader(worker: string, provider?: string, model?: string): string {
  const where = [provider, model].filter(Boolean).join(' · ');
  return where ? `[${worker}] ${where}` : `[${worker}]`;
}

/** Body rows drawn: a trailing empty row (the text ended in a newline) is not. */
function bodyRows(e: Entry): number {
  const n = e.body.rowCount;
  return n > 1 && e.body.row(n - 1) === '' ? n - 1 : n;
}

/** Header, body, one blank row after it. */
function entryRowCount(e: Entry): number {
  return (e.header !== undefined ? 1 : 0) + bodyRows(e) + 1;
}

function entryRow(e: Entry, r: number): ConversationRow {
  const head = e.header !== undefined ? 1 : 0;
  if (r < head) return { text: e.header!, style: 'header' };
  const b = r - head;
  if (b < bodyRows(e)) return { text: e.body.row(b), style: e.kind };
  return { text: '', style: 'blank' };
}
