import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/relayConfig.js';
import { setModeInText } from '../../src/config/modeSetting.js';
import { isRelayError } from '../../src/platform/errors.js';
import { makeTempHome } from '../helpers/tempHome.js';

const h = makeTempHome();
after(() => h.cleanup());

function writeConfig(text: string): void {
  mkdirSync(h.home, { recursive: true, mode: 0o700 });
  writeFileSync(h.paths.config, text, { mode: 0o600 });
}

/** What the user wrote, with comments, quoting, spacing and key order of their own. */
const USER_CONFIG = [
  '# Relay settings (mine)',
  'handoff:',
  '  order: [claude, codex]   # claude first',
  "  onLimit: 'park'",
  '',
  'mode:   auto    # ask me? not yet',
  'budget:',
  '  allowUnpriced: false',
  '',
].join('\n');

test('relay mode prints auto when nothing says otherwise, and creates nothing', async () => {
  const r = await h.relay(['mode']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^auto — each call runs at once/);
  assert.equal(existsSync(h.home), false, 'reading the mode does not create RELAY_HOME');
  const json = await h.relay(['mode', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { mode: 'auto', changed: false, config: h.paths.config });
});

test('relay mode edit with no config.yaml writes one holding only mode: edit, private to the user', async () => {
  const r = await h.relay(['mode', 'edit']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^edit — each call first shows worker, provider, model and estimated cost/);
  assert.equal(readFileSync(h.paths.config, 'utf8'), 'mode: edit\n');
  assert.equal(statSync(h.paths.config).mode & 0o777, 0o600);
  const now = await h.relay(['mode']);
  assert.match(now.stdout, /^edit /);
});

test('relay mode edit changes only the mode value: comments, quoting and other keys stay byte for byte', async () => {
  writeConfig(USER_CONFIG);
  const r = await h.relay(['mode', 'edit']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(h.paths.config, 'utf8'), USER_CONFIG.replace('mode:   auto    #', 'mode:   edit    #'));
  assert.equal(statSync(h.paths.config).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(h.home).filter((f) => f.endsWith('.tmp')), [], 'no temp file left beside it');
  // Back again: the file is the user's original.
  assert.equal((await h.relay(['mode', 'auto'])).code, 0);
  assert.equal(readFileSync(h.paths.config, 'utf8'), USER_CONFIG);
});

test('a config.yaml without a mode gets one line added at the end, the rest untouched', async () => {
  const before = '# no mode here\nhandoff:\n  order:\n    - claude\n    - gemini\n';
  writeConfig(before);
  assert.equal((await h.relay(['mode', 'edit'])).code, 0);
  assert.equal(readFileSync(h.paths.config, 'utf8'), `${before}mode: edit\n`);
});

test('relay mode with a value other than auto or edit is a usage error (exit 2) and changes nothing', async () => {
  writeConfig(USER_CONFIG);
  const r = await h.relay(['mode', 'fast']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^relay: .*'fast'.*auto, edit/);
  assert.equal(readFileSync(h.paths.config, 'utf8'), USER_CONFIG);
});

test('a config.yaml that does not validate is refused with one E_CONFIG line and not rewritten', async () => {
  const cases = [
    'handoff:\n  order: [claude\nmode: auto\n', // not YAML
    'mode: auto\nmodel: gpt-4o  # a typo of mine\n', // a key this version does not know
    'mode: fast\n', // a mode that does not exist
  ];
  for (const text of cases) {
    writeConfig(text);
    const r = await h.relay(['mode', 'edit']);
    assert.equal(r.code, 4, `exit code for ${JSON.stringify(text)}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`relay: ${h.paths.config}: `), r.stderr);
    assert.equal(readFileSync(h.paths.config, 'utf8'), text, 'the file is left as it was');
    const json = await h.relay(['mode', 'edit', '--json']);
    assert.equal(json.code, 4);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_CONFIG');
  }
  // The wrong key is named, with the nearest valid one, and even reading the mode refuses the file.
  writeConfig('model: x\n');
  assert.match((await h.relay(['mode'])).stderr, /unknown key model \(did you mean mode\?\)/);
});

test('the edit keeps CRLF line ends, a missing last newline and comment-only files', () => {
  const crlf = 'handoff:\r\n  onLimit: stop\r\nmode: auto\r\n';
  assert.equal(setModeInText(crlf, 'edit', 'config.yaml'), 'handoff:\r\n  onLimit: stop\r\nmode: edit\r\n');
  assert.equal(setModeInText('handoff:\r\n  onLimit: stop', 'edit', 'c'), 'handoff:\r\n  onLimit: stop\r\nmode: edit\r\n');
  assert.equal(setModeInText('mode: "auto"', 'edit', 'c'), 'mode: edit');
  assert.equal(setModeInText('# only a comment\n', 'edit', 'c'), '# only a comment\nmode: edit\n');
  assert.equal(setModeInText('', 'auto', 'c'), 'mode: auto\n');
  // A flow-style top-level map is re-printed through the Document: still valid, still the same settings.
  const flow = setModeInText('{handoff: {onLimit: stop}}\n', 'edit', 'c');
  const parsed = parseConfig(flow, 'c');
  assert.equal(parsed.mode, 'edit');
  assert.equal(parsed.handoff.onLimit, 'stop');
  assert.throws(() => setModeInText('mode: [auto\n', 'edit', 'c'), (e: unknown) => isRelayError(e) && e.code === 'E_CONFIG');
});
