/**
 * Issue 10's import figure: MB/s of `relay session import claude` on a generated Claude Code
 * transcript (~50 MB) into a real relay.db in a temp dir: finding the file, reading and parsing
 * every line, and writing the session, its messages and its edge in one transaction. The lines
 * have the shape of the recorded session in ../shared/agent-samples/claude/transcripts, and
 * most of the bytes are tool results, as in a real coding session; those are summarised, not
 * stored, so the figure is dominated by reading. Each run imports into a fresh database (a
 * second import of the same file would find it imported); the figure is the median.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeProjectDirName } from '../src/adapters/claudeTranscript.js';
import { importTranscript } from '../src/conversation/importTranscript.js';
import { ConversationRepo } from '../src/store/conversationRepo.js';
import { openDatabase } from '../src/store/database.js';
import { median, round } from './stats.js';

const SIZES = {
  transcriptMb: 50,
  runs: 3,
  /** Bytes of one tool result: a file read or a test run's output. */
  toolResultBytes: 6_000,
  answerBytes: 1_200,
} as const;

const SESSION = '33333333-4444-4555-8666-777777777777';

/** One exchange: a prompt, an answer that calls a tool, the tool's result, the final answer. */
function exchange(i: number, cwd: string, at: number): string {
  const common = { isSidechain: false, userType: 'external', entrypoint: 'cli', cwd, sessionId: SESSION, version: '2.1.197', gitBranch: 'main' };
  const time = (k: number): string => new Date(at + i * 4_000 + k * 1_000).toISOString();
  const filler = (n: number, word: string): string => `${word} `.repeat(Math.ceil(n / (word.length + 1))).slice(0, n);
  const usage = { input_tokens: 1_200 + i, cache_creation_input_tokens: 0, cache_read_input_tokens: 9_000, output_tokens: 300 };
  const lines = [
    { ...common, parentUuid: `a${i - 1}`, type: 'user', uuid: `u${i}`, timestamp: time(0), message: { role: 'user', content: `step ${i}: run the tests and fix what fails in module ${i % 40}` } },
    {
      ...common,
      parentUuid: `u${i}`,
      type: 'assistant',
      uuid: `t${i}`,
      timestamp: time(1),
      message: { id: `msg_${i}a`, type: 'message', role: 'assistant', model: 'claude-opus-4-8', content: [{ type: 'text', text: 'Running the tests first.' }, { type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: 'npm test' } }], stop_reason: 'tool_use', usage },
    },
    {
      ...common,
      parentUuid: `t${i}`,
      type: 'user',
      uuid: `r${i}`,
      timestamp: time(2),
      message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: filler(SIZES.toolResultBytes, 'ok') }] },
    },
    {
      ...common,
      parentUuid: `r${i}`,
      type: 'assistant',
      uuid: `a${i}`,
      timestamp: time(3),
      message: { id: `msg_${i}b`, type: 'message', role: 'assistant', model: 'claude-opus-4-8', content: [{ type: 'text', text: filler(SIZES.answerBytes, 'fixed') }], stop_reason: 'end_turn', usage },
    },
  ];
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** A transcript of about `mb` MB at Claude's place for `cwd`; its size in bytes. */
function writeTranscript(configDir: string, cwd: string, mb: number): number {
  const dir = join(configDir, 'projects', claudeProjectDirName(cwd));
  mkdirSync(dir, { recursive: true });
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < mb * 2 ** 20; i++) {
    const piece = exchange(i, cwd, Date.parse('2026-11-21T09:00:00Z'));
    parts.push(piece);
    bytes += Buffer.byteLength(piece);
  }
  const file = join(dir, `${SESSION}.jsonl`);
  writeFileSync(file, parts.join(''));
  return statSync(file).size;
}

export async function measureImport(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'rb-import-'));
  try {
    const home = join(root, 'home');
    const cwd = join(root, 'project');
    const configDir = join(root, 'claude');
    mkdirSync(home);
    mkdirSync(cwd);
    const bytes = writeTranscript(configDir, cwd, SIZES.transcriptMb);
    const mbPerS: number[] = [];
    let turns = 0;
    for (let run = 0; run < SIZES.runs; run++) {
      const db = openDatabase(join(root, `relay-${run}.db`));
      try {
        const repo = new ConversationRepo(db);
        const t0 = performance.now();
        const r = await importTranscript(repo, { agent: 'claude', cwd, home, env: { CLAUDE_CONFIG_DIR: configDir } }, Date.now());
        const ms = performance.now() - t0;
        turns = r.turns;
        mbPerS.push(bytes / 2 ** 20 / (ms / 1_000));
      } finally {
        db.close();
      }
    }
    return {
      /** MB/s of transcript imported (median of the runs), goal: none set; the issue asks for the figure. */
      importClaudeMbPerS: round(median(mbPerS), 1),
      importTranscriptMb: round(bytes / 2 ** 20, 1),
      importTurns: turns,
      importRuns: SIZES.runs,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

