/**
 * The streaming limit detector: finds an agent's limit messages in its raw PTY output and in its
 * rendered screen. Pure — no I/O, no timers; time comes from the injected `now`.
 *
 * Two readers, one set of rules (limitRules.ts) and one guard (limitGuard.ts):
 * - {@link LimitDetector.feed} reads the byte stream as lines. Chunks may split anywhere; an
 *   unfinished escape sequence or surrogate half is held back (terminalText.ts), and the last
 *   unfinished line is carried over (at most {@link MAX_CARRY} chars), so a line is matched once,
 *   when its end arrives. {@link LimitDetector.flush} matches the unfinished line too, for when
 *   output has gone quiet; if that line later grows, the rule it matched is not reported again.
 * - {@link LimitDetector.checkScreen} reads the rows the screen model renders, which is the only
 *   place text that full-screen CLIs (Codex, Claude) draw with cursor moves becomes a line.
 *
 * A message a CLI wraps over two rows (a rule's `wrapsAfter`) is read by both as the two rows
 * joined: a line ending like the first row is held and joined to the next non-empty line.
 *
 * One message, one report: a match is keyed by rule and text (digits and ids folded, so a
 * countdown or attempt counter redrawn in place is the same message). A key reported within the
 * last {@link REPEAT_WINDOW_MS} — by either reader — is not reported again, and each sighting
 * extends the window, so a spinner line redrawn for minutes is one report. On the screen, a
 * message is reported once while it stays visible.
 */
import { contentReason, FenceTracker, fencedRows, isErrorShaped, shapeOf, type LineShape } from './limitGuard.js';
import type { LimitRule, LimitRuleId } from './limitRules.js';
import type { LimitSeverity } from '../protocol/rateLimited.js';
import { parseResetTime } from './resetTime.js';
import { SCREEN_RESET, splitTrailingEscape, toPlainText } from './terminalText.js';

/** One limit message found in an agent's output. */
export interface LimitMatch {
  rule: LimitRuleId;
  severity: LimitSeverity;
  /** The line's text without the CLI's glyphs, trimmed, at most {@link MAX_MATCHED} chars. */
  matched: string;
  /** When the limit lifts, ms since the epoch, if the message says. */
  resetAt?: number;
}

/** Options for {@link LimitDetector}. */
interface LimitDetectorOptions {
  /** The agent kind's rules, in matching order (adapters/registry.ts limitRulesFor). */
  rules: readonly LimitRule[];
  now: () => number;
  /** Zone for times printed without one (Codex prints local time); default: the process's. */
  tz?: string;
  /** Override {@link REPEAT_WINDOW_MS}; 0 reports every sighting. */
  repeatWindowMs?: number;
}

/**
 * Longest unfinished line carried between chunks. Limit messages are a few hundred chars; a longer
 * line without a newline (minified JSON, a progress bar) has its first MAX_CARRY chars checked and
 * the rest skipped until its end, so memory stays bounded and no mid-line text poses as a start.
 */
export const MAX_CARRY = 4096;
/** `matched` is cut to this length: enough to recognise the message, small enough for an event. */
const MAX_MATCHED = 300;
/**
 * The same message again within this window is the same event: Codex prints its final error
 * twice, Claude redraws its retry spinner every frame, and the screen and the stream both see a
 * TUI's message. Longer than a redraw or retry interval, shorter than a real second limit.
 */
export const REPEAT_WINDOW_MS = 10_000;
/** Bound on remembered keys, so a long session of distinct warnings stays small. */
const MAX_KEYS = 256;
/**
 * Every rule's text contains one of these words (a test pins it against the rules). A line with
 * none of them, outside a fence and with no match waiting for its reset line, cannot match: it
 * skips the guard and the rules, which is nearly every line of ordinary output.
 */
export const MAYBE_LIMIT = /limit|429|quota|exhaust|retr|reconnect|busy|credit|many requests/i;
/** Longer than any word MAYBE_LIMIT looks for, so one split across two chunks is still seen. */
const SEAM_CHARS = 32;
/** Fence markers: a line with one may open or close a block and must go through the tracker. */
const FENCE_CHARS = /[`~]/;
/** Text after a run of this many spaces is another column (a TUI's sidebar), not the message. */
const COLUMN_GAP = /\s{6,}/;

interface Hit {
  match: LimitMatch;
  rule: LimitRule;
  body: string;
}

interface Pending {
  hit: Hit;
  linesLeft: number;
}

/** Fold digits and ids so a counter or request id does not make a redraw a new message. */
function keyOf(m: LimitMatch): string {
  const folded = m.matched
    .split(/\s+/)
    .map((word) => (/\d/.test(word) ? '#' : word))
    .join(' ');
  return `${m.rule}\u0000${folded}`;
}

/** A message cut out of a one-line JSON event ends with the event's closing `"}`; drop it. */
function unwrapJsonTail(text: string, line: string): string {
  return line.startsWith('{') ? text.replace(/"\}*\s*$/, '') : text;
}

function matchedText(body: string): string {
  const gap = COLUMN_GAP.exec(body);
  const cut = gap && gap.index > 0 ? body.slice(0, gap.index) : body;
  return cut.trim().slice(0, MAX_MATCHED);
}

/**
 * Finds limit messages in one agent's output. Create one per agent; feed it every output chunk
 * and give it the screen's rows once output settles.
 */
export class LimitDetector {
  private readonly rules: readonly LimitRule[];
  /** The rules whose message a CLI wraps over two rows. */
  private readonly wrapRules: readonly LimitRule[];
  private readonly now: () => number;
  private readonly tz: string | undefined;
  private readonly repeatWindowMs: number;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly fence = new FenceTracker();

  /** An unfinished escape sequence or surrogate half from the previous chunk. */
  private escapeTail = '';
  /** The unfinished line. */
  private partial = '';
  /** The unfinished line outgrew MAX_CARRY: skip to its end. */
  private skipping = false;
  /** Rules already reported for the unfinished line by flush(). */
  private readonly partialReported = new Set<LimitRuleId>();
  /** A match waiting for its reset time on the next lines. */
  private pending: Pending | undefined;
  /** A completed line that ends like a wrapped message's first row: joined to the next line. */
  private wrapHead: string | undefined;
  /** Key to the last time it was seen. */
  private readonly seen = new Map<string, number>();
  /** Keys on the screen at the last checkScreen. */
  private onScreen = new Set<string>();

  constructor(opts: LimitDetectorOptions) {
    // Stall rules describe a screen over time, not a line (spinnerStall.ts).
    this.rules = opts.rules.filter((r) => r.stallAfterMs === undefined);
    this.wrapRules = this.rules.filter((r) => r.wrapsAfter !== undefined);
    this.now = opts.now;
    this.tz = opts.tz;
    this.repeatWindowMs = opts.repeatWindowMs ?? REPEAT_WINDOW_MS;
  }

  /**
   * Take the next chunk of raw PTY output (text, or bytes decoded here as streaming UTF-8) and
   * return the limit messages on the lines it completes.
   */
  feed(chunk: string | Uint8Array): LimitMatch[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const { complete, tail } = splitTrailingEscape(this.escapeTail + text);
    this.escapeTail = tail;
    const out: LimitMatch[] = [];
    const plain = toPlainText(complete);
    if (this.skipQuickly(plain)) return out;
    const pieces = plain.split('\n');
    pieces.forEach((piece, i) => {
      if (i > 0) this.endLine(out);
      this.append(piece, out);
    });
    return out;
  }

  /**
   * The fast path for ordinary output (a build log, a file dump): when no line this chunk
   * completes can contain a limit word — none in the chunk, none in the carried line or across
   * its seam with the chunk — and nothing is waiting (a fence, a reset line, a flushed line), only the new
   * unfinished line is kept. Returns false when the chunk needs the line-by-line path.
   */
  private skipQuickly(plain: string): boolean {
    if (this.pending || this.wrapHead !== undefined || this.fence.isOpen || this.skipping || this.partialReported.size > 0) {
      return false;
    }
    const nl = plain.lastIndexOf('\n');
    const tail = plain.slice(nl + 1);
    if (nl < 0 || tail.length > MAX_CARRY || plain.includes(SCREEN_RESET)) return false;
    // The carried line is completed by this chunk: test all of it, joined to the chunk's start
    // (limit words are short, so a word split at the seam is inside the window).
    const seam = this.partial + plain.slice(0, SEAM_CHARS);
    if (FENCE_CHARS.test(plain) || MAYBE_LIMIT.test(plain) || MAYBE_LIMIT.test(seam)) return false;
    this.partial = tail;
    return true;
  }

  /**
   * Treat output as settled: report a match still waiting for its reset line, and match the
   * unfinished line as if it had ended. When it does end, the rule it matched is not reported
   * again — so a line flushed mid-way through (before its reset clause arrived) is reported
   * without a reset time. Call it only after output has paused, when that is rare.
   */
  flush(): LimitMatch[] {
    const out: LimitMatch[] = [];
    this.releasePending(out);
    if (!this.skipping && this.partial !== '' && this.partial !== SCREEN_RESET) {
      const shape = shapeOf(this.partial);
      if (!this.fence.peek(shape.body)) {
        const hit = this.matchShape(shape) ?? this.matchWrapped(this.wrapHead, this.partial);
        if (hit && !this.partialReported.has(hit.rule.id)) {
          this.partialReported.add(hit.rule.id);
          this.resolveReset(hit, []);
          this.emit(hit.match, out);
        }
      }
    }
    return out;
  }

  /**
   * Match the rendered rows of the terminal screen (top to bottom). Each distinct message is
   * reported once while it stays on screen. Called once output settles, so it first settles the
   * stream ({@link flush}).
   */
  checkScreen(lines: readonly string[]): LimitMatch[] {
    const out = this.flush();
    const plains = lines.map((l) => toPlainText(l).replace(/\n/g, ' '));
    const shapes = plains.map(shapeOf);
    const fenced = fencedRows(shapes.map((s) => s.body));
    const visible = new Set<string>();
    shapes.forEach((shape, i) => {
      if (fenced[i]) return;
      const next = i + 1 < plains.length && !fenced[i + 1] ? plains[i + 1] : undefined;
      const hit = this.matchShape(shape) ?? this.matchWrapped(this.endsWrapped(shape) ? plains[i] : undefined, next);
      if (!hit) return;
      this.resolveReset(hit, shapes.slice(i + 1, i + 1 + (hit.rule.resetLookahead ?? 0)).map((s) => s.body));
      const key = keyOf(hit.match);
      if (visible.has(key)) return;
      visible.add(key);
      if (this.onScreen.has(key)) this.seen.set(key, this.now());
      else this.emit(hit.match, out);
    });
    this.onScreen = visible;
    return out;
  }

  private append(piece: string, out: LimitMatch[]): void {
    if (this.skipping) return;
    this.partial += piece;
    if (this.partial.length > MAX_CARRY) {
      this.partial = this.partial.slice(0, MAX_CARRY);
      this.endLine(out);
      this.skipping = true;
    }
  }

  private endLine(out: LimitMatch[]): void {
    const line = this.partial;
    const wasSkipping = this.skipping;
    this.partial = '';
    this.skipping = false;
    // Copy only when flush() reported something for this line: the common case allocates nothing.
    const reported = this.partialReported.size > 0 ? new Set(this.partialReported) : undefined;
    this.partialReported.clear();
    const head = this.wrapHead;
    this.wrapHead = undefined;
    if (wasSkipping) return;
    if (line === SCREEN_RESET) {
      this.fence.reset();
      return;
    }
    if (!this.pending && head === undefined && !this.fence.isOpen && !MAYBE_LIMIT.test(line) && !FENCE_CHARS.test(line)) return;
    const shape = shapeOf(line);
    if (shape.body.trim() === '') {
      // A cursor move between the two rows of a wrapped message reads as an empty line.
      this.wrapHead = head;
      return;
    }
    this.feedPending(shape.body, out);
    if (this.fence.consume(shape.body)) return;
    const hit = this.matchShape(shape) ?? this.matchWrapped(head, line);
    if (!hit && this.endsWrapped(shape)) this.wrapHead = line;
    if (!hit || reported?.has(hit.rule.id)) return;
    hit.match.resetAt = parseResetTime(hit.body, this.now(), this.tz);
    if (hit.match.resetAt === undefined && hit.rule.resetLookahead) {
      this.releasePending(out);
      this.pending = { hit, linesLeft: hit.rule.resetLookahead };
      return;
    }
    if (hit.match.resetAt === undefined) delete hit.match.resetAt;
    this.emit(hit.match, out);
  }

  /** Offer a following line to the match waiting for its reset time. */
  private feedPending(body: string, out: LimitMatch[]): void {
    if (!this.pending) return;
    const resetAt = parseResetTime(body, this.now(), this.tz);
    if (resetAt !== undefined) this.pending.hit.match.resetAt = resetAt;
    if (resetAt !== undefined || --this.pending.linesLeft <= 0) this.releasePending(out);
  }

  private releasePending(out: LimitMatch[]): void {
    if (!this.pending) return;
    const { match } = this.pending.hit;
    this.pending = undefined;
    if (match.resetAt === undefined) delete match.resetAt;
    this.emit(match, out);
  }

  /** Reset time from the line, else from the lines after it when the rule looks ahead. */
  private resolveReset(hit: Hit, following: readonly string[]): void {
    const now = this.now();
    let resetAt = parseResetTime(hit.body, now, this.tz);
    for (const body of following) {
      if (resetAt !== undefined) break;
      resetAt = parseResetTime(body, now, this.tz);
    }
    if (resetAt !== undefined) hit.match.resetAt = resetAt;
  }

  /** Whether the line ends like the first row of a message some rule knows to be wrapped. */
  private endsWrapped(shape: LineShape): boolean {
    if (this.wrapRules.length === 0) return false;
    const end = shape.body.trimEnd();
    return this.wrapRules.some((r) => r.wrapsAfter!.test(end));
  }

  /** The wrapping rules tried on a first row and the row after it, read as one line. */
  private matchWrapped(head: string | undefined, next: string | undefined): Hit | undefined {
    if (head === undefined || next === undefined) return undefined;
    return this.matchShape(shapeOf(`${head.trimEnd()} ${next.trimStart()}`), this.wrapRules);
  }

  /** The first rule whose shape and guard accept the line. */
  private matchShape(shape: LineShape, rules: readonly LimitRule[] = this.rules): Hit | undefined {
    const drawn = shape.body.trim();
    if (drawn === '') return undefined;
    const afterPrompt = shape.afterPrompt.trim();
    for (const rule of rules) {
      // A CLI's own sentence may follow a prompt on its row; anything else is read as drawn.
      const body = rule.guard === 'exact' ? afterPrompt : drawn;
      const m = rule.line.exec(body);
      if (!m) continue;
      if (!this.guardAccepts(rule, shape, body)) continue;
      const severity = rule.warnWhen?.test(body) ? 'warning' : rule.severity;
      const msg = m.groups?.msg;
      const text = msg === undefined ? body : unwrapJsonTail(body.slice(m.index + m[0].length - msg.length), body);
      return { rule, body, match: { rule: rule.id, severity, matched: matchedText(text) } };
    }
    return undefined;
  }

  private guardAccepts(rule: LimitRule, shape: LineShape, body: string): boolean {
    switch (rule.guard) {
      case 'exact':
        return true;
      case 'content':
        return contentReason(body, rule.marker ?? rule.line) === undefined;
      case 'errorLine':
        // Framed or code-block-indented lines are tool output; the error shape is the CLI's voice.
        if (shape.framed || shape.indent >= 4 || !isErrorShaped(body)) return false;
        return contentReason(body, rule.marker ?? rule.line) === undefined;
    }
  }

  /** Report unless the same message was seen within the repeat window; either way, note it. */
  private emit(match: LimitMatch, out: LimitMatch[]): void {
    const key = keyOf(match);
    const now = this.now();
    const last = this.seen.get(key);
    this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > MAX_KEYS) this.seen.delete(this.seen.keys().next().value!);
    if (last !== undefined && now - last < this.repeatWindowMs) return;
    out.push(match);
  }
}
