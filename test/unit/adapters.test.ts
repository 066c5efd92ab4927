import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TranscriptQuery, Turn } from '../../src/adapters/agentDescriptor.js';
import { claudeDescriptor } from '../../src/adapters/claude.js';
import { claudeProjectDirName } from '../../src/adapters/claudeTranscript.js';
import { codexDescriptor } from '../../src/adapters/codex.js';
import { geminiDescriptor } from '../../src/adapters/gemini.js';
import { replayGeminiChat } from '../../src/adapters/geminiTranscript.js';
import { genericCliDescriptor } from '../../src/adapters/genericCli.js';
import { opencodeDescriptor } from '../../src/adapters/opencode.js';
import { MAX_PROMPT_ARG_BYTES, promptArgument } from '../../src/adapters/promptArgument.js';
import { descriptorOf, agentName, detectKind, taskOfCommand } from '../../src/adapters/registry.js';
import { RelayError } from '../../src/platform/errors.js';
import { tempDir } from '../helpers/tempDir.js';

const FIXTURE_HOME = fileURLToPath(new URL('../fixtures/transcripts/home', import.meta.url));
const CWD = '/home/dev/project';
const MOCK = 'MOCK_OK: hello from the mock provider.';

const CLAUDE_RATE_LIMITED = '36f55bbd-9123-48ef-8b3e-e2366b7509e7';
const CLAUDE_RESUMED = '11111111-2222-4333-8444-555555555555';
const CLAUDE_DIR = '.claude/projects/-home-dev-project';
const CODEX_USAGE = '01a1fd8a-f494-79c0-a76f-b5dfb551a91b';
const CODEX_RESUMED = '01a1fd8b-bfdb-72d0-98f2-69a58a98b978';
const CODEX_DIR = '.codex/sessions/2026/11/21';
const GEMINI_QUOTA = '1f7d71b4-ece4-438d-b625-c5c8fa8d3506';
const GEMINI_RESUMED = '22222222-3333-4444-8555-666666666666';
const GEMINI_CHATS = '.gemini/tmp/project/chats';

/** A copy of the fixture home in a temp dir, removed (and proved gone) after the test. */
function fixtureHome(t: TestContext): string {
  const root = tempDir(t, 'adapters');
  const home = join(root, 'home');
  cpSync(FIXTURE_HOME, home, { recursive: true });
  return home;
}

/** Sets a file's mtime to `secondsAgo` before now. */
function age(path: string, secondsAgo: number): void {
  const at = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, at, at);
}

function query(home: string, extra: Partial<TranscriptQuery> = {}): TranscriptQuery {
  return { cwd: CWD, home, env: {}, limit: 20, ...extra };
}

const plain = (turns: Turn[]): Array<Pick<Turn, 'role' | 'text'>> => turns.map(({ role, text }) => ({ role, text }));

const threeRounds = (first: string, second: string, third: string): Array<Pick<Turn, 'role' | 'text'>> => [
  { role: 'user', text: first },
  { role: 'assistant', text: MOCK },
  { role: 'user', text: second },
  { role: 'assistant', text: MOCK },
  { role: 'user', text: third },
  { role: 'assistant', text: MOCK },
];

test('detectKind and agentName name a command by its program, or the package a launcher runs', () => {
  const cases: Array<[string, string[], string, string]> = [
    ['/usr/bin/claude', [], 'claude', 'claude'],
    ['claude', ['--model', 'opus'], 'claude', 'claude'],
    ['/usr/lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe', [], 'claude', 'claude'],
    ['node', ['/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js', '--resume'], 'claude', 'claude'],
    ['npx', ['-y', '@anthropic-ai/claude-code@latest'], 'claude', 'claude'],
    ['/opt/homebrew/bin/codex', [], 'codex', 'codex'],
    ['node', ['/x/node_modules/@openai/codex/bin/codex.js'], 'codex', 'codex'],
    ['gemini', ['-i', 'hi'], 'gemini', 'gemini'],
    ['node', ['--no-warnings', '/x/node_modules/@google/gemini-cli/bundle/gemini.js'], 'gemini', 'gemini'],
    ['/home/me/.opencode/bin/opencode', [], 'opencode', 'opencode'],
    ['/usr/local/bin/aider', ['--yes'], 'cli', 'cli:aider'],
    ['node', ['server.js'], 'cli', 'cli:node'],
    ['bash', ['-c', 'claude'], 'cli', 'cli:bash'],
  ];
  for (const [command, args, kind, name] of cases) {
    assert.equal(detectKind(command, args), kind, `${command} ${args.join(' ')}`);
    assert.equal(agentName(command, args), name, `${command} ${args.join(' ')}`);
  }
  assert.equal(descriptorOf('codex'), codexDescriptor);
  assert.equal(descriptorOf('cli'), genericCliDescriptor);
});

test('the task is read from the command line where each CLI takes its prompt, never from a flag value', () => {
  const cases: Array<[string, string[], string | null]> = [
    ['claude', ['fix the login bug'], 'fix the login bug'],
    ['claude', ['--model', 'opus', '-p', 'fix the login bug'], 'fix the login bug'],
    ['claude', ['--settings', '{"hooks":{}}', '--resume', 'abc'], null],
    ['claude', ['mcp', 'list'], null],
    ['/usr/local/bin/codex', ['-m', 'gpt-5', 'fix the login bug'], 'fix the login bug'],
    ['codex', ['exec', '--json', '-C', '/tmp', 'fix the login bug'], 'fix the login bug'],
    ['codex', ['resume', '--last'], null],
    ['codex', ['-c', 'model="o3"'], null],
    ['gemini', ['-m', 'gemini-2.5-flash', '-i', 'fix the login bug'], 'fix the login bug'],
    ['gemini', ['fix', 'the', 'login', 'bug'], 'fix the login bug'],
    ['gemini', ['--prompt=fix the login bug'], 'fix the login bug'],
    ['opencode', ['/home/dev/app'], null],
    ['opencode', ['--prompt', 'fix the login bug'], 'fix the login bug'],
    ['opencode', ['run', '-m', 'openai/gpt-5', 'fix', 'the', 'login', 'bug'], 'fix the login bug'],
    ['node', ['/x/node_modules/@anthropic-ai/claude-code/cli.js', '--model', 'opus', 'fix the login bug'], 'fix the login bug'],
    ['npx', ['@openai/codex', 'fix the login bug'], 'fix the login bug'],
    ['aider', ['--message', 'fix the login bug'], null],
    ['claude', [], null],
  ];
  for (const [command, args, task] of cases) assert.equal(taskOfCommand(command, args), task, `${command} ${args.join(' ')}`);
});

test('launch puts a handoff prompt where each CLI takes its first interactive prompt', () => {
  const prompt = '# Relay handoff\nContinue the task.';
  const spec = (kind: 'claude' | 'codex' | 'gemini' | 'opencode') => descriptorOf(kind).launch({ prompt, cwd: CWD });
  const claude = spec('claude');
  assert.deepEqual({ ...claude, args: [claude.args[0], claude.args.at(-1)] }, {
    command: 'claude',
    args: ['--settings', prompt],
    env: { CLAUDE_CODE_MAX_RETRIES: '2' },
    typePrompt: false,
  });
  // Relay's hooks ride along for a claude Relay starts: StopFailure runs this Relay's `hook claude`.
  const settings = JSON.parse(claude.args[1]!) as { hooks: Record<string, [{ hooks: [{ command: string }] }]> };
  assert.match(settings.hooks.StopFailure![0].hooks[0].command, /relay\.js hook claude$/);
  assert.deepEqual(spec('codex'), { command: 'codex', args: ['--dangerously-bypass-hook-trust', prompt], env: {}, typePrompt: false });
  assert.deepEqual(spec('gemini'), { command: 'gemini', args: ['-i', prompt, '-m', 'pro', '--skip-trust'], env: {}, typePrompt: false });
  assert.deepEqual(spec('opencode'), { command: 'opencode', args: ['--prompt', prompt], env: {}, typePrompt: false });
  assert.deepEqual(claudeDescriptor.launch({ cwd: CWD }).args, [], 'no prompt, no argument');
});

test('launch keeps the user’s own command line and only adds the environment', () => {
  const claude = claudeDescriptor.launch({ cwd: CWD, userArgs: ['/opt/claude', '--model', 'opus', '--resume'] });
  assert.deepEqual(claude, {
    command: '/opt/claude',
    args: ['--model', 'opus', '--resume'],
    env: { CLAUDE_CODE_MAX_RETRIES: '2' },
    typePrompt: false,
  });
  const gemini = geminiDescriptor.launch({ cwd: CWD, userArgs: ['gemini', '-m', 'flash'], prompt: 'go on' });
  assert.deepEqual(gemini.args, ['-m', 'flash', '-i', 'go on'], 'a prompt is appended in the CLI’s form');
  const withSession = geminiDescriptor.launch({ cwd: CWD, userArgs: ['gemini'], agentSession: GEMINI_RESUMED });
  assert.deepEqual(withSession.args, [], 'no --session-id forced onto a user command (it may resume)');
  assert.equal(withSession.agentSession, undefined);
});

test('a codex Relay starts for a handoff does not stall at "Hooks need review"; the user\'s own codex command is left as typed', () => {
  assert.equal(codexDescriptor.launch({ cwd: CWD, prompt: 'p' }).args[0], '--dangerously-bypass-hook-trust');
  assert.equal(codexDescriptor.launch({ cwd: CWD }).args[0], '--dangerously-bypass-hook-trust', 'with no prompt too');
  assert.deepEqual(codexDescriptor.launch({ cwd: CWD, userArgs: ['codex', '-m', 'o3'] }).args, ['-m', 'o3']);
});

test('launch pins the session id for CLIs that accept one chosen by the caller', () => {
  const id = '6a0c4c1e-8d1f-4a53-9d5e-1b2f3c4d5e6f';
  const claude = claudeDescriptor.launch({ cwd: CWD, prompt: 'p', agentSession: id });
  assert.deepEqual([...claude.args.slice(0, 3), claude.args.at(-1)], ['--session-id', id, '--settings', 'p']);
  assert.equal(claude.agentSession, id);
  const gemini = geminiDescriptor.launch({ cwd: CWD, prompt: 'p', agentSession: id });
  assert.deepEqual(gemini.args, ['--session-id', id, '-i', 'p', '-m', 'pro', '--skip-trust']);
  const codex = codexDescriptor.launch({ cwd: CWD, prompt: 'p', agentSession: id });
  assert.deepEqual(codex.args, ['--dangerously-bypass-hook-trust', 'p']);
  assert.equal(codex.agentSession, undefined, 'codex picks its own id');
  assert.equal(opencodeDescriptor.launch({ cwd: CWD, prompt: 'p', agentSession: id }).agentSession, undefined);
});

test('an unknown CLI runs as given and has its prompt typed', () => {
  assert.deepEqual(genericCliDescriptor.launch({ cwd: CWD, userArgs: ['aider', '--yes'], prompt: 'continue' }), {
    command: 'aider',
    args: ['--yes'],
    env: {},
    typePrompt: true,
  });
  assert.equal(genericCliDescriptor.launch({ cwd: CWD, userArgs: ['aider'] }).typePrompt, false);
  assert.throws(
    () => genericCliDescriptor.launch({ cwd: CWD, prompt: 'x' }),
    (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE',
  );
});

test('promptArgument keeps a prompt one safe argv string', () => {
  assert.equal(promptArgument('hello\nworld'), 'hello\nworld');
  assert.equal(promptArgument('--help me'), ' --help me', 'a leading dash is not read as an option');
  assert.equal(promptArgument('a\0b'), 'ab', 'execve cannot carry NUL');

  const head = '# Task\nfix the build\n';
  const tail = '\n## What to do next\nrun the tests\n';
  const big = head + 'x'.repeat(300 * 1024) + tail;
  const arg = promptArgument(big);
  assert.ok(Buffer.byteLength(arg) <= MAX_PROMPT_ARG_BYTES, `${Buffer.byteLength(arg)} bytes`);
  assert.ok(arg.startsWith(head) && arg.endsWith(tail), 'the task and the next steps survive');
  assert.match(arg, /\[… \d+ bytes of this handoff snapshot were cut here/);
  const cut = Number(/\[… (\d+) bytes/.exec(arg)?.[1]);
  const marker = /\n\n\[…[^\]]*\]\n\n/.exec(arg)?.[0] ?? '';
  assert.equal(Buffer.byteLength(arg) - Buffer.byteLength(marker) + cut, Buffer.byteLength(big), 'the count is exact');

  // Three-byte characters: the cut must not split one.
  const euros = promptArgument('€'.repeat(60_000), 1000);
  assert.ok(Buffer.byteLength(euros) <= 1000);
  assert.ok(!euros.includes('\uFFFD'), 'no broken UTF-8');
});

test('claudeProjectDirName follows the binary: non-alphanumerics become -, long paths get a hash', () => {
  assert.equal(claudeProjectDirName('/home/dev/project'), '-home-dev-project');
  assert.equal(claudeProjectDirName('/home/dev/my.app_v2'), '-home-dev-my-app-v2');
  const long = `/home/dev/${'deep/'.repeat(60)}x`;
  const name = claudeProjectDirName(long);
  assert.match(name, /^-home-dev-deep-[\w-]+-[0-9a-z]+$/);
  assert.equal(name.length > 200 && name.slice(0, 200), long.replace(/[^a-zA-Z0-9]/g, '-').slice(0, 200));
  assert.equal(claudeProjectDirName(long), name, 'stable');
});

test('claude: the turns of the real sample sessions, failed turn included', async (t) => {
  const home = fixtureHome(t);
  const limited = await claudeDescriptor.readTranscript(query(home, { agentSession: CLAUDE_RATE_LIMITED }));
  assert.deepEqual(limited, [
    { role: 'user', text: 'Say hello', at: Date.parse('2026-11-21T09:55:42.801Z') },
    {
      role: 'assistant',
      text: 'API Error: Request rejected (429) · This request would exceed the rate limit for your organization (mock-org) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
      at: Date.parse('2026-11-21T09:55:46.900Z'),
    },
  ]);
  const resumed = await claudeDescriptor.readTranscript(query(home, { agentSession: CLAUDE_RESUMED }));
  assert.deepEqual(
    plain(resumed),
    threeRounds('first prompt: remember the word PINEAPPLE', 'second prompt: what was the word?', 'third via stdin (continue)'),
  );
  const lastTwo = await claudeDescriptor.readTranscript(query(home, { agentSession: CLAUDE_RESUMED, limit: 2 }));
  assert.deepEqual(plain(lastTwo), threeRounds('a', 'b', 'third via stdin (continue)').slice(4));
  assert.deepEqual(await claudeDescriptor.readTranscript(query(home, { agentSession: CLAUDE_RESUMED, limit: 0 })), []);
});

test('claude: without a session id, the newest session of the cwd written since `since`', async (t) => {
  const home = fixtureHome(t);
  const limited = join(home, CLAUDE_DIR, `${CLAUDE_RATE_LIMITED}.jsonl`);
  const resumed = join(home, CLAUDE_DIR, `${CLAUDE_RESUMED}.jsonl`);
  age(limited, 60);
  age(resumed, 10);
  assert.equal((await claudeDescriptor.readTranscript(query(home)))[0]?.text, 'first prompt: remember the word PINEAPPLE');
  age(resumed, 120);
  assert.equal((await claudeDescriptor.readTranscript(query(home)))[0]?.text, 'Say hello');
  assert.deepEqual(await claudeDescriptor.readTranscript(query(home, { since: Date.now() - 30_000 })), [], 'both older');
  assert.deepEqual(await claudeDescriptor.readTranscript(query(home, { cwd: '/home/dev/other' })), []);
  assert.deepEqual(await claudeDescriptor.readTranscript(query(home, { agentSession: 'not-there' })), []);
  // CLAUDE_CONFIG_DIR moves ~/.claude.
  const moved = await claudeDescriptor.readTranscript(
    query('/nonexistent', { env: { CLAUDE_CONFIG_DIR: join(home, '.claude') }, agentSession: CLAUDE_RATE_LIMITED }),
  );
  assert.equal(moved.length, 2);
  assert.deepEqual(await claudeDescriptor.readTranscript(query('/nonexistent')), [], 'no ~/.claude at all');
});

test('claude: sidechains, meta lines and tool results are not conversation; tool calls are named', async (t) => {
  const home = fixtureHome(t);
  const dir = join(home, CLAUDE_DIR);
  const line = (o: object): string => `${JSON.stringify({ isSidechain: false, timestamp: '2026-11-21T10:00:00.000Z', ...o })}\n`;
  writeFileSync(
    join(dir, 'crafted.jsonl'),
    line({ type: 'user', isMeta: true, message: { role: 'user', content: '<local-command-caveat>x' } }) +
      line({ type: 'user', message: { role: 'user', content: 'fix the test' } }) +
      line({ type: 'assistant', message: { id: 'm1', content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Looking.' }] } }) +
      line({ type: 'assistant', message: { id: 'm1', content: [{ type: 'tool_use', name: 'Bash', input: { command: 'npm test' } }] } }) +
      line({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', content: 'ok' }] } }) +
      line({ type: 'assistant', isSidechain: true, message: { content: [{ type: 'text', text: 'subagent chatter' }] } }) +
      line({ type: 'assistant', message: { id: 'm2', content: [{ type: 'text', text: 'Fixed.' }] } }) +
      '{"type":"assistant","message":{"content":[{"type":"te', // torn last line: still being written
  );
  assert.deepEqual(plain(await claudeDescriptor.readTranscript(query(home, { agentSession: 'crafted' }))), [
    { role: 'user', text: 'fix the test' },
    { role: 'assistant', text: 'Looking.\n[tool: Bash]\nFixed.' },
  ]);
});

test('codex: the turns of the real rollouts; injected context skipped, the limit error kept', async (t) => {
  const home = fixtureHome(t);
  const usage = await codexDescriptor.readTranscript(query(home, { agentSession: CODEX_USAGE }));
  assert.deepEqual(usage, [
    { role: 'user', text: 'Say hello', at: Date.parse('2026-11-21T09:58:24.761Z') },
    {
      role: 'assistant',
      text: 'You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at 10:58 AM.',
      at: Date.parse('2026-11-21T09:58:24.809Z'),
    },
  ]);
  const resumed = await codexDescriptor.readTranscript(query(home, { agentSession: CODEX_RESUMED }));
  assert.deepEqual(plain(resumed), threeRounds('first prompt: remember PINEAPPLE', 'second prompt: what word?', 'third prompt via stdin'));
});

test('codex: without a session id, the newest rollout whose session_meta names the cwd', async (t) => {
  const home = fixtureHome(t);
  const dir = join(home, CODEX_DIR);
  const usage = join(dir, `rollout-2026-11-21T09-58-24-${CODEX_USAGE}.jsonl`);
  const resumed = join(dir, `rollout-2026-11-21T09-59-16-${CODEX_RESUMED}.jsonl`);
  // The newest rollout of all belongs to another project and must be passed over.
  const otherDir = join(home, '.codex/sessions/2026/11/22');
  mkdirSync(otherDir, { recursive: true });
  const other = join(otherDir, 'rollout-2026-11-22T08-00-00-0000aaaa-0000-7000-8000-000000000000.jsonl');
  writeFileSync(other, readFileSync(resumed, 'utf8').replaceAll('"cwd":"/home/dev/project"', '"cwd":"/home/dev/elsewhere"'));
  age(usage, 60);
  age(resumed, 30);
  age(other, 5);
  assert.equal((await codexDescriptor.readTranscript(query(home)))[0]?.text, 'first prompt: remember PINEAPPLE');
  age(resumed, 90);
  assert.equal((await codexDescriptor.readTranscript(query(home)))[0]?.text, 'Say hello');
  assert.equal((await codexDescriptor.readTranscript(query(home, { cwd: '/home/dev/elsewhere' }))).length, 6);
  assert.deepEqual(await codexDescriptor.readTranscript(query(home, { since: Date.now() - 20_000 })), []);
  const viaEnv = await codexDescriptor.readTranscript(query('/nonexistent', { env: { CODEX_HOME: join(home, '.codex') } }));
  assert.equal(viaEnv[0]?.text, 'Say hello', 'CODEX_HOME moves ~/.codex');
  assert.deepEqual(await codexDescriptor.readTranscript(query('/nonexistent')), []);
});

test('gemini: the turns of the real chat files, replayed through $set patches', async (t) => {
  const home = fixtureHome(t);
  const resumed = await geminiDescriptor.readTranscript(query(home, { agentSession: GEMINI_RESUMED }));
  assert.deepEqual(plain(resumed), threeRounds('first prompt: remember PINEAPPLE', 'second prompt: what word?', 'third via stdin'));
  // Resuming rewrites the history with new timestamps; the last $set is what the file says now.
  assert.equal(resumed[0]?.at, Date.parse('2026-11-21T10:18:16.818Z'));
  assert.equal(resumed[4]?.at, Date.parse('2026-11-21T10:18:16.861Z'));
  const quota = await geminiDescriptor.readTranscript(query(home, { agentSession: GEMINI_QUOTA }));
  assert.deepEqual(plain(quota), [{ role: 'user', text: 'Say hello' }], 'the info record is the UI’s, not a turn');
});

test('gemini: newest chat of the project; the slug from projects.json or the .project_root marker', async (t) => {
  const home = fixtureHome(t);
  const chats = join(home, GEMINI_CHATS);
  age(join(chats, 'session-2026-11-21T10-17-1f7d71b4.jsonl'), 10);
  age(join(chats, 'session-2026-11-21T10-18-22222222.jsonl'), 60);
  assert.deepEqual(plain(await geminiDescriptor.readTranscript(query(home))), [{ role: 'user', text: 'Say hello' }]);
  rmSync(join(home, '.gemini/projects.json'));
  assert.deepEqual(plain(await geminiDescriptor.readTranscript(query(home))), [{ role: 'user', text: 'Say hello' }], 'marker fallback');
  assert.deepEqual(await geminiDescriptor.readTranscript(query(home, { since: Date.now() - 5_000 })), []);
  assert.deepEqual(await geminiDescriptor.readTranscript(query(home, { cwd: '/home/dev/other' })), []);
  assert.deepEqual(await geminiDescriptor.readTranscript(query(home, { agentSession: '22222222-0000-4000-8000-000000000000' })), [], 'same 8-char prefix, other session');
  assert.deepEqual(await geminiDescriptor.readTranscript(query('/nonexistent')), []);
});

test('replayGeminiChat: records update in place, $set replaces, $rewindTo drops the tail', () => {
  const msg = (id: string, text: string) => ({ id, type: 'user', content: [{ text }] });
  const replayed = replayGeminiChat([
    { sessionId: 's', projectHash: 'h' },
    msg('a', 'one'),
    msg('b', 'two'),
    msg('a', 'one, edited'),
    msg('c', 'three'),
    { $rewindTo: 'b' },
    msg('d', 'four'),
  ]);
  assert.deepEqual(
    replayed.map((m) => m.id),
    ['a', 'd'],
  );
  assert.deepEqual(replayed[0], msg('a', 'one, edited'));
  assert.deepEqual(replayGeminiChat([msg('a', 'x'), { $set: { messages: [msg('z', 'y')] } }]), [msg('z', 'y')]);
});

test('opencode: nothing to read without a session id or an opencode on PATH', async (t) => {
  const home = fixtureHome(t);
  assert.deepEqual(await opencodeDescriptor.readTranscript(query(home, { env: { PATH: process.env.PATH } })), []);
  assert.deepEqual(
    await opencodeDescriptor.readTranscript(query(home, { env: { PATH: join(home, 'no-bin') }, agentSession: 'ses_x' })),
    [],
  );
});

test('the hook table written at build time is the registry\'s hook bindings, and each names a parser that loads', async () => {
  const written: unknown = JSON.parse(readFileSync(new URL('../../dist/adapters/hookTable.json', import.meta.url), 'utf8'));
  const { hookTable } = await import('../../src/adapters/registry.js');
  const { loadHookParser } = await import('../../src/hooks/hookParse.js');
  assert.deepEqual(written, hookTable(), 'dist/adapters/hookTable.json is stale: run npm run build');
  for (const e of hookTable()) assert.equal(typeof (await loadHookParser(e.parserModule)), 'function', e.parserModule);
  await assert.rejects(loadHookParser('../platform/errors'), /not a hook parser module/);
});
