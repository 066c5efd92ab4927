import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseDetachKey } from '../../src/config/detachKey.js';
import { editDistance, nearestKey } from '../../src/config/nearestKey.js';
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

function configError(t: TestContext, text: string, opts: { hint: boolean } = { hint: true }): RelayError {
  const paths = configFile(t, text);
  try {
    loadConfig(paths);
  } catch (e) {
    assert.ok(e instanceof RelayError, `expected a RelayError, got ${String(e)}`);
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.exitCode, 4);
    assert.ok(e.message.startsWith(`${paths.config}: `), `names the file: ${e.message}`);
    if (opts.hint) assert.equal(e.hint, 'fix the file or move it aside');
    return e;
  }
  assert.fail(`config was accepted: ${text}`);
}

const DEFAULTS = {
  handoff: { order: [], onLimit: 'park', actOnWarnings: true, debounceMs: DEFAULT_DEBOUNCE_MS, defaultCooldownMs: DEFAULT_COOLDOWN_MS },
  wrap: { detachKey: 'ctrl-]' },
  mode: 'auto',
  providers: {},
  workers: {},
  prices: {},
  budget: { allowUnpriced: false, warnAt: 0.8 },
  routing: {
    maxCooldownMs: 15 * 60_000,
    breakerFailures: 3,
    breakerOpenMs: 60_000,
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    useAgentClis: true,
  },
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

test('a mistyped key (ordr under handoff) is an E_CONFIG error naming the key, the file and the nearest valid key', (t) => {
  const e = configError(t, 'handoff:\n  ordr: [claude, codex]\n', { hint: false });
  assert.match(e.message, /: unknown key handoff\.ordr \(did you mean order\?\)$/);
  assert.equal(e.hint, 'rename it to order, or remove it');
  assert.match(configError(t, 'handoff:\n  debounce: 500\n', { hint: false }).message, /unknown key handoff\.debounce \(did you mean debounceMs\?\)/);
  assert.match(configError(t, 'Wrap:\n  detachKey: ctrl-g\n', { hint: false }).message, /unknown key Wrap \(did you mean wrap\?\)/);
  assert.match(configError(t, 'wrap:\n  detachkey: ctrl-g\n', { hint: false }).message, /unknown key wrap\.detachkey \(did you mean detachKey\?\)/);
});

test('an unknown top-level key (foo) is refused, and with no near key the fix lists the valid ones', (t) => {
  const e = configError(t, 'foo: 1\nhandoff:\n  onLimit: stop\n', { hint: false });
  assert.match(e.message, /: unknown key foo$/);
  assert.equal(e.hint, 'the keys at the top level are handoff, wrap, mode, providers, workers, prices, budget, routing; remove or rename it');
  assert.match(configError(t, 'handoff:\n  zzz: 1\n', { hint: false }).hint ?? '', /under handoff are order, onLimit, actOnWarnings, debounceMs, defaultCooldownMs/);
  assert.match(configError(t, 'foo: 1\nbar: 2\n', { hint: false }).message, /unknown key foo \(and 1 more\)$/);
});

test('detachKey: ctrl-1 (refused by wrap) is refused by config validation too, with the forms wrap accepts', (t) => {
  const e = configError(t, 'wrap:\n  detachKey: ctrl-1\n');
  assert.match(e.message, /wrap\.detachKey: "ctrl-1" is not a detach key; use ctrl-<letter> or one of ctrl-\] /);
  assert.throws(() => parseDetachKey('ctrl-1'), (err: unknown) => err instanceof RelayError && err.code === 'E_CONFIG');
  // Every key the config accepts, wrap accepts, and the other way round.
  for (const spec of ['ctrl-]', 'ctrl-g', 'C+q', 'ctrl-\\', 'ctrl-^', 'ctrl-_', 'none', 'ctrl-1', 'alt-x', 'ctrl-', 'ctrl-gg']) {
    let configOk = true;
    try {
      loadConfig(configFile(t, `wrap:\n  detachKey: '${spec}'\n`));
    } catch {
      configOk = false;
    }
    let wrapOk = true;
    try {
      parseDetachKey(spec);
    } catch {
      wrapOk = false;
    }
    assert.equal(configOk, wrapOk, `${spec}: config ${configOk ? 'accepts' : 'refuses'} it, wrap ${wrapOk ? 'accepts' : 'refuses'} it`);
  }
});

test('nearestKey suggests only a plausible typo', () => {
  assert.equal(nearestKey('ordr', ['order', 'onLimit']), 'order');
  assert.equal(nearestKey('foo', ['handoff', 'wrap']), undefined);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
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
  assert.match(configError(t, 'wrap:\n  detachKey: ""\n').message, /wrap\.detachKey: "" is not a detach key/);
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

test('a provider entry with an unknown key is refused naming the key and the nearest valid one', (t) => {
  const paths = configFile(t, 'providers:\n  work:\n    type: openai\n    apikey: env:WORK_KEY\n');
  assert.throws(() => loadConfig(paths), (e: RelayError) => {
    assert.match(e.message, /unknown key providers\.work\.apikey \(did you mean apiKey\?\)/);
    return true;
  });
});

test('a provider of an unknown type is refused naming the key', (t) => {
  const paths = configFile(t, 'providers:\n  work:\n    type: openia\n');
  assert.throws(() => loadConfig(paths), (e: RelayError) => {
    assert.match(e.message, /providers\.work\.type/);
    return true;
  });
});
