/**
 * The stall detector: a CLI whose busy line ("⠧ Thinking... (esc to cancel, 21s)") keeps its
 * timer running while nothing else on its screen changes is waiting on a model that does not
 * answer. Gemini CLI behind its model router retries a 429 on the router's classifier for
 * minutes and shows nothing but that line (issue 8: 65 failed requests, "Thinking... 7m 33s",
 * no hook fired); this turns the picture into an early warning.
 *
 * "Stalled" is defined strictly, so a CLI that is genuinely busy is never cut off:
 * - the busy line is on screen and matches a stall rule (for Gemini, only the bare
 *   "Thinking..." phrase: a thought summary, a tool's phrase or an interactive shell replace it);
 * - its timer has advanced by the rule's bound (the CLI itself is alive and counting), and the
 *   injected clock agrees (a screen that was not redrawn proves nothing);
 * - every other row is exactly as it was when the wait began: streamed text, a tool's output, a
 *   dialog, the user typing — any change starts the wait over, and so does a timer that went
 *   backwards (a new turn).
 * One report per wait. Pure: rows and time come from the caller (ptyAgent.ts, on its Clock).
 */
import type { LimitMatch } from './limitDetector.js';
import type { LimitRule } from './limitRules.js';
import { toPlainText } from './terminalText.js';

/** The CLI's elapsed timer, `1h 2m 3s` / `1m 11s` / `21s`, in seconds; undefined if not one. */
export function elapsedSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)h\s*)?(?:(\d+)m\s*)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

interface Wait {
  rule: LimitRule;
  /** Every row but the busy one, as one string. */
  rest: string;
  /** The busy row's index, so a busy line that moved is a change too. */
  row: number;
  /** Clock time and the CLI's timer when this picture was first seen. */
  since: number;
  firstElapsed: number;
  reported: boolean;
}

/** Watches one agent's screen for a stalled busy line. */
export class SpinnerStall {
  private readonly rules: readonly LimitRule[];
  private wait: Wait | undefined;

  /** `rules`: the kind's stall rules (those with `stallAfterMs`); others are ignored. */
  constructor(rules: readonly LimitRule[]) {
    this.rules = rules.filter((r) => r.stallAfterMs !== undefined);
  }

  /** Whether there is anything to watch for this kind. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * Look at the screen's rows at `now` (ms). Returns the warning once, when the current wait has
   * lasted its rule's bound by both the CLI's timer and the clock.
   */
  check(rows: readonly string[], now: number): LimitMatch | undefined {
    const plain = rows.map((r) => toPlainText(r).replace(/\n/g, ' '));
    const found = this.busyRow(plain);
    if (!found) {
      this.wait = undefined;
      return undefined;
    }
    const { rule, row, elapsed, text } = found;
    const rest = plain.filter((_, i) => i !== row).join('\n');
    const w = this.wait;
    if (!w || w.rule !== rule || w.row !== row || w.rest !== rest || elapsed < w.firstElapsed) {
      this.wait = { rule, rest, row, since: now, firstElapsed: elapsed, reported: false };
      return undefined;
    }
    const bound = rule.stallAfterMs!;
    const waitedMs = Math.min(now - w.since, (elapsed - w.firstElapsed) * 1000);
    if (w.reported || waitedMs < bound) return undefined;
    w.reported = true;
    return {
      rule: rule.id,
      severity: rule.severity,
      matched: `${text} with nothing else on screen changing for ${Math.round(waitedMs / 1000)} s`,
    };
  }

  private busyRow(plain: readonly string[]): { rule: LimitRule; row: number; elapsed: number; text: string } | undefined {
    for (let row = plain.length - 1; row >= 0; row--) {
      const line = plain[row]!;
      if (!line.includes('(')) continue;
      for (const rule of this.rules) {
        const m = rule.line.exec(line);
        const elapsed = m?.groups?.elapsed === undefined ? undefined : elapsedSeconds(m.groups.elapsed);
        if (m && elapsed !== undefined) return { rule, row, elapsed, text: m[0].trim().slice(0, 200) };
      }
    }
    return undefined;
  }
}
