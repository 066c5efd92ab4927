/**
 * bench/terminalProbe.ts against a tiny full-screen program: set-up sequences alone are not a
 * frame, the first frame is the first drawn text (or the named marker), a key's latency ends at
 * its echo, a program that ends or never answers fails the measure instead of hanging it, and
 * the `node -e 0` baseline runs. Behaviour only: no assertion on how fast anything is.
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import {
  drawnText,
  drawsSomething,
  keystrokeLatency,
  measureColdStart,
  nodeStartBaseline,
  ProbeTerminal,
  summarizeLatency,
  timeToFirstFrame,
  waitForFirstFrame,
} from '../../bench/terminalProbe.js';
import { isAlive } from '../../src/platform/processTree.js';

/** How long the program waits before drawing: a first frame cannot come sooner. */
const DRAW_DELAY_MS = 150;

/**
 * Sets the terminal up at once (alternate screen, hidden cursor, clear, title), says LOADING
 * after DRAW_DELAY_MS, READY after twice that, then echoes each key as `key:<JSON>` on row 3.
 */
const TINY_TUI = `
process.stdin.setRawMode(true);
process.stdout.write('\\x1b[?1049h\\x1b[?25l\\x1b[2J\\x1b[H\\x1b]0;tiny\\x07\\x1b(B\\x1b[0m');
setTimeout(() => process.stdout.write('\\x1b[1;1H\\x1b[1mLOADING\\x1b[0m'), ${DRAW_DELAY_MS});
setTimeout(() => {
  process.stdout.write('\\x1b[2;1HREADY');
  process.stdin.on('data', (d) => {
    if (d.toString() === 'q') { process.stdout.write('\\x1b[?1049l'); process.exit(0); }
    process.stdout.write('\\x1b[3;1H\\x1b[2Kkey:' + JSON.stringify(d.toString('latin1')));
  });
}, ${2 * DRAW_DELAY_MS});
`;

const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, LANG: 'C.UTF-8' };
const tiny = [process.execPath, '-e', TINY_TUI];

test('set-up sequences draw nothing; text after them, or split across chunks, does', () => {
  assert.equal(drawsSomething('\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H'), false);
  assert.equal(drawsSomething('\x1b]0;title with words\x07\x1b]2;t\x1b\\\x1b(B\x1b[0m\x1b=\x1b>\r\n'), false);
  assert.equal(drawsSomething('\x1bP+q544e\x1b\\'), false, 'a DCS query');
  // A sequence cut off at the end of a chunk is not text: its rest is still to come.
  assert.equal(drawsSomething('\x1b[?10'), false);
  assert.equal(drawsSomething('\x1b]0;half a tit'), false);
  assert.equal(drawsSomething('\x1b[31mhi'), true);
  assert.equal(drawsSomething('\x1b[5;10H界'), true);
  assert.equal(drawnText('\x1b[1mLOADING\x1b[0m\x1b[2;1HREADY'), 'LOADINGREADY');
});

test('the first frame is the first drawn text, not the set-up before it', async () => {
  const ms = await timeToFirstFrame(tiny, env);
  assert.ok(ms >= DRAW_DELAY_MS, `first frame at ${ms} ms, before the program drew (${DRAW_DELAY_MS} ms)`);
});

test('a marker moves the first frame to the output that shows it; the program is killed after', async () => {
  const term = ProbeTerminal.spawn(tiny, env);
  try {
    const any = await waitForFirstFrame(term);
    const ready = await waitForFirstFrame(term, { marker: /READY/ });
    assert.ok(any >= DRAW_DELAY_MS);
    assert.ok(ready >= 2 * DRAW_DELAY_MS, `READY seen at ${ready} ms`);
    assert.ok(ready > any, 'LOADING is drawn before READY');
    assert.match(drawnText(term.output), /LOADING.*READY/);
  } finally {
    await term.kill();
  }
  assert.equal(isAlive(term.pid), false);
});

test('keystroke latency ends at the key’s echo, key after key', async () => {
  const term = ProbeTerminal.spawn(tiny, env);
  try {
    await waitForFirstFrame(term, { marker: /READY/ });
    const samples: number[] = [];
    for (const key of ['a', 'b', '\x10', '界']) {
      const ms = await keystrokeLatency(term, key, `key:${JSON.stringify(Buffer.from(key).toString('latin1'))}`);
      assert.ok(Number.isFinite(ms) && ms >= 0);
      samples.push(ms);
    }
    const summary = summarizeLatency(samples);
    assert.equal(summary.samples, 4);
    assert.ok(summary.p50_ms <= summary.p99_ms && summary.p99_ms <= summary.max_ms);
    // A regex is tested against what was drawn after the write only: the earlier `key:"a"` does not count.
    await assert.rejects(keystrokeLatency(term, 'z', /key:"a"/, 300), /no effect .* within 300 ms; output so far/);
  } finally {
    await term.kill();
  }
});

test('a program that exits, or never shows the marker, fails the measure with its output', async () => {
  const term = ProbeTerminal.spawn(tiny, env);
  await waitForFirstFrame(term, { marker: /READY/ });
  await assert.rejects(keystrokeLatency(term, 'q', 'never drawn'), /the program exited \(code 0, signal none\) before effect/);
  assert.deepEqual(await term.exited, { code: 0, signal: null });
  await assert.rejects(timeToFirstFrame(tiny, env, { marker: /NEVER/, timeoutMs: 2_000 }), /no frame with \/NEVER\/ within 2000 ms; output so far: .*READY/);
});

test('the node -e 0 baseline and the cold-start figure run in one go', async () => {
  const baseline = await nodeStartBaseline(env);
  assert.ok(Number.isFinite(baseline) && baseline > 0);
  const cold = await measureColdStart(tiny, env, 2);
  assert.equal(cold.runs, 2);
  assert.ok(cold.first_frame_median_ms >= DRAW_DELAY_MS);
  assert.ok(cold.node_e0_median_ms > 0);
  assert.ok(Math.abs(cold.ratio_to_node_e0 - cold.first_frame_median_ms / cold.node_e0_median_ms) < 0.01);
});
