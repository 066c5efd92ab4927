import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEFAULT_COOLDOWN_MS, DEFAULT_DEBOUNCE_MS, loadConfig } from '../../src/config/relayConfig.js';
import { RelayError } from '../../src/platform/errors.js';
import { tempDir } from '../helpers/tempDir.js';

/** A temp dir holding `config.yaml` (written only when `text` is given); removed and checked gone. */
function configFile(t: TestContext, text?: string): { config: string } {
  const dir = tempDir(t, 'config');
  const config = join(dir, 'config.yaml');
  if (text !== undefined) writeFileSync(config, text);
  return { config };
}

function configError(t: TestContext, text: string): RelayError {
  const paths = configFile(t, text);
  try {
    loadConfig(paths);
  } catch (e) {
    assert.ok(e instanceof RelayError, `expected a RelayError, got ${String(e)}`);
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.exitCode, 4);
    assert.ok(e.message.startsWith(`${paths.config}: `), `names the file: ${e.message}`);
    assert.equal(e.hint, 'fix the file or move it aside');
    return e;
  }
  assert.fail(`config was accepted: ${text}`);
}

const DEFAULTS = {
  handoff: { order: [], onLimit: 'park', actOnWarnings: true, debounceMs: DEFAULT_DEBOUNCE_MS, defaultCooldownMs: DEFAULT_COOLDOWN_MS },
  wrap: { detachKey: 'ctrl-]' },
};

test('no config file means the defaults', (t) => {
  assert.deepEqual(loadConfig(configFile(t)), DEFAULTS);
  assert.equal(DEFAULT_COOLDOWN_MS, 15 * 60_000);
  assert.equal(DEFAULT_DEBOUNCE_MS, 10_000);
});

test('an empty file, or one holding only comments, means the defaults', (t) => {
  assert.deepEqual(loadConfig(configFile(t, '')), DEFAULTS);
  assert.deepEqual(loadConfig(configFile(t, '# nothing set yet\n')), DEFAULTS);
});

test('given values override the defaults key by key; sections left out keep theirs', (t) => {
  const cfg = loadConfig(
    configFile(t, 'handoff:\n  order: [claude, codex, "cli:aider"]\n  onLimit: stop\n  debounceMs: 500\n'),
  );
  assert.deepEqual(cfg.handoff, {
    order: ['claude', 'codex', 'cli:aider'],
    onLimit: 'stop',
    actOnWarnings: true,
    debounceMs: 500,
    defaultCooldownMs: DEFAULT_COOLDOWN_MS,
  });
  assert.deepEqual(cfg.wrap, { detachKey: 'ctrl-]' });
});

test('unknown keys are kept, at the top level and inside known sections', (t) => {
  const cfg = loadConfig(
    configFile(t, 'install:\n  hooks: [claude]\nhandoff:\n  future: 1\nwrap:\n  detachKey: ctrl-q\n'),
  ) as Record<string, unknown>;
  assert.deepEqual(cfg.install, { hooks: ['claude'] });
  assert.equal((cfg.handoff as Record<string, unknown>).future, 1);
  assert.equal((cfg.wrap as Record<string, unknown>).detachKey, 'ctrl-q');
});

test('a wrong type names the key and what was expected', (t) => {
  assert.match(configError(t, 'handoff:\n  debounceMs: soon\n').message, /handoff\.debounceMs: expected number, received string/);
  assert.match(configError(t, 'handoff:\n  onLimit: kill\n').message, /handoff\.onLimit: .*"park".*"stop"/);
  assert.match(configError(t, 'handoff:\n  order: claude\n').message, /handoff\.order: expected array/);
  assert.match(configError(t, 'handoff:\n  order: [claude, 7]\n').message, /handoff\.order\[1\]: expected string/);
  assert.match(configError(t, 'handoff:\n  order: [clade]\n').message, /handoff\.order\[0\]: expected an agent name/);
  assert.match(configError(t, 'handoff:\n  debounceMs: -1\n').message, /handoff\.debounceMs: /);
  assert.match(configError(t, 'handoff:\n  defaultCooldownMs: 1.5\n').message, /handoff\.defaultCooldownMs: expected int/);
  assert.match(configError(t, 'handoff: 3\n').message, /handoff: expected object/);
  assert.match(configError(t, 'wrap:\n  detachKey: ""\n').message, /wrap\.detachKey: /);
});

test('several wrong values: the first is named and the rest counted', (t) => {
  assert.match(configError(t, 'handoff:\n  debounceMs: x\n  onLimit: y\n').message, /\(and 1 more\)$/);
});

test('malformed YAML is refused with its line, never replaced by the defaults', (t) => {
  assert.match(configError(t, 'handoff:\n  order: [claude, codex\n').message, /not valid YAML: line \d+, column \d+: /);
  assert.match(configError(t, 'handoff:\n  debounceMs: 1\n  debounceMs: 2\n').message, /not valid YAML: .*unique/i);
});

test('a top level that is not a mapping is refused', (t) => {
  assert.match(configError(t, '- claude\n- codex\n').message, /expected a mapping of settings/);
  assert.match(configError(t, 'just words\n').message, /expected a mapping of settings/);
});

test('a file that exists but cannot be read is an E_CONFIG error, not the defaults', (t) => {
  if (process.getuid?.() === 0) return t.skip('root reads any file');
  const paths = configFile(t, 'handoff: {}\n');
  chmodSync(paths.config, 0o000);
  assert.throws(() => loadConfig(paths), (e: unknown) => e instanceof RelayError && e.code === 'E_CONFIG' && /cannot be read \(EACCES\)/.test(e.message));
});
