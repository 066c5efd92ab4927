#!/usr/bin/env node
// An agent that only shows normal output: every file of the negative limit corpus
// (test/fixtures/limit-corpus/negative — diffs, logs, JSON, test runs, transcripts and screens
// that mention limits without being one), written slowly in small chunks of varying size (so
// lines, UTF-8 characters and escape sequences are split across chunks), with a pause after each
// file long enough for Relay to read the settled screen. Then `corpus done <files> files`; it
// exits 0 at the end of its input (so no output is in flight when it exits). Tests link it into a temp dir as `claude`, `codex`, `gemini` and `opencode`, so each
// kind's limit rules read it.
//   CORPUS_PAUSE_MS  pause after each file (default 150).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'limit-corpus', 'negative');
const pauseMs = Number(process.env.CORPUS_PAUSE_MS ?? 150);
const SIZES = [1, 7, 64, 3, 200, 13, 512, 2, 31, 97];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const write = (b) => new Promise((r) => process.stdout.write(b, r));

/** The corpus as this agent prints it: each file, ending in a newline. */
export function corpusText() {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const t = readFileSync(join(dir, name), 'utf8');
      return t.endsWith('\n') ? t : `${t}\n`;
    });
}

async function main() {
  const files = corpusText();
  let k = 0;
  for (const text of files) {
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; ) {
      const n = SIZES[k++ % SIZES.length];
      await write(bytes.subarray(at, at + n));
      at += n;
      if (k % 8 === 0) await sleep(0);
    }
    await sleep(pauseMs);
  }
  await write(`corpus done ${files.length} files\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])) await main();
