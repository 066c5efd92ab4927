/**
 * The streaming limit detector against the real CLIs' output (test/fixtures/limit-corpus, copied
 * from ../shared/agent-samples) and a false-positive corpus of normal agent output.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import xterm from '@xterm/headless';
import fc from 'fast-check';
import { FENCE_MAX_LINES } from '../../src/limits/limitGuard.js';
import { LimitDetector, MAX_CARRY, MAYBE_LIMIT, REPEAT_WINDOW_MS, type LimitMatch } from '../../src/limits/limitDetector.js';
import { ALL_LIMIT_RULES as LIMIT_RULES, limitRulesFor, type AgentKind } from '../../src/adapters/registry.js';

const { Terminal } = xterm;
const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'limit-corpus');
const KINDS: readonly AgentKind[] = ['claude', 'codex', 'gemini', 'opencode', 'cli'];
const NOW = Date.parse('2026-11-21T10:00:00Z');

interface Expected {
  rule: string;
  severity: 'limit' | 'warning';
  resetAt?: string;
}

interface PositiveCase {
  name: string;
  text: string;
  source: string;
  kind: AgentKind;
  mode: 'stream' | 'screen';
  now: string;
  tz: string;
  expect: Expected[];
  /** The folders it sits in: `positive/<dirKind>/<version>/`. */
  dirKind: string;
  version: string;
}

/**
 * The positive corpus is `positive/<kind>/<version>/<case>.{json,txt}`: each CLI's output next
 * to the version it was seen in (`synthetic` for text written from a description, not recorded),
 * so a CLI that changes its wording gets a new folder beside the old one.
 */
function loadPositives(): PositiveCase[] {
  const root = join(CORPUS, 'positive');
  const cases: PositiveCase[] = [];
  for (const kind of readdirSync(root).sort()) {
    for (const version of readdirSync(join(root, kind)).sort()) {
      const dir = join(root, kind, version);
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
        const name = f.slice(0, -'.json'.length);
        const side = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<PositiveCase, 'name' | 'text' | 'dirKind' | 'version'>;
        cases.push({ ...side, name, dirKind: kind, version, text: readFileSync(join(dir, `${name}.txt`), 'utf8') });
      }
    }
  }
  return cases;
}

function loadNegatives(): { name: string; text: string }[] {
  const dir = join(CORPUS, 'negative');
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

const positives = loadPositives();
const streamCases = positives.filter((c) => c.mode === 'stream');
const screenCases = positives.filter((c) => c.mode === 'screen');

function detector(c: Pick<PositiveCase, 'kind' | 'now' | 'tz'>, now = () => Date.parse(c.now)): LimitDetector {
  return new LimitDetector({ rules: limitRulesFor(c.kind), now, tz: c.tz });
}

/** What a test compares: rule, severity and reset time as ISO text. */
function summary(ms: readonly LimitMatch[]): Expected[] {
  return ms.map((m) => ({
    rule: m.rule,
    severity: m.severity,
    ...(m.resetAt !== undefined ? { resetAt: new Date(m.resetAt).toISOString() } : {}),
  }));
}

/** Feed the chunks in order and settle the stream, collecting every match. */
function feedAll(d: LimitDetector, chunks: readonly (string | Uint8Array)[]): LimitMatch[] {
  return [...chunks.flatMap((c) => d.feed(c)), ...d.flush()];
}

/** Wrap each line the way colouring CLIs do: SGR around text, an OSC title, cursor hide/show. */
function colourise(text: string): string {
  const lines = text.split('\n').map((l, i) => (l === '' ? l : `\x1b[${31 + (i % 6)}m\x1b[1m${l}\x1b[0m`));
  return `\x1b]0;agent\x07\x1b[?25l${lines.join('\r\n')}\x1b[?25h`;
}

/** Render terminal output with the same screen model the agent actor uses, and read its rows. */
async function render(data: string, cols = 200, rows = 40): Promise<string[]> {
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(data, resolve));
  const buf = term.buffer.active;
  const out: string[] = [];
  for (let y = 0; y < term.rows; y++) out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
  term.dispose();
  return out;
}

describe('positive corpus (real CLI output)', () => {
  it('has a case for every CLI and both readers', () => {
    for (const kind of ['claude', 'codex', 'gemini', 'opencode'] as const) {
      assert.ok(streamCases.some((c) => c.kind === kind), `stream case for ${kind}`);
      assert.ok(screenCases.some((c) => c.kind === kind), `screen case for ${kind}`);
    }
  });

  it('keeps every case under positive/<kind>/<version>/, the version a CLI version or `synthetic`', () => {
    for (const c of positives) {
      assert.equal(c.dirKind, c.kind, `${c.name}: in the folder of its kind`);
      assert.match(c.version, /^(?:\d+\.\d+\.\d+(?:[-+][\w.]+)?|synthetic)$/, `${c.name}: version folder`);
    }
  });

  it('has at least one positive case for every limit rule', () => {
    const covered = new Set(positives.flatMap((c) => c.expect.map((e) => e.rule)));
    // Stall rules have their recorded screens in test/unit/spinnerStall.test.ts.
    const lineRules = LIMIT_RULES.filter((r) => r.stallAfterMs === undefined);
    const missing = lineRules.map((r) => r.id).filter((id) => !covered.has(id));
    assert.deepEqual(missing, [], 'rules with no positive fixture');
  });

  for (const c of streamCases) {
    it(`${c.name}: found once with rule, severity and reset (${c.source})`, () => {
      assert.deepEqual(summary(feedAll(detector(c), [c.text])), c.expect);
    });
  }

  for (const c of screenCases) {
    it(`${c.name}: found once on the screen rows (${c.source})`, () => {
      assert.deepEqual(summary(detector(c).checkScreen(c.text.split('\n'))), c.expect);
    });
    it(`${c.name}: found the same way in the stream`, () => {
      assert.deepEqual(summary(feedAll(detector(c), [c.text.replace(/\n/g, '\r\n')])), c.expect);
    });
  }
});

describe('chunk boundaries', () => {
  for (const c of positives) {
    it(`${c.name}: found once wherever one chunk boundary falls`, () => {
      for (let i = 0; i <= c.text.length; i++) {
        const got = summary(feedAll(detector(c), [c.text.slice(0, i), c.text.slice(i)]));
        assert.deepEqual(got, c.expect, `split at ${i}`);
      }
    });
  }

  for (const c of streamCases) {
    it(`${c.name}: found once with colour codes, split at every offset (inside escapes too)`, () => {
      const coloured = colourise(c.text);
      for (let i = 0; i <= coloured.length; i++) {
        const got = summary(feedAll(detector(c), [coloured.slice(0, i), coloured.slice(i)]));
        assert.deepEqual(got, c.expect, `split at ${i}: ${JSON.stringify(coloured.slice(Math.max(0, i - 8), i + 8))}`);
      }
    });
  }

  it('multi-byte characters split at every byte offset (Uint8Array chunks)', () => {
    const picked = streamCases.filter((c) => /[^\x00-\x7f]/.test(c.text) && c.text.length < 3000);
    assert.ok(picked.length >= 3);
    for (const c of picked) {
      const bytes = new TextEncoder().encode(colourise(c.text));
      for (let i = 0; i <= bytes.length; i++) {
        const got = summary(feedAll(detector(c), [bytes.subarray(0, i), bytes.subarray(i)]));
        assert.deepEqual(got, c.expect, `${c.name} split at byte ${i}`);
      }
    }
  });

  it('a surrogate pair split between string chunks is rejoined', () => {
    const text = 'Error: 🚦 429 Too Many Requests\n';
    const at = text.indexOf('🚦') + 1;
    const d = new LimitDetector({ rules: limitRulesFor('cli'), now: () => NOW });
    const got = feedAll(d, [text.slice(0, at), text.slice(at)]);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.matched, 'Error: 🚦 429 Too Many Requests');
  });

  it('found once however the stream is cut into many chunks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...streamCases),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (c, cuts, coloured) => {
          const text = coloured ? colourise(c.text) : c.text;
          const points = [...new Set(cuts.map((n) => n % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const p of points) {
            chunks.push(text.slice(from, p));
            from = p;
          }
          chunks.push(text.slice(from));
          assert.deepEqual(summary(feedAll(detector(c), chunks)), c.expect);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('negative corpus (normal agent output)', () => {
  const negatives = loadNegatives();

  it('holds at least 300 lines of realistic output', () => {
    const lines = negatives.reduce((n, f) => n + f.text.split('\n').length, 0);
    assert.ok(lines >= 300, `${lines} lines`);
  });

  for (const f of negatives) {
    it(`${f.name}: no match for any agent kind, as a stream or as screen rows`, () => {
      for (const kind of KINDS) {
        const stream = feedAll(new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' }), [f.text]);
        assert.deepEqual(stream, [], `${kind} stream`);
        const byLine = feedAll(new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' }), f.text.split(/(?<=\n)/));
        assert.deepEqual(byLine, [], `${kind} line chunks`);
        const screen = new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' }).checkScreen(f.text.split('\n'));
        assert.deepEqual(screen, [], `${kind} screen`);
      }
    });
  }

  // The examples named in the issue, one by one, with the reason each must stay silent.
  const contentLines: [string, string][] = [
    ['+  throw new RateLimitError()', 'a diff adding code'],
    ['-    if status == 429:', 'a diff removing code'],
    ['  "type": "rate_limit_error",', 'a JSON dump'],
    ['{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}', 'an API body printed by curl/cat'],
    ['✓ handles HTTP 429 gracefully', 'a test name'],
    ['test_rate_limit_exceeded ... ok', 'a test verdict'],
    ['src/api.ts:42: // 429 Too Many Requests', 'grep output'],
    ['When you get a 429 Too Many Requests, back off', 'prose'],
    ['ReferenceError: RateLimitError is not defined', 'a missing symbol, not a limit'],
    ["Error: expected 'rate_limit_error' to equal 'overloaded_error'", 'an assertion'],
    ['Error: cannot open src/rate_limit_exceeded.json', 'a file name'],
    ['    Error: 429 Too Many Requests', 'an indented code block'],
    ['  ⎿  Error: 429 Too Many Requests', "Claude's tool output"],
    ['API Error: 529 Overloaded. This is a server-side issue, usually temporary', 'overload is not a limit'],
    ['Error: HTTP/1.1 500 Internal Server Error', 'no limit marker'],
  ];
  for (const [line, why] of contentLines) {
    it(`silent on ${why}: ${line}`, () => {
      for (const kind of KINDS) assert.deepEqual(feedAll(new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW }), [`${line}\n`]), [], kind);
    });
  }

  it('fires on the same markers in an error line (the guard is not simply deaf)', () => {
    const d = new LimitDetector({ rules: limitRulesFor('cli'), now: () => NOW });
    const got = feedAll(d, ['Error: 429 Too Many Requests\n', 'RateLimitError: rate_limit_exceeded for org\n']);
    assert.deepEqual(summary(got), [
      { rule: 'generic.http_429', severity: 'limit' },
      { rule: 'generic.rate_limit_exceeded', severity: 'limit' },
    ]);
  });
});

describe('decisions on ambiguous messages', () => {
  it('"Server is temporarily limiting requests (not your usage limit)" is a warning, never a limit', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW });
    const got = feedAll(d, ['API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited\n']);
    assert.deepEqual(summary(got), [{ rule: 'claude.server_limiting', severity: 'warning' }]);
  });

  it('a usage notice before the limit is not a limit', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW });
    assert.deepEqual(feedAll(d, ["You've used 90% of your weekly limit · resets Nov 24, 11am (UTC)\n"]), []);
  });

  it("Codex's Reconnecting for a 503 is not a warning; for a 429 it is", () => {
    const d = new LimitDetector({ rules: limitRulesFor('codex'), now: () => NOW });
    const got = feedAll(d, [
      '{"type":"error","message":"Reconnecting... 1/5 (unexpected status 503 Service Unavailable: overloaded)"}\n',
      '{"type":"error","message":"Reconnecting... 1/5 (exceeded retry limit, last status: 429 Too Many Requests)"}\n',
    ]);
    assert.deepEqual(summary(got), [{ rule: 'codex.reconnecting', severity: 'warning' }]);
  });

  it('a generic error line that says it is retrying is a warning', () => {
    const d = new LimitDetector({ rules: limitRulesFor('cli'), now: () => NOW });
    assert.deepEqual(summary(feedAll(d, ['Error: 429 Too Many Requests, retrying in 4s\n'])), [
      { rule: 'generic.http_429', severity: 'warning', resetAt: '2026-11-21T10:00:04.000Z' },
    ]);
  });

  it('per-agent sentences apply to their own kind and to cli, not to other kinds', () => {
    const line = 'ERROR: You’ve hit your usage limit. Try again at 10:59 AM.\n';
    for (const kind of KINDS) {
      const got = feedAll(new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' }), [line]);
      assert.equal(got.length, kind === 'codex' || kind === 'cli' ? 1 : 0, kind);
    }
  });
});

describe('streaming', () => {
  const LIMIT = "You've hit your session limit · resets 10:57am (UTC)";

  it('a line is reported when it ends, not before', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW });
    assert.deepEqual(d.feed(LIMIT), []);
    assert.equal(d.feed('\r\n').length, 1);
  });

  it('flush reports an unfinished line once; its later end does not report it again', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, repeatWindowMs: 0 });
    assert.deepEqual(d.feed(`${LIMIT.slice(0, 20)}`), []);
    assert.deepEqual(d.flush(), [], 'not yet a limit sentence');
    d.feed(LIMIT.slice(20));
    assert.deepEqual(summary(d.flush()), [
      { rule: 'claude.usage_limit', severity: 'limit', resetAt: '2026-11-21T10:57:00.000Z' },
    ]);
    assert.deepEqual(d.feed('\n'), []);
    assert.equal(d.feed(`${LIMIT}\n`).length, 1, 'the next line is new');
  });

  it('the same message again within the repeat window is one report; after it, a new one', () => {
    let now = NOW;
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => now });
    assert.equal(d.feed(`${LIMIT}\n${LIMIT}\n`).length, 1);
    now += REPEAT_WINDOW_MS - 1;
    assert.equal(d.feed(`${LIMIT}\n`).length, 0, 'a sighting extends the window');
    now += REPEAT_WINDOW_MS;
    assert.equal(d.feed(`${LIMIT}\n`).length, 1);
  });

  it("a spinner redrawn in place (Claude's retry line) is one warning", () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW });
    const frames = [12, 11, 10, 9].map((s) => `\r\x1b[2K✻ API error · Retrying in ${s}s · attempt 6/10`).join('');
    assert.deepEqual(summary(feedAll(d, [frames])), [
      { rule: 'claude.api_retry', severity: 'warning', resetAt: '2026-11-21T10:00:12.000Z' },
    ]);
  });

  it('an unterminated OSC title is held back, not read as a line', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW });
    const got = feedAll(d, [`\x1b]0;${LIMIT}`, '\x07\r\n', 'MOCK_OK: hello\r\n']);
    assert.deepEqual(got, []);
  });

  it('carries at most MAX_CARRY chars of an unfinished line, and skips the rest of it', () => {
    const d = new LimitDetector({ rules: limitRulesFor('cli'), now: () => NOW, repeatWindowMs: 0 });
    const filler = 'x'.repeat(MAX_CARRY);
    assert.equal(feedAll(d, [`${LIMIT}${filler}`, `${filler}\n`]).length, 1, 'head of a long line is checked');
    assert.deepEqual(feedAll(d, [filler, `${filler}${LIMIT}\n`]), [], 'mid-line text is no line start');
    assert.equal(feedAll(d, [`${LIMIT}\n`]).length, 1, 'the next line is read normally');
  });

  it('a message inside a fenced block is content; after the fence closes it counts', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, repeatWindowMs: 0 });
    assert.deepEqual(feedAll(d, ['```text\n', `${LIMIT}\n`]), []);
    assert.equal(feedAll(d, ['```\n', `${LIMIT}\n`]).length, 1);
  });

  it('an unclosed fence stops hiding output after FENCE_MAX_LINES lines, or when the screen is cleared', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, repeatWindowMs: 0 });
    assert.deepEqual(feedAll(d, ['```\n', 'code\n'.repeat(FENCE_MAX_LINES - 1), `${LIMIT}\n`]), []);
    assert.equal(feedAll(d, [`${LIMIT}\n`]).length, 1);
    assert.deepEqual(feedAll(d, ['```\n', `${LIMIT}\n`]), []);
    assert.equal(feedAll(d, ['\x1b[2J\x1b[H', `${LIMIT}\n`]).length, 1);
  });

  it('a reset on the next rows is picked up in the stream (Gemini box)', () => {
    const d = new LimitDetector({ rules: limitRulesFor('gemini'), now: () => NOW, tz: 'UTC' });
    const got = feedAll(d, ['│ Usage limit reached for gemini-2.5-flash.   │\r\n', '│ Access resets at 11:28 AM UTC.   │\r\n']);
    assert.deepEqual(summary(got), [{ rule: 'gemini.usage_box', severity: 'limit', resetAt: '2026-11-21T11:28:00.000Z' }]);
  });
});

describe('screen', () => {
  const LIMIT = "You've hit your session limit · resets 10:57am (UTC)";

  it('reads a message drawn with cursor moves, which the raw stream cannot', async () => {
    const data = "\x1b[2J\x1b[5;3HYou've hit your \x1b[5;19Hsession limit · resets 10:57am (UTC)\x1b[7;1H❯ ";
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, tz: 'UTC' });
    assert.deepEqual(d.feed(data), [], 'the stream sees two fragments');
    const rows = await render(data);
    assert.equal(rows[4]!.trim(), LIMIT);
    assert.deepEqual(summary(d.checkScreen(rows)), [
      { rule: 'claude.usage_limit', severity: 'limit', resetAt: '2026-11-21T10:57:00.000Z' },
    ]);
  });

  it("reads Codex's full-screen redraw, word by word", async () => {
    const words = '■ You’ve hit your usage limit. Try again at 10:59 AM.'.split(' ');
    let col = 1;
    const data = words.map((w) => {
      const s = `\x1b[12;${col}H${w}`;
      col += [...w].length + 1;
      return s;
    });
    const rows = await render(`\x1b[?1049h${data.reverse().join('')}`);
    const d = new LimitDetector({ rules: limitRulesFor('codex'), now: () => NOW, tz: 'UTC' });
    assert.deepEqual(summary(d.checkScreen(rows)), [
      { rule: 'codex.usage_limit', severity: 'limit', resetAt: '2026-11-21T10:59:00.000Z' },
    ]);
  });

  it('a limit line repeated 1,000 times on one screen is reported once', async () => {
    const rows = await render(`${LIMIT}\r\n`.repeat(1000), 120, 1001);
    assert.equal(rows.filter((r) => r === LIMIT).length, 1000);
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, tz: 'UTC' });
    assert.equal(d.checkScreen(rows).length, 1);
  });

  it('a message is reported once while it stays on screen, and again when it comes back later', () => {
    let now = NOW;
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => now, tz: 'UTC' });
    const screen = ['❯ Say hello', `  ⎿  ${LIMIT}`, ''];
    assert.equal(d.checkScreen(screen).length, 1);
    now += 60_000;
    assert.equal(d.checkScreen(screen).length, 0, 'still on screen a minute later');
    assert.equal(d.checkScreen(['❯ ', '']).length, 0);
    now += 60_000;
    assert.equal(d.checkScreen(screen).length, 1, 'gone, then shown again');
  });

  it('the stream and the screen seeing one message report it once', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, tz: 'UTC' });
    assert.equal(d.feed(`  ⎿  ${LIMIT}\r\n`).length, 1);
    assert.equal(d.checkScreen(['❯ Say hello', `  ⎿  ${LIMIT}`]).length, 0);
  });

  it('rows inside a fenced block on screen are content, even when the opening fence scrolled off', () => {
    const d = new LimitDetector({ rules: limitRulesFor('claude'), now: () => NOW, tz: 'UTC' });
    assert.deepEqual(d.checkScreen([`  ${LIMIT}`, '  ```', '● Done.']), []);
    assert.deepEqual(d.checkScreen(['  ```text', `  ${LIMIT}`]), []);
    assert.equal(d.checkScreen(['  ```', '  code', '  ```', `  ⎿  ${LIMIT}`]).length, 1);
  });

  it('a changing sidebar beside the message does not make it a new message', () => {
    const d = new LimitDetector({ rules: limitRulesFor('opencode'), now: () => NOW, tz: 'UTC' });
    const row = (used: string): string =>
      `  ┃  Rate limit reached for gpt-mock in organization org-mock on requests per min (RPM). Visit        ${used}`;
    assert.equal(d.checkScreen([row('0% used')]).length, 1);
    assert.equal(d.checkScreen([row('1% used')]).length, 0);
    assert.equal(d.checkScreen([row('2% used')]).length, 0);
  });
});

it('every rule can only match text that passes the MAYBE_LIMIT prefilter', () => {
  // The prefilter lets ordinary lines skip the rules; a rule whose text could avoid every
  // prefilter word would be silently disabled. Each rule's pattern source must name one.
  // Stall rules are not line rules (the line readers skip them; test/unit/spinnerStall.test.ts).
  for (const rule of LIMIT_RULES.filter((r) => r.stallAfterMs === undefined)) {
    const source = `${rule.line.source} ${rule.marker?.source ?? ''}`.replace(/\\/g, '');
    assert.ok(MAYBE_LIMIT.test(source), `${rule.id}: ${rule.line.source}`);
  }
});
