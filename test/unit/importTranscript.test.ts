/**
 * `relay session import` on the daemon side: each CLI's recorded transcript
 * (agent-samples, copied to test/fixtures/transcripts/home) placed where that CLI keeps it, under a temp HOME,
 * CLAUDE_CONFIG_DIR and CODEX_HOME, then read whole into a session with an import edge.
 */
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { claudeProjectDirName } from '../../src/adapters/claudeTranscript.js';
import { importTranscript, type ImportQuery } from '../../src/conversation/importTranscript.js';
import { RelayError } from '../../src/platform/errors.js';
import type { JsonObject } from '../../src/platform/jsonValue.js';
import { ConversationRepo } from '../../src/store/conversationRepo.js';
import type { Database } from '../../src/store/database.js';
import { tempDatabase } from '../helpers/tempDatabase.js';
import { tempDir } from '../helpers/tempDir.js';

/** The real CLIs' recorded transcripts (agent-samples), kept in the repo where each CLI writes them. */
const RECORDED = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'home');
const SAMPLE_FILES: Record<string, string> = {
  'claude/claude-resumed-session.jsonl': '.claude/projects/-home-dev-project/11111111-2222-4333-8444-555555555555.jsonl',
  'codex/codex-resumed-rollout.jsonl': '.codex/sessions/2026/11/21/rollout-2026-11-21T09-59-16-01a1fd8b-bfdb-72d0-98f2-69a58a98b978.jsonl',
  'gemini/gemini-resumed-session.jsonl': '.gemini/tmp/project/chats/session-2026-11-21T10-18-22222222.jsonl',
  'opencode/opencode-export.json': '.local/share/opencode/fake-export/ses_e0262a2f5ffeD3MMLOJgMbRHsk.json',
};
const sample = (cli: string, file: string): string => join(RECORDED, SAMPLE_FILES[`${cli}/${file}`]!);
const CLAUDE_SESSION = '11111111-2222-4333-8444-555555555555';
const CODEX_SESSION = '01a1fd8b-bfdb-72d0-98f2-69a58a98b978';
const GEMINI_SESSION = '22222222-3333-4444-8555-666666666666';
const OPENCODE_SESSION = 'ses_e0262a2f5ffeD3MMLOJgMbRHsk';
const MOCK_ANSWER = 'MOCK_OK: hello from the mock provider.';
const NOW = 1_900_000_000_000;

function sampleLines(cli: string, file: string): JsonObject[] {
  return readFileSync(sample(cli, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JsonObject);
}

const jsonl = (lines: readonly unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

function write(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

interface World {
  root: string;
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  db: Database;
  repo: ConversationRepo;
  query(agent: ImportQuery['agent'], id?: string, cwd?: string): ImportQuery;
}

function world(t: TestContext): World {
  const root = tempDir(t, 'import');
  const home = join(root, 'home');
  const cwd = join(root, 'work', 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    CLAUDE_CONFIG_DIR: join(root, 'claude-config'),
    CODEX_HOME: join(root, 'codex-home'),
    PATH: join(root, 'empty-bin'),
  };
  const db = tempDatabase(t, 'import-db').open();
  return {
    root,
    home,
    cwd,
    env,
    db,
    repo: new ConversationRepo(db),
    query: (agent, id, at = cwd) => ({ agent, cwd: at, home, env, ...(id === undefined ? {} : { id }) }),
  };
}

/**
 * Claude's recorded session with one tool call added after the first answer, in the shape of
 * the sample's own lines: an assistant line whose content is a `tool_use` block, then the user
 * line carrying its `tool_result`.
 */
function claudeLines(): JsonObject[] {
  const lines = sampleLines('claude', 'claude-resumed-session.jsonl');
  const firstAnswer = lines.findIndex((l) => l.type === 'assistant');
  const answer = lines[firstAnswer] as JsonObject & { message: JsonObject };
  const toolUse = {
    ...answer,
    uuid: 'tool-use-line',
    message: { ...answer.message, content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'cat notes.txt' } }] },
  };
  const toolResult = {
    ...answer,
    type: 'user',
    uuid: 'tool-result-line',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'PINEAPPLE' }] },
  };
  return [...lines.slice(0, firstAnswer + 1), toolUse, toolResult, ...lines.slice(firstAnswer + 1)];
}

function claudeFile(w: World, session = CLAUDE_SESSION, cwd = w.cwd): string {
  return join(w.env.CLAUDE_CONFIG_DIR!, 'projects', claudeProjectDirName(cwd), `${session}.jsonl`);
}

/** A Codex rollout of the sample with its recorded cwd moved to `cwd`, and a shell call added. */
function codexRollout(w: World, session: string, cwd: string, mtimeS: number): string {
  const lines = sampleLines('codex', 'codex-resumed-rollout.jsonl').map((l) => {
    if (l.type !== 'session_meta') return l;
    const payload = l.payload as JsonObject;
    return { ...l, payload: { ...payload, id: session, session_id: session, cwd } };
  });
  const firstAnswer = lines.findIndex((l) => l.type === 'response_item' && (l.payload as JsonObject).role === 'assistant');
  const call = {
    timestamp: (lines[firstAnswer] as JsonObject).timestamp,
    type: 'response_item',
    payload: { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'call_1' },
  };
  lines.splice(firstAnswer + 1, 0, call);
  const path = write(join(w.env.CODEX_HOME!, 'sessions', '2026', '11', '21', `rollout-2026-11-21T09-59-16-${session}.jsonl`), jsonl(lines));
  utimesSync(path, mtimeS, mtimeS);
  return path;
}

/** Gemini's recorded chat in the project registered for `cwd`, its last answer with a tool call. */
function geminiChat(w: World, cwd: string): string {
  const lines = sampleLines('gemini', 'gemini-resumed-session.jsonl');
  const last = lines.findLastIndex((l) => l.type === 'gemini');
  lines[last] = { ...lines[last], toolCalls: [{ id: 'c1', name: 'run_shell_command', args: { command: 'ls' }, status: 'success' }] };
  const gemini = join(w.home, '.gemini');
  write(join(gemini, 'projects.json'), JSON.stringify({ projects: { [cwd]: 'project' } }));
  return write(join(gemini, 'tmp', 'project', 'chats', `session-2026-11-21T10-18-${GEMINI_SESSION.slice(0, 8)}.jsonl`), jsonl(lines));
}

/**
 * A fake `opencode` on a temp PATH: `session list --format json` and `export <id>` answer as
 * the real one did (the export notice on stderr); any other id fails.
 */
function fakeOpencode(w: World, cwd: string): void {
  const doc = JSON.parse(readFileSync(sample('opencode', 'opencode-export.json'), 'utf8')) as {
    info: JsonObject;
    messages: Array<{ info: JsonObject; parts: JsonObject[] }>;
  };
  doc.info.directory = cwd;
  const answer = doc.messages.find((m) => m.info.role === 'assistant')!;
  answer.parts.splice(1, 0, { type: 'tool', tool: 'bash', state: { status: 'completed', input: { command: 'ls' }, output: '' } });
  const bin = join(w.root, 'opencode-bin');
  write(join(bin, 'export.json'), JSON.stringify(doc, null, 2));
  const list = [
    { id: OPENCODE_SESSION, title: doc.info.title, updated: 1795256319107, created: 1795256311051, projectId: 'global', directory: cwd },
    { id: 'ses_older', title: 'New session - 2026-11-21T10:17:44.241Z', updated: 1795256265165, created: 1795256264241, projectId: 'global', directory: cwd },
    { id: 'ses_elsewhere', title: 'other', updated: 1795256999999, created: 1795256264241, projectId: 'global', directory: '/somewhere/else' },
  ];
  write(join(bin, 'list.json'), JSON.stringify(list, null, 2));
  write(
    join(bin, 'opencode'),
    [
      '#!/bin/sh',
      `dir='${bin}'`,
      'if [ "$1" = session ] && [ "$2" = list ]; then cat "$dir/list.json"; exit 0; fi',
      `if [ "$1" = export ] && [ "$2" = '${OPENCODE_SESSION}' ]; then echo "Exporting session: $2" >&2; cat "$dir/export.json"; exit 0; fi`,
      'echo "Session not found: $2" >&2; exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'opencode'), 0o755);
  w.env.PATH = `${bin}:/usr/bin:/bin`;
}

/** The import must fail with one RelayError line matching `message`, with a hint. */
async function refused(p: Promise<unknown>, message: RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RelayError, `not a RelayError: ${String(e)}`);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /\n/);
    assert.ok(e.hint, 'a hint');
    if (hint) assert.match(e.hint, hint);
    return true;
  });
}

const shape = (repo: ConversationRepo, id: string): string[] => repo.history(id, 1_000).map((m) => `${m.role}: ${m.content}`);
const count = (db: Database, table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

test('claude: every turn in order with its role, the tool call summarised, an import edge naming the source', async (t) => {
  const w = world(t);
  write(claudeFile(w), jsonl(claudeLines()));
  const r = await importTranscript(w.repo, w.query('claude'), NOW);

  assert.equal(r.existed, false);
  assert.equal(r.turns, 6);
  assert.equal(r.source, `claude:${CLAUDE_SESSION}`);
  assert.deepEqual(shape(w.repo, r.session.id), [
    'user: first prompt: remember the word PINEAPPLE',
    `assistant: ${MOCK_ANSWER}\n[tool: Bash]`,
    'user: second prompt: what was the word?',
    `assistant: ${MOCK_ANSWER}`,
    'user: third via stdin (continue)',
    `assistant: ${MOCK_ANSWER}`,
  ]);
  const messages = w.repo.history(r.session.id, 1_000);
  assert.ok(messages.every((m) => m.provider === 'claude' && m.status === 'complete'));
  assert.equal(messages[0]!.createdAt, Date.parse('2026-11-21T09:57:37.245Z'), 'the time the prompt was typed');
  assert.equal(r.session.origin, 'import');
  assert.equal(r.session.name, 'claude: first prompt: remember the word PINEAPPLE');

  const [edge, ...more] = w.repo.edges(r.session.id).parents;
  assert.equal(more.length, 0);
  assert.equal(edge!.kind, 'import');
  assert.equal(edge!.parent, `claude:${CLAUDE_SESSION}`);
  assert.equal(edge!.atMessage, undefined);
  assert.equal(edge!.note, claudeFile(w), 'the file it was read from');
  assert.match(w.repo.lineage(String(r.session.number)), /^imported from claude 11111111 \(.*\.jsonl\)$/);
  assert.deepEqual(w.repo.list()[0]!.parents, [], 'an external source is not a session number');
  assert.equal(w.repo.latest()?.id, r.session.id, 'the imported conversation is the one the one-liner continues');
});

test('codex --latest: the newest rollout for this cwd, not a newer one from another directory', async (t) => {
  const w = world(t);
  codexRollout(w, '01a1fd8b-0000-7000-8000-000000000001', w.cwd, 1_795_000_000);
  codexRollout(w, CODEX_SESSION, w.cwd, 1_795_000_100);
  codexRollout(w, '01a1fd8b-0000-7000-8000-000000000009', '/somewhere/else', 1_795_000_900);
  const r = await importTranscript(w.repo, w.query('codex'), NOW);
  assert.equal(r.source, `codex:${CODEX_SESSION}`);
  assert.deepEqual(shape(w.repo, r.session.id), [
    'user: first prompt: remember PINEAPPLE',
    `assistant: ${MOCK_ANSWER}\n[tool: shell]`,
    'user: second prompt: what word?',
    `assistant: ${MOCK_ANSWER}`,
    'user: third prompt via stdin',
    `assistant: ${MOCK_ANSWER}`,
  ]);
  assert.match(w.repo.lineage(r.session.id), /^imported from codex 01a1fd8b \(/);
});

test('a long first prompt names the session by its first words, cut at a word', async (t) => {
  const w = world(t);
  const lines = claudeLines().map((l) =>
    l.type === 'user' && (l.message as JsonObject).content === 'first prompt: remember the word PINEAPPLE'
      ? { ...l, message: { role: 'user', content: 'please refactor the session import so that\nevery transcript is read whole and nothing is lost' } }
      : l,
  );
  write(claudeFile(w), jsonl(lines));
  const r = await importTranscript(w.repo, w.query('claude'), NOW);
  assert.equal(r.session.name, 'claude: please refactor the session import so that every…');
});

test('codex by id: that rollout, wherever it ran', async (t) => {
  const w = world(t);
  codexRollout(w, CODEX_SESSION, '/somewhere/else', 1_795_000_000);
  const r = await importTranscript(w.repo, w.query('codex', CODEX_SESSION), NOW);
  assert.equal(r.source, `codex:${CODEX_SESSION}`);
  assert.equal(r.turns, 6);
});

test('gemini by id from another directory: the replayed chat, its tool call and its own title', async (t) => {
  const w = world(t);
  geminiChat(w, w.cwd);
  const elsewhere = tempDir(t, 'import-elsewhere');
  const r = await importTranscript(w.repo, w.query('gemini', GEMINI_SESSION, elsewhere), NOW);
  assert.equal(r.source, `gemini:${GEMINI_SESSION}`);
  assert.deepEqual(shape(w.repo, r.session.id), [
    'user: first prompt: remember PINEAPPLE',
    `assistant: ${MOCK_ANSWER}`,
    'user: second prompt: what word?',
    `assistant: ${MOCK_ANSWER}`,
    'user: third via stdin',
    `assistant: ${MOCK_ANSWER}\n[tool: run_shell_command]`,
  ]);
  assert.equal(r.session.name, MOCK_ANSWER, "Gemini's $set summary is the title");
  // And --latest from the project itself finds the same chat.
  const again = await importTranscript(w.repo, w.query('gemini'), NOW + 1);
  assert.equal(again.existed, true);
  assert.equal(again.session.id, r.session.id);
});

test('opencode --latest: the newest session of this directory from `opencode session list`, read with `opencode export`', async (t) => {
  const w = world(t);
  fakeOpencode(w, w.cwd);
  const r = await importTranscript(w.repo, w.query('opencode'), NOW);
  assert.equal(r.source, `opencode:${OPENCODE_SESSION}`);
  assert.deepEqual(shape(w.repo, r.session.id), [
    'user: "first prompt: remember PINEAPPLE"',
    `assistant: [tool: bash]\n${MOCK_ANSWER}`,
    'user: "second prompt: what word?"',
    `assistant: ${MOCK_ANSWER}`,
    'user: third via stdin',
    `assistant: ${MOCK_ANSWER}`,
  ]);
  assert.equal(r.session.name, MOCK_ANSWER);
  assert.equal(w.repo.lineage(r.session.id), `imported from opencode e0262a2f (opencode export ${OPENCODE_SESSION})`);
  await refused(importTranscript(w.repo, w.query('opencode', 'ses_unknown'), NOW), /^no opencode session ses_unknown/);
});

test('opencode not on PATH: one line saying so, nothing written', async (t) => {
  const w = world(t);
  await refused(importTranscript(w.repo, w.query('opencode', OPENCODE_SESSION), NOW), /opencode is not on PATH/, /PATH/);
  assert.equal(count(w.db, 'sessions'), 0);
});

test('re-importing an unchanged transcript returns the same session: no duplicate', async (t) => {
  const w = world(t);
  write(claudeFile(w), jsonl(claudeLines()));
  const first = await importTranscript(w.repo, w.query('claude'), NOW);
  const [sessions, messages, edges] = [count(w.db, 'sessions'), count(w.db, 'messages'), count(w.db, 'edges')];
  const again = await importTranscript(w.repo, w.query('claude', CLAUDE_SESSION), NOW + 1_000);
  assert.deepEqual({ id: again.session.id, existed: again.existed, turns: again.turns }, { id: first.session.id, existed: true, turns: 0 });
  assert.deepEqual([count(w.db, 'sessions'), count(w.db, 'messages'), count(w.db, 'edges')], [sessions, messages, edges]);
});

test('re-importing after the CLI went on appends only the new turns to the same session', async (t) => {
  const w = world(t);
  const file = write(claudeFile(w), jsonl(claudeLines()));
  const first = await importTranscript(w.repo, w.query('claude'), NOW);
  const template = claudeLines();
  const user = template.find((l) => l.type === 'user')!;
  const answer = template.find((l) => l.type === 'assistant')! as JsonObject & { message: JsonObject };
  appendFileSync(
    file,
    jsonl([
      { ...user, uuid: 'u4', timestamp: '2026-11-21T10:30:00.000Z', message: { role: 'user', content: 'fourth prompt: and now?' } },
      { ...answer, uuid: 'a4', timestamp: '2026-11-21T10:30:01.000Z', message: { ...answer.message, content: [{ type: 'text', text: 'Still PINEAPPLE.' }] } },
    ]),
  );
  const again = await importTranscript(w.repo, w.query('claude'), NOW + 1_000);
  assert.deepEqual({ id: again.session.id, existed: again.existed, turns: again.turns }, { id: first.session.id, existed: true, turns: 2 });
  assert.deepEqual(shape(w.repo, again.session.id).slice(-3), [`assistant: ${MOCK_ANSWER}`, 'user: fourth prompt: and now?', 'assistant: Still PINEAPPLE.']);
  assert.equal(count(w.db, 'messages'), 8);
  assert.equal(w.repo.edges(again.session.id).parents.length, 1, 'one import edge, refreshed');
});

test('re-importing a session continued in Relay since makes a new session, leaving the continued one alone', async (t) => {
  const w = world(t);
  write(claudeFile(w), jsonl(claudeLines()));
  const first = await importTranscript(w.repo, w.query('claude'), NOW);
  w.repo.append({ sessionId: first.session.id, role: 'user', content: 'continued in relay', status: 'complete', at: NOW + 1 });
  const again = await importTranscript(w.repo, w.query('claude'), NOW + 2);
  assert.notEqual(again.session.id, first.session.id);
  assert.equal(again.existed, false);
  assert.equal(shape(w.repo, first.session.id).at(-1), 'user: continued in relay');
  assert.equal(shape(w.repo, again.session.id).length, 6);
});

test('no transcript: one line naming where it looked and --cwd; an unknown id says so', async (t) => {
  const w = world(t);
  const projectDir = join(w.env.CLAUDE_CONFIG_DIR!, 'projects', claudeProjectDirName(w.cwd));
  await refused(importTranscript(w.repo, w.query('claude'), NOW), new RegExp(`^no claude transcript for ${w.cwd} \\(looked in ${projectDir}\\)$`), /--cwd DIR/);
  await refused(importTranscript(w.repo, w.query('codex', '0000-nope'), NOW), new RegExp(`^no codex session 0000-nope \\(looked in ${join(w.env.CODEX_HOME!, 'sessions')}\\)$`));
  await refused(importTranscript(w.repo, w.query('gemini'), NOW), /^no gemini transcript for .* \(looked in ~\/\.gemini\/tmp\//);
  await refused(importTranscript(w.repo, w.query('claude', '../../etc/passwd'), NOW), /is not a claude session id/);
  assert.equal(count(w.db, 'sessions'), 0);
});

test('a corrupt line loses nothing else; a file with no JSON at all is refused, naming it, with nothing written', async (t) => {
  const w = world(t);
  const lines = claudeLines().map((l) => JSON.stringify(l));
  const secondPrompt = lines.findIndex((l) => l.includes('second prompt'));
  lines.splice(secondPrompt, 0, '{"type":"assistant","message":{"content":[{"type":"te');
  write(claudeFile(w), lines.join('\n') + '\n');
  const r = await importTranscript(w.repo, w.query('claude'), NOW);
  assert.equal(r.turns, 6, 'every turn around the torn line');
  assert.match(w.repo.edges(r.session.id).parents[0]!.note ?? '', /, 1 unreadable line skipped$/);

  const binary = write(claudeFile(w, 'aaaaaaaa-0000-4000-8000-000000000000'), '\u0000\u0001garbage\nnot json either\n');
  const before = [count(w.db, 'sessions'), count(w.db, 'messages'), count(w.db, 'edges')];
  await refused(
    importTranscript(w.repo, w.query('claude', 'aaaaaaaa-0000-4000-8000-000000000000'), NOW),
    new RegExp(`${binary.slice(w.root.length).replaceAll('.', '\\.')} is not a claude transcript: none of its 2 lines is JSON$`),
    /nothing was imported/,
  );
  assert.deepEqual([count(w.db, 'sessions'), count(w.db, 'messages'), count(w.db, 'edges')], before);
});

test('a key pasted into the conversation is redacted in the import, and a re-import still finds it', async (t) => {
  const w = world(t);
  const lines = claudeLines();
  const user = lines.find((l) => l.type === 'user' && typeof (l.message as JsonObject | undefined)?.content === 'string') as JsonObject & { message: JsonObject };
  user.message = { ...user.message, content: 'use OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 for this' };
  write(claudeFile(w), jsonl(lines));
  const first = await importTranscript(w.repo, w.query('claude'), NOW);
  const stored = w.repo.history(first.session.id, 1_000).map((m) => m.content).join('\n');
  assert.match(stored, /use OPENAI_API_KEY=\S+ for this/, 'the turn is there');
  assert.doesNotMatch(stored, /sk-proj-abcdefghij/, 'without the key');
  const again = await importTranscript(w.repo, w.query('claude'), NOW + 1);
  assert.equal(again.existed, true);
  assert.equal(again.turns, 0, 'no duplicate: the redacted turns are recognised');
});
