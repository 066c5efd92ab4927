/**
 * The guard against false positives: does a line that mentions a limit come from the CLI, or is
 * the agent merely showing it as content (a diff, a file, grep output, a test name, prose)?
 *
 * Why it is shaped this way. A CLI reports its own failure in a handful of fixed places and
 * forms: at the start of a line, after its own UI glyph (`⎿`, `●`, `■`, a box border), as a fixed
 * sentence (`You've hit your session limit · resets …`) or an error line (`Error: …`,
 * `ERROR: …`, `API Error: …`, an exception head `RateLimitError: …`, possibly followed by the
 * API's JSON error body). Content shows the same words anywhere else: after a diff's `+`/`-`,
 * after grep's `file:line:`, inside quotes or code, in a test's name, in a markdown list or a
 * fenced block. So:
 *
 * - Per-agent sentences (guard `exact`) must start the line's body (after glyphs). Content that
 *   reproduces a CLI's exact sentence at a line start is indistinguishable from it — this is the
 *   guard's known limit, and why hooks stay the primary source where a CLI has them.
 * - Generic markers (guard `errorLine`) need an error-shaped line AND must not look like content
 *   by any check below; precision matters more than recall for them, since the per-agent rules
 *   carry the real messages.
 * - Every rule is silenced inside a fenced code block.
 *
 * Each check names the reason it exists; {@link contentReason} returns the first that fires.
 */

/** Leading UI glyphs the CLIs draw before their own lines (spinners, bullets, frames, arrows). */
const LEADING_GLYPHS = /^[\s\u00a0\ufe0f⎿●⏺■▪◼✻✽✶✳✢✦│┃║╎┆╹▌▎⚠❯›└├╰╭ℹ·⏵]+/u;
/**
 * Glyphs that introduce someone else's text: Claude's `⎿` and Codex's `└` lead tool results, and
 * Gemini (`│`) and OpenCode (`┃`) frame tool output in boxes and panels. The CLIs' own limit
 * sentences there are caught by exact rules; a generic marker there is a tool's output.
 */
const FRAME_GLYPHS = /[⎿└│┃║╎┆]/u;
/** Trailing box borders and padding (a Gemini box row ends in `│`). */
const TRAILING_FRAME = new Set([' ', '\t', '\u00a0', '│', '┃', '║']);

/** `line` without trailing frame characters; a loop, because `/[…]+$/` is quadratic on wide rows. */
function trimTrailingFrame(line: string): string {
  let end = line.length;
  while (end > 0 && TRAILING_FRAME.has(line[end - 1]!)) end--;
  return line.slice(0, end);
}

/**
 * Input the terminal echoed at the start of a line, in caret notation (`stty echoctl`): `^@`
 * (NUL), `^C`, `^[` alone or with the rest of an escape sequence (`^[[A` for an arrow key,
 * `^[[200~` for a paste, `^[OP` for F1). A key pressed while a CLI prints lands before its next
 * line; it is never content, so every rule reads the line without it. (Raw C0 bytes are dropped
 * before this, by terminalText.ts, and xterm draws none.)
 */
const CARET_ECHO = /\^(?:\[(?:\[[0-9;?]*[ -/]*[@-~]|O[A-DF-HP-S])?|[@A-Z\\\]^_?])/;
/** Leading glyphs and caret echoes in any mix (`● ^@`, `^@ ›`); a prefix of the body. */
const ECHO_LEAD = new RegExp(`^(?:${CARET_ECHO.source}|${LEADING_GLYPHS.source.slice(1, -1)})+`, 'u');
/**
 * A shell or REPL prompt the CLI's line can follow on the same row (`> `, `$ `, `» `, `% `): the
 * prompt was drawn, then the message. Only the CLIs' own sentences (`exact` rules) read past it:
 * `> ` also starts a markdown quote, and a generic marker there stays content.
 */
const PROMPT_LEAD = new RegExp(`^(?:[>$%»][\\s\\u00a0]+|${CARET_ECHO.source}|${LEADING_GLYPHS.source.slice(1, -1)})+`, 'u');

/** A line, split into what the CLI drew around it and what it says. */
export interface LineShape {
  /** The text after leading glyphs and echoed input and before trailing borders. */
  body: string;
  /** {@link body} after a prompt glyph too (`> `, `$ `), for the CLIs' exact sentences. */
  afterPrompt: string;
  /** Led by a tool-result glyph or a frame border. */
  framed: boolean;
  /** Leading spaces when no glyph leads the line (a glyph means the indent is the CLI's). */
  indent: number;
}

/** Separate a line's leading glyphs and trailing borders from its body. */
export function shapeOf(line: string): LineShape {
  const lead = LEADING_GLYPHS.exec(line)?.[0] ?? '';
  const rest = line.slice(lead.length);
  // The common case (no caret at the start) skips the two extra patterns.
  const echo = rest.startsWith('^') ? (ECHO_LEAD.exec(rest)?.[0] ?? '') : '';
  const body = trimTrailingFrame(rest.slice(echo.length));
  const prompt = /^[>$%»^]/.test(body) ? (PROMPT_LEAD.exec(body)?.[0] ?? '') : '';
  const glyphs = (lead + echo).replace(/[\s\u00a0]/g, '').replace(new RegExp(CARET_ECHO.source, 'g'), '');
  return {
    body,
    afterPrompt: body.slice(prompt.length),
    framed: FRAME_GLYPHS.test(glyphs),
    indent: glyphs === '' && echo === '' ? lead.length : 0,
  };
}

/** One pattern matching any of `parts`, each written (and anchored) as a whole alternative. */
function anyOf(parts: readonly RegExp[], flags = ''): RegExp {
  return new RegExp(parts.map((p) => `(?:${p.source})`).join('|'), flags);
}

/** A word list as an alternation: `words('a b')` is `(?:a|b)`. */
function words(list: string): string {
  return `(?:${list.trim().split(/\s+/).join('|')})`;
}

/** Error-shaped line starts: how CLIs and SDKs begin a line that reports their own failure. */
const ERROR_HEAD = anyOf([
  // `Error:`, `ERROR:`, `error:`, `error[E0412]:`, `API Error:`
  /^(?:API\s+)?(?:Error|ERROR|error)(?:\[[\w-]+\])?\s*:/,
  // Log levels and fatal errors: `ERROR exceeded…`, `FATAL`, `fatal:`, `[error]`
  /^(?:ERROR|FATAL)\b|^(?:Fatal(?: error)?|fatal):|^\[(?:ERROR|Error|error|FATAL)\]/,
  // Gemini's `Error when talking to Gemini API …`, `Error generating content via API.`
  /^Error (?:when|while|during|from|calling|generating|code|response)\b/,
  // An exception head: `RateLimitError: …`, `openai.RateLimitError: …`, `APIError [429]: …`
  /^(?:[\w$]+\.)*[A-Z][\w$]*(?:Error|Exception)(?:\s*\[[\w-]+\])?:/,
  // Any class qualified by its module: `google.api_core.exceptions.ResourceExhausted: …`
  /^(?:[a-z_][\w$]*\.)+[A-Z][\w$]*:/,
]);
/**
 * An API error body embedded after an error head (`Error: 429 {"type":"error",…}`,
 * `litellm.RateLimitError: AnthropicException - {"type":"error",…}`): there, quotes around a
 * marker are how JSON spells it.
 *
 * A JSON error object alone at the start of a line does NOT make a line error-shaped: that is what
 * `curl`, `cat` and `jq -c` print when an agent inspects an API, and the real CLIs' own JSON
 * events (Claude stream-json, Codex --json, OpenCode --format json) are matched by their
 * per-agent rules instead.
 */
const EMBEDDED_JSON_ERROR = /\{\s*"(?:type"\s*:\s*"error"|error"\s*:\s*\{)/;

/** Is the body shaped like an error report (the precondition for generic markers)? */
export function isErrorShaped(body: string): boolean {
  return ERROR_HEAD.test(body);
}

interface LineCheck {
  id: string;
  pattern: RegExp;
}

/** Checks on the whole line. Order is irrelevant; the first that fires names the reason. */
const LINE_CHECKS: readonly LineCheck[] = [
  // Unified and side-by-side diffs prefix changed lines with +/- (Claude and Codex show the line
  // number first), and hunk headers and git's own lines frame them.
  { id: 'diff', pattern: /^(?:\d+\s*)?[+\-]|^@@|^diff --git |^index [0-9a-f]{7,}\.\./ },
  // grep and compilers print `path:line:` (`-line-` for context, `(line,col)` for tsc); a path
  // with a directory before a colon is a file listing.
  {
    id: 'location',
    pattern: anyOf([
      /^(?:[\w.@~+-]*\/)*[\w.@+-]+\.[A-Za-z0-9]{1,8}(?::\d+(?::\d+)?(?:[:\s]|$)|-\d+-|\(\d+,\d+\))/,
      /^(?:\.{0,2}\/)?(?:[\w.@+-]+\/)+[\w.@+-]+:/,
    ]),
  },
  // A test's name describes the behaviour under a limit, not a limit: runner marks and verdicts
  // (node, jest/vitest, pytest, go test, cargo test, TAP), `… ... ok` lines and pytest node ids.
  {
    id: 'test-report',
    pattern: anyOf([
      /^[✓✔✗✘×✕√✅❌]/,
      new RegExp(`^${words('PASS PASSED FAIL FAILED ok SKIP SKIPPED XFAIL XPASS')}\\b|^not ok\\b`),
      /^---\s*(?:FAIL|PASS)|^===\s*RUN|^\[\s*(?:PASS|FAIL|OK|RUN|SKIP)\s*\]|^#\s*Subtest/,
      /^test\s+\S+\s+\.\.\.|\s\.\.\.\s*(?:ok|FAILED|FAIL|ERROR|passed|failed|PASSED|ignored)\s*$/,
      /\S::\w*[Tt]est\w*/,
    ]),
  },
  // CLIs do not print their own errors as headings, block quotes, list items or table rows;
  // models writing explanations do (and Gemini's `* Quota exceeded for metric` detail bullet).
  { id: 'markdown', pattern: /^(?:#{1,6}\s|>\s?|[-*+]\s|\d+[.)]\s|\|)/ },
  // A stack frame names code, not an event.
  { id: 'stack-frame', pattern: /^at\s+\S/ },
  // Comments and statements: source code shown by cat, an editor or a diff view.
  {
    id: 'code-line',
    pattern: anyOf([
      /^(?:\/\/|\/\*|\*\s|#\s|--\s|;;)/,
      new RegExp(
        `^${words(`import export from const let var function class def async await return throw raise
          if elif else for while switch case try catch except finally assert expect describe it test
          interface type enum struct impl fn pub package public private protected static new`)}\\b[\\s(]`,
      ),
    ]),
  },
  // Operators and logging calls mean a code expression, whatever its first word.
  { id: 'code-expression', pattern: /===?|!==?|=>|&&|\|\||\bconsole\.|\blogger\.|\bprint\(|\blog\.\w+\(/ },
  // Compiler and runtime diagnostics about a symbol that happens to be named like a marker.
  {
    id: 'symbol-diagnostic',
    pattern: anyOf([
      /\b(?:is not (?:defined|a function|a constructor)|Cannot find (?:name|module)|has no (?:exported )?member)\b/,
      /\b(?:not exported|undefined (?:name|variable|reference)|unresolved (?:import|reference))\b/,
      /\b(?:NameError|ImportError|ModuleNotFoundError|AttributeError|SyntaxError|ReferenceError|TypeError)\b/,
    ]),
  },
  // A failed assertion quotes the values it compared (`expected 'rate_limit_error' to equal …`).
  {
    id: 'assertion',
    pattern: /\b(?:AssertionError|assert(?:ion)?|expected|to (?:be|equal)|toBe|toEqual|toThrow|snapshot)\b/i,
  },
];

/** Checks on one occurrence of the marker within the line. */
function occurrenceReason(body: string, index: number, length: number): string | undefined {
  const before = body.slice(0, index);
  const after = body.slice(index + length);
  // A quoted marker is a string literal: code, a JSON value, a quoted log line. Inside an API
  // error body printed after an error head, quotes are how JSON spells it, so they are allowed.
  if (!EMBEDDED_JSON_ERROR.test(body) && (/["'`]$/.test(before) || /^["'`]/.test(after))) return 'quoted';
  // The marker used as an identifier: constructed, thrown, caught, imported, called, accessed.
  if (/(?:\bnew|\binstanceof|\bextends|\bexcept|\braise|\bthrow|\bimport|\bfrom|\bcatch|\bclass|\btypeof|isinstance\()\s*\(?\s*$/.test(before)) return 'identifier';
  if (/^(?:\(|\.\w|::)|^\s*(?:;|=[^=])/.test(after)) return 'identifier';
  // Part of a path or file name (`src/rate_limit.py`, `…/rate-limits`): a file, not an event.
  // An HTTP version (`HTTP/1.1 429`) has a slash but is a status line, not a path.
  const token = `${/\S*$/.exec(before)?.[0] ?? ''}${body.slice(index, index + length)}${/^\S*/.exec(after)?.[0] ?? ''}`
    .replace(/^\(+|[.,;:)\]]+$/g, '')
    .replace(/HTTPS?\/[\d.]+/gi, '');
  if (/[\/\\]/.test(token) || /\w\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(token)) return 'path';
  return undefined;
}

/**
 * Why a line that contains `marker` looks like content, or `undefined` when at least one
 * occurrence of the marker passes every check. `marker` must not carry the `g` flag.
 */
export function contentReason(body: string, marker: RegExp): string | undefined {
  for (const check of LINE_CHECKS) if (check.pattern.test(body)) return check.id;
  const all = new RegExp(marker.source, marker.flags.includes('g') ? marker.flags : `${marker.flags}g`);
  let first: string | undefined;
  for (const m of body.matchAll(all)) {
    const reason = occurrenceReason(body, m.index, m[0].length);
    if (reason === undefined) return undefined;
    first ??= reason;
  }
  return first ?? 'no-marker';
}

/** A fence line: three or more backticks or tildes, optionally with an info string. */
const FENCE_OPEN = /^(`{3,}|~{3,})/;
const FENCE_CLOSE = /^(`{3,}|~{3,})\s*$/;

/**
 * Lines after an opening fence this many lines ago are no longer treated as fenced. A stream can
 * show an opening fence without its close (`head` of a markdown file); without a bound, that one
 * line would blind the detector for the rest of the session.
 */
export const FENCE_MAX_LINES = 200;

/** Markdown code-fence state across a stream of line bodies. */
export class FenceTracker {
  private open: string | undefined;
  private inside = 0;

  /** Whether `body` is a fence line or inside a fenced block, advancing the state. */
  consume(body: string): boolean {
    const trimmed = body.trim();
    if (this.open !== undefined) {
      const close = FENCE_CLOSE.exec(trimmed);
      if (close && close[1]![0] === this.open[0] && close[1]!.length >= this.open.length) {
        this.open = undefined;
        return true;
      }
      if (++this.inside <= FENCE_MAX_LINES) return true;
      this.open = undefined;
    }
    const open = FENCE_OPEN.exec(trimmed);
    if (open) {
      this.open = open[1]!;
      this.inside = 0;
      return true;
    }
    return false;
  }

  /** Whether a fenced block is open (every line counts towards its bound). */
  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Whether `body` would be fenced, without advancing (for a line that is not finished yet). */
  peek(body: string): boolean {
    const trimmed = body.trim();
    if (FENCE_OPEN.test(trimmed)) return true;
    return this.open !== undefined && this.inside < FENCE_MAX_LINES;
  }

  /** The screen was cleared: nothing above is on it any more. */
  reset(): void {
    this.open = undefined;
    this.inside = 0;
  }
}

/**
 * Which of a screen's rows are fenced, pairing fences over the whole screen (unlike a stream,
 * the screen is seen at once). A last unpaired bare fence closes a block that began above the
 * top row, so the rows above it are fenced; one with an info string (```ts) opens a block that
 * runs past the bottom.
 */
export function fencedRows(bodies: readonly string[]): boolean[] {
  const fenced = bodies.map(() => false);
  const fences: number[] = [];
  bodies.forEach((b, i) => {
    if (FENCE_OPEN.test(b.trim())) fences.push(i);
  });
  const isClose = (row: number): boolean => FENCE_CLOSE.test(bodies[row]!.trim());
  const mark = (from: number, to: number): void => {
    for (let i = from; i <= to; i++) fenced[i] = true;
  };
  let k = 0;
  while (k < fences.length) {
    const start = fences[k]!;
    let close = k + 1;
    while (close < fences.length && !isClose(fences[close]!)) close++;
    if (close < fences.length) {
      mark(start, fences[close]!);
      k = close + 1;
      continue;
    }
    if (k === 0 && isClose(start)) mark(0, start);
    else mark(start, bodies.length - 1);
    break;
  }
  return fenced;
}
