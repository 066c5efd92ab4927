/**
 * What `relay "task"` shows while a task runs: a task's messages (`TOPIC_TASK(id)`), in the order
 * they came, turned into writes. The answer is the only thing on stdout (a team's answers apart
 * by a blank line); everything about it — the `[worker]` label before each answer, which provider
 * and model answer, a provider given up for the next one, warnings, missed messages, the cost —
 * goes to stderr, so `relay "task" > answer.md` keeps just the answer while a terminal shows
 * both. With `json` each message is one JSON line on stdout as it comes, and the texts are kept
 * for the closing {@link TaskStream.record}.
 * No terminal, clock or socket here: the caller passes the writers and the time.
 */
import type { Billing, CallFailure, CallPlan, TaskMessage, TaskResult } from '../protocol/providerProtocol.js';
import { formatClockTime } from '../platform/duration.js';
import { formatMicros } from './money.js';
import { formatCount } from './textTable.js';

export interface TaskStreamOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface TaskStreamOptions {
  /** Keep the answer for {@link TaskStream.record} instead of writing it. */
  json?: boolean;
  /** The time now, to put a reset time on the clock (`resets 10:57`). */
  now?: () => number;
}

/** The result line `relay "task" --json` ends with: the result's steps, each with its streamed text. */
export interface TaskRecord {
  taskId: string;
  session: { id: string; number: number };
  steps: Array<Omit<TaskResult['steps'][number], 'messageId' | 'chars'> & { text: string }>;
  costMicros: number;
  failure?: TaskResult['failure'];
}

interface StepState {
  worker?: string;
  text: string;
  /** The `[worker]` line has been written for this step. */
  labelled: boolean;
  /** A provider failed after some of this step's text was shown: the next attempt starts over. */
  restarts: boolean;
}

const FREE: ReadonlySet<Billing> = new Set<Billing>(['local', 'subscription']);

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a call will cost as the user judges it: free ones say how they are paid, unknown is `unpriced`. */
function estimateText(estimateMicros: number | undefined, billing: Billing | undefined): string {
  if (billing === 'local') return 'free (local)';
  if (billing === 'subscription') return 'free (subscription)';
  return estimateMicros === undefined ? 'unpriced' : `~${formatMicros(estimateMicros)}`;
}

/**
 * The edit-mode question's preamble, one line: `[architect] anthropic · claude-sonnet-4: 1,234
 * input tokens, estimated ~$0.0123`. `billing` (from the route) says when the call is free.
 */
export function formatCallPlan(plan: CallPlan, billing?: Billing): string {
  return `[${plan.worker}] ${plan.provider} · ${plan.model}: ${formatCount(plan.inputTokens)} input tokens, estimated ${estimateText(plan.estimateMicros, billing)}`;
}

/** `openai: rate limited, resets 10:57 — trying anthropic`. */
export function formatMovedOn(provider: string, failure: CallFailure, next: string | undefined, now: number): string {
  const resets = failure.resetAt !== undefined && failure.resetAt > now ? `, resets ${formatClockTime(failure.resetAt, now)}` : '';
  return `${provider}: ${failure.message}${resets}${next ? ` — trying ${next}` : ''}`;
}

export class TaskStream {
  private readonly now: () => number;
  private readonly json: boolean;
  private seen = 0;
  private readonly steps = new Map<number, StepState>();
  /** How each routed model is paid for, `provider/model` → billing, from the route decisions. */
  private readonly billing = new Map<string, Billing>();
  /** The step whose text stdout shows now. */
  private current: number | undefined;
  private wroteAnswer = false;
  private endsWithNewline = true;
  /** A provider given up on: said once the next one is known, so the line can name it. */
  private movedOn: { provider: string; failure: CallFailure } | undefined;

  constructor(private readonly out: TaskStreamOutput, options: TaskStreamOptions = {}) {
    this.json = options.json === true;
    this.now = options.now ?? Date.now;
  }

  /** The highest `seq` shown so far (0 before any). */
  get lastSeq(): number {
    return this.seen;
  }

  /** How a routed model is paid for, when a route decision named it. */
  billingOf(provider: string, model: string): Billing | undefined {
    return this.billing.get(`${provider}/${model}`);
  }

  /** Show one message. An old or repeated `seq` is dropped; a jump says what was missed. */
  push(m: TaskMessage): void {
    if (m.seq <= this.seen) return;
    if (m.seq > this.seen + 1) this.noteMissed(this.seen + 1, m.seq - 1);
    this.seen = m.seq;
    if (this.json) this.out.stdout(`${JSON.stringify(m)}\n`);
    switch (m.kind) {
      case 'route':
        this.step(m.step).worker ??= m.decision.worker;
        for (const c of m.decision.candidates) this.billing.set(`${c.provider}/${c.model}`, c.billing);
        return;
      case 'confirm':
        this.flushMovedOn(m.plan.provider);
        this.note(formatCallPlan(m.plan, this.billingOf(m.plan.provider, m.plan.model)));
        return;
      case 'call': {
        this.flushMovedOn(m.provider);
        const s = this.step(m.step);
        s.worker = m.worker;
        this.label(m.step);
        if (s.restarts) {
          this.endLine();
          s.text = '';
          s.restarts = false;
          this.note(`(the ${s.worker} answer starts again on ${m.provider})`);
        }
        this.note(`${m.provider} · ${m.model}`);
        return;
      }
      case 'delta': {
        const s = this.step(m.step);
        this.label(m.step);
        s.text += m.text;
        this.answer(m.text);
        return;
      }
      case 'moved-on': {
        this.flushMovedOn(undefined);
        const s = this.step(m.step);
        if (s.text !== '') s.restarts = true;
        this.movedOn = { provider: m.provider, failure: m.failure };
        return;
      }
      case 'warning':
        this.note(`warning: ${m.text}`);
        return;
      case 'note':
        this.note(m.text);
        return;
      case 'step-done':
        this.flushMovedOn(undefined);
        this.endLine();
        return;
    }
  }

  /**
   * The task has ended: say what was still untold (a provider given up on, messages that never
   * came), end the answer's last line, and say what it cost. The failure itself is the caller's
   * to report (it is the command's error line).
   */
  end(result: TaskResult): void {
    this.flushMovedOn(undefined);
    if (result.lastSeq > this.seen) this.noteMissed(this.seen + 1, result.lastSeq);
    this.endLine();
    const cost = this.costLine(result);
    if (cost) this.note(cost);
  }

  /** The task ends with no result (a second Ctrl+C, a lost daemon): end the answer's line, say what was pending. */
  abandon(): void {
    this.flushMovedOn(undefined);
    this.endLine();
  }

  /** The `--json` object: the result, each step with the text that was streamed for it. */
  record(result: TaskResult): TaskRecord {
    // Step numbers only need to be ordered: the n-th step seen is the n-th step of the result.
    const texts = [...this.steps.entries()].sort(([a], [b]) => a - b).map(([, s]) => s.text);
    return {
      taskId: result.taskId,
      session: result.session,
      steps: result.steps.map((s, i) => ({
        worker: s.worker,
        ...(s.provider !== undefined ? { provider: s.provider } : {}),
        ...(s.model !== undefined ? { model: s.model } : {}),
        text: texts[i] ?? '',
        ...(s.usage !== undefined ? { usage: s.usage } : {}),
        ...(s.costMicros !== undefined ? { costMicros: s.costMicros } : {}),
        finish: s.finish,
        ...(s.failure !== undefined ? { failure: s.failure } : {}),
      })),
      costMicros: result.costMicros,
      ...(result.failure !== undefined ? { failure: result.failure } : {}),
    };
  }

  /** `cost: $0.00230`, `cost: free (subscription)`, `cost: $0.0120 + 1 unpriced call`; nothing when no call ran. */
  private costLine(result: TaskResult): string | undefined {
    const ran = result.steps.filter((s) => s.provider !== undefined && s.model !== undefined);
    if (ran.length === 0 && result.costMicros === 0) return undefined;
    const billings = ran.map((s) => this.billingOf(s.provider!, s.model!));
    if (ran.length > 0 && result.costMicros === 0 && billings.every((b) => b !== undefined && FREE.has(b))) {
      return `cost: free (${[...new Set(billings)].sort().join(', ')})`;
    }
    // A metered call with no cost is one whose model has no known price: never a silent $0.
    const unpriced = ran.filter((s, i) => s.costMicros === undefined && !(billings[i] && FREE.has(billings[i]!))).length;
    if (unpriced === 0) return `cost: ${formatMicros(result.costMicros)}`;
    if (result.costMicros === 0) return `cost: unpriced (${plural(unpriced, 'call')} to a model with no known price)`;
    return `cost: ${formatMicros(result.costMicros)} + ${plural(unpriced, 'unpriced call')}`;
  }

  private step(n: number): StepState {
    let s = this.steps.get(n);
    if (!s) this.steps.set(n, (s = { text: '', labelled: false, restarts: false }));
    return s;
  }

  /** The `[worker]` line before a step's first text; a blank line first when an answer came before. */
  private label(n: number): void {
    const s = this.step(n);
    if (this.current !== n) {
      this.endLine();
      this.current = n;
    }
    if (s.labelled || s.worker === undefined) return;
    s.labelled = true;
    if (this.json) return;
    // A blank line between two workers' answers keeps them apart in a file too.
    if (this.wroteAnswer) this.out.stdout('\n');
    this.note(`[${s.worker}]`);
    this.endsWithNewline = true;
  }

  private answer(text: string): void {
    if (this.json || text === '') return;
    this.out.stdout(text);
    this.wroteAnswer = true;
    this.endsWithNewline = text.endsWith('\n');
  }

  /** The answer's line ends before anything that is not more of it. */
  private endLine(): void {
    if (this.json || this.endsWithNewline) return;
    this.out.stdout('\n');
    this.endsWithNewline = true;
  }

  private flushMovedOn(next: string | undefined): void {
    if (!this.movedOn) return;
    const { provider, failure } = this.movedOn;
    this.movedOn = undefined;
    this.note(formatMovedOn(provider, failure, next, this.now()));
  }

  private noteMissed(from: number, to: number): void {
    const n = to - from + 1;
    const which = n === 1 ? `message ${from}` : `messages ${from}–${to}`;
    this.note(`relay: missed ${which} of this task's stream; the answer above may have gaps`);
  }

  private note(line: string): void {
    this.out.stderr(`${line}\n`);
  }
}
