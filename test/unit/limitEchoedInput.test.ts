/**
 * Issue 8, item 8: input the terminal echoed at the start of a line (`^@`, an arrow key's
 * `^[[A`, a raw NUL) or a prompt glyph drawn before the CLI's line must not hide a limit message
 * from the line-anchored rules, and must not make content look like the CLI's voice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LimitDetector, type LimitMatch } from '../../src/limits/limitDetector.js';
import { limitRulesFor, type AgentKind } from '../../src/adapters/registry.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');

function streamed(kind: AgentKind, text: string): LimitMatch[] {
  const d = new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' });
  return [...d.feed(text), ...d.flush()];
}

function onScreen(kind: AgentKind, rows: string[]): LimitMatch[] {
  return new LimitDetector({ rules: limitRulesFor(kind), now: () => NOW, tz: 'UTC' }).checkScreen(rows);
}

const SESSION_LIMIT = "You've hit your session limit · resets 10:57am (UTC)";

describe('echoed input before a limit line', () => {
  const prefixes: [string, string][] = [
    ['^@ (a NUL typed, echoed in caret notation)', '^@'],
    ['^@^@ and a space', '^@^@ '],
    ['^C', '^C'],
    ['^[ (a lone Escape)', '^['],
    ['^[[A (an arrow key)', '^[[A'],
    ['^[[200~ (a paste start)', '^[[200~'],
    ['^[OP (F1)', '^[OP'],
    ['a raw NUL byte', '\x00'],
    ['raw C0 bytes (BEL, BS, SO)', '\x07\x08\x0e'],
    ['a Claude bullet then ^@', '● ^@'],
    ['^@ then a prompt arrow', '^@ › '],
    ['a prompt `> `', '> '],
    ['a prompt `❯ `', '❯ '],
    ['a prompt `$ `', '$ '],
    ['a box border `│ `', '│ '],
  ];
  for (const [what, prefix] of prefixes) {
    it(`a stray ${what} before "You've hit your session limit" does not defeat detection`, () => {
      const stream = streamed('claude', `working…\r\n${prefix}${SESSION_LIMIT}\r\n`);
      assert.deepEqual(
        stream.map((m) => [m.rule, m.severity, m.resetAt]),
        [['claude.usage_limit', 'limit', Date.parse('2026-11-21T10:57:00Z')]],
      );
      assert.equal(stream[0]!.matched, SESSION_LIMIT, 'the echo is not part of the message');
      const screen = onScreen('claude', ['working…', `${prefix}${SESSION_LIMIT}`]);
      assert.deepEqual(screen.map((m) => m.rule), ['claude.usage_limit']);
    });
  }

  it("echoed input before Gemini's TerminalQuotaError and Codex's usage limit is tolerated too", () => {
    assert.deepEqual(
      streamed('gemini', '^@TerminalQuotaError: You have exhausted your daily quota on this model.\n').map((m) => m.rule),
      ['gemini.quota_terminal'],
    );
    assert.deepEqual(
      streamed('codex', '^[[B■ You’ve hit your usage limit. Try again at 10:58 AM.\n').map((m) => m.rule),
      ['codex.usage_limit'],
    );
  });
});

describe('the false-positive guard still holds after an echo or a prompt', () => {
  const silent: [string, string][] = [
    ['a markdown quote of a generic marker', '> Error: 429 Too Many Requests from the mock'],
    ['a prompt before a generic marker', '$ Error: rate_limit_error in the fixture'],
    ['an echo before a diff line', '^@+ You have hit your rate_limit_exceeded branch'],
    ['an echo before grep output', "^@src/limits.ts:12: You've hit your session limit"],
    ['an echo before a test name', '^[[A✓ RateLimitError: is retried (3 ms)'],
    ['a caret that is not an echo (compiler marker) before a sentence', "^ You've hit your session limit"],
    ['a prompt inside the sentence, not before it', "echo > You've hit your session limit"],
  ];
  for (const [what, line] of silent) {
    it(`silent on ${what}: ${line}`, () => {
      for (const kind of ['claude', 'codex', 'gemini', 'opencode', 'cli'] as const) {
        assert.deepEqual(streamed(kind, `${line}\n`), [], `${kind} stream`);
        assert.deepEqual(onScreen(kind, [line]), [], `${kind} screen`);
      }
    });
  }
});
