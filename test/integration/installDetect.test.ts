/** Detection of the agent CLIs and their config locations (src/install/detect.ts). */
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/tempDir.js';
import { processesMentioning } from '../helpers/leaks.js';
import { waitFor } from '../helpers/waitFor.js';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configLocation, detectAgents, parseVersion } from '../../src/install/detect.js';
import { relayHomeFrom } from '../../src/platform/paths.js';
import { RelayError } from '../../src/platform/errors.js';
import { FAKE_AGENTS_DIR } from '../fixtures/homes/installWorld.js';


test('config locations follow each CLI\'s own environment variables, and HOME from the environment', (t) => {
  const home = tempDir(t, 'detect');
  const env = { HOME: home };
  assert.equal(configLocation('claude', env).file, join(home, '.claude/settings.json'));
  assert.equal(configLocation('codex', env).file, join(home, '.codex/hooks.json'));
  assert.equal(configLocation('gemini', env).file, join(home, '.gemini/settings.json'));
  assert.equal(configLocation('opencode', env).file, join(home, '.config/opencode/plugins/relay.js'));
  assert.equal(relayHomeFrom(env), join(home, '.relay'));

  const moved = {
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, 'cc'),
    CODEX_HOME: 'cx',
    GEMINI_CLI_HOME: join(home, 'gh'),
    XDG_CONFIG_HOME: join(home, 'xdg'),
    RELAY_HOME: join(home, 'r'),
  };
  assert.deepEqual(configLocation('claude', moved), { dir: join(home, 'cc'), file: join(home, 'cc/settings.json'), source: 'CLAUDE_CONFIG_DIR' });
  assert.equal(configLocation('codex', moved).file, join(home, 'cx/hooks.json'), 'a relative CODEX_HOME is taken from HOME');
  assert.equal(configLocation('gemini', moved).file, join(home, 'gh/.gemini/settings.json'));
  assert.equal(configLocation('opencode', moved).file, join(home, 'xdg/opencode/plugins/relay.js'));
  assert.equal(configLocation('opencode', { ...moved, OPENCODE_CONFIG_DIR: join(home, 'oc') }).file, join(home, 'oc/plugins/relay.js'));
  assert.equal(relayHomeFrom(moved), join(home, 'r'));

  // OpenCode scans plugin/ and plugins/: an existing plugin/ is used rather than a second directory.
  mkdirSync(join(home, '.config/opencode/plugin'), { recursive: true });
  assert.equal(configLocation('opencode', env).file, join(home, '.config/opencode/plugin/relay.js'));
  mkdirSync(join(home, '.config/opencode/plugins'));
  assert.equal(configLocation('opencode', env).file, join(home, '.config/opencode/plugins/relay.js'));

  assert.throws(() => configLocation('claude', {}), (e: unknown) => e instanceof RelayError && e.code === 'E_CONFIG' && /HOME is not set/.test(e.message));
  assert.throws(() => relayHomeFrom({ HOME: 'relative' }), RelayError);
});

test('the version in each real CLI\'s --version line', () => {
  assert.equal(parseVersion('2.1.197 (Claude Code)\n'), '2.1.197');
  assert.equal(parseVersion('codex-cli 0.169.0\n'), '0.169.0');
  assert.equal(parseVersion('0.61.0\n'), '0.61.0');
  assert.equal(parseVersion('1.18.33\n'), '1.18.33');
  assert.equal(parseVersion('1.2.3-nightly.20261121\n'), '1.2.3-nightly.20261121');
  assert.equal(parseVersion('no version here'), null);
});

test('detection finds the CLIs on the PATH given, reads versions in parallel, and a hung or failing --version is "unknown"', async (t) => {
  const dir = tempDir(t, 'detect');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  // A gemini that never answers and never exits (its child holds the output pipe: no exec), and
  // an opencode that fails.
  writeFileSync(join(bin, 'gemini'), `#!/bin/sh\nnode -e "setInterval(() => {}, 1000)" ${dir}\n`);
  writeFileSync(join(bin, 'opencode'), '#!/bin/sh\necho "segfault" >&2\nexit 139\n');
  chmodSync(join(bin, 'gemini'), 0o755);
  chmodSync(join(bin, 'opencode'), 0o755);
  const only = join(dir, 'agents');
  mkdirSync(only);
  for (const a of ['claude', 'codex']) symlinkSync(join(FAKE_AGENTS_DIR, a), join(only, a));

  const started = Date.now();
  const found = await detectAgents({ HOME: dir, PATH: `${only}:${bin}` }, 1_500);
  const elapsed = Date.now() - started;
  assert.deepEqual(
    found.map((d) => [d.agent, d.binary, d.version]),
    [
      ['claude', join(only, 'claude'), '2.1.197'],
      ['codex', join(only, 'codex'), '0.169.0'],
      ['gemini', join(bin, 'gemini'), null],
      ['opencode', join(bin, 'opencode'), null],
    ],
  );
  assert.ok(elapsed < 4_000, `the hung --version is cut at its timeout (${elapsed} ms)`);
  await waitFor(() => processesMentioning(dir).length === 0, 'the hung --version and its child to be killed', 2_000);

  const none = await detectAgents({ HOME: dir, PATH: bin.replace(/bin$/, 'nothing') });
  assert.ok(none.every((d) => d.binary === null && d.version === null));
});
