/**
 * Issue 8, item 3: Gemini behind its model router retried 429s for 7½ minutes showing only
 * "Thinking... 7m 33s" and nothing else, and no handoff came. A busy line whose timer keeps
 * counting while nothing else on screen changes is now an early warning — and a Gemini that is
 * busy with visible progress is never cut off. Screens recorded from gemini 0.61.0
 * (test/fixtures/limit-corpus/stall).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { elapsedSeconds, SpinnerStall } from '../../src/limits/spinnerStall.js';
import { GEMINI_STALL_MS } from '../../src/adapters/gemini.js';
import { limitRulesFor } from '../../src/adapters/registry.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'limit-corpus', 'stall', 'gemini', '0.61.0');
const screen = (s: string): string[] => readFileSync(join(DIR, `thinking-under-429-${s}.txt`), 'utf8').split('\n');
const RECORDED = { s3: screen('03s'), s11: screen('11s'), s25: screen('25s') };
const T0 = Date.parse('2026-11-21T10:00:00Z');

/** The recorded screen with its timer (and spinner glyph) set to `seconds`, as Gemini redraws it. */
function at(seconds: number, rows = RECORDED.s3): string[] {
  const timer = seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  const glyphs = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  return rows.map((r) =>
    r.includes('Thinking...') ? r.replace(/[\u2800-\u28ff]/, glyphs[seconds % glyphs.length]!).replace(/\(esc to cancel, [^)]*\)/, `(esc to cancel, ${timer})`) : r,
  );
}

/** Check once a second from 3 s to `until` s, each time with `frame(s)`; the warnings and when. */
function watch(frame: (s: number) => string[], until = 60): { at: number; matched: string; rule: string; severity: string }[] {
  const stall = new SpinnerStall(limitRulesFor('gemini'));
  const out = [];
  for (let s = 3; s <= until; s++) {
    const m = stall.check(frame(s), T0 + s * 1000);
    if (m) out.push({ at: s, matched: m.matched, rule: m.rule, severity: m.severity });
  }
  return out;
}

describe('a stalled "Thinking..." (gemini 0.61.0 under a 429)', () => {
  it('the recorded screens differ only in the busy line', () => {
    const rest = (rows: string[]) => rows.filter((r) => !r.includes('Thinking...')).join('\n');
    assert.equal(rest(RECORDED.s3), rest(RECORDED.s25));
    assert.equal(rest(RECORDED.s11), rest(RECORDED.s25));
  });

  it('the recorded 3 s, 11 s and 25 s screens, seen at those times, are one warning at 25 s', () => {
    const stall = new SpinnerStall(limitRulesFor('gemini'));
    assert.equal(stall.check(RECORDED.s3, T0 + 3_000), undefined);
    assert.equal(stall.check(RECORDED.s11, T0 + 11_000), undefined);
    const m = stall.check(RECORDED.s25, T0 + 25_000);
    assert.equal(m?.rule, 'gemini.thinking_stalled');
    assert.equal(m?.severity, 'warning');
    assert.equal(m?.matched, 'Thinking... (esc to cancel, 25s) with nothing else on screen changing for 22 s');
  });

  it(`a timer counting with nothing else changing is one warning, ${GEMINI_STALL_MS / 1000} s after the wait began`, () => {
    const found = watch((s) => at(s), 600);
    assert.deepEqual(found.map((f) => [f.at, f.rule, f.severity]), [[3 + GEMINI_STALL_MS / 1000, 'gemini.thinking_stalled', 'warning']]);
  });

  it('the bound leaves room for the 30 s handoff goal', () => {
    assert.ok(GEMINI_STALL_MS <= 20_000 && GEMINI_STALL_MS >= 15_000);
  });
});

describe('a Gemini that is busy with visible progress is not cut off', () => {
  it('streamed text appearing every few seconds keeps it from ever stalling', () => {
    const found = watch((s) => {
      const rows = at(s);
      rows[20] = `✦ ${'word '.repeat(Math.floor(s / 5))}`;
      return rows;
    }, 600);
    assert.deepEqual(found, []);
  });

  it('a thinking model whose thought summary replaces "Thinking..." is not stalled, however long', () => {
    const found = watch((s) => at(s).map((r) => r.replace('Thinking...', s % 30 < 15 ? 'Analyzing the login flow' : 'Planning the fix')), 600);
    assert.deepEqual(found, []);
  });

  it('a long silent tool run (its own phrase, not "Thinking...") is not stalled', () => {
    const found = watch((s) => at(s).map((r) => r.replace('Thinking...', 'Waiting for user confirmation...')), 600);
    assert.deepEqual(found, []);
  });

  it('a frozen screen whose timer does not advance proves nothing', () => {
    assert.deepEqual(watch(() => at(3), 600), []);
  });

  it('a new turn (the timer restarts) starts the wait over', () => {
    // 15 s of one turn, then a new turn that stalls: one warning, bound after the second began.
    const found = watch((s) => (s < 18 ? at(s) : at(s - 18)), 120);
    assert.deepEqual(found.map((f) => f.at), [18 + GEMINI_STALL_MS / 1000]);
  });

  it('the user typing in the input box starts the wait over', () => {
    const found = watch((s) => {
      const rows = at(s);
      if (s < 15) rows[rows.findIndex((r) => r.includes('Type your message'))] = ` >   ${'x'.repeat(s)}`;
      return rows;
    }, 120);
    // The last change is at 15 s, when the typed text is sent and the box is empty again.
    assert.deepEqual(found.map((f) => f.at), [15 + GEMINI_STALL_MS / 1000]);
  });

  it('other kinds have no stall rule; the same screen under claude is nothing', () => {
    const stall = new SpinnerStall(limitRulesFor('claude'));
    assert.equal(stall.active, false);
    for (let s = 3; s < 100; s++) assert.equal(stall.check(at(s), T0 + s * 1000), undefined);
  });
});

it("Gemini's elapsed timer reads as seconds: 21s, 1m 11s, 1h 2m 3s", () => {
  assert.equal(elapsedSeconds('21s'), 21);
  assert.equal(elapsedSeconds('1m 11s'), 71);
  assert.equal(elapsedSeconds('7m 33s'), 453);
  assert.equal(elapsedSeconds('1h 2m 3s'), 3723);
  assert.equal(elapsedSeconds('soon'), undefined);
  assert.equal(elapsedSeconds(''), undefined);
});
