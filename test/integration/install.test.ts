/**
 * `relay install` / `relay uninstall` end to end: the built CLI against copies of real CLI config
 * files (test/fixtures/homes), the fake agents on the PATH, HOME and RELAY_HOME in a temp dir.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffChars } from 'diff';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseYaml } from 'yaml';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { FAKE_AGENTS_DIR, fixtureTree, HOMES_DIR, makeInstallWorld, type InstallWorld } from '../fixtures/homes/installWorld.js';

const CLAUDE = '.claude/settings.json';
const CODEX = '.codex/hooks.json';
const CODEX_TOML = '.codex/config.toml';
const GEMINI = '.gemini/settings.json';
const OPENCODE_PLUGIN = '.config/opencode/plugins/relay.js';
const RELAY_CONFIG = '.relay/config.yaml';

interface Handler {
  type?: string;
  command?: string;
  timeout?: number;
  name?: string;
}
type HooksDoc = { hooks?: Record<string, Array<{ matcher?: string; hooks?: Handler[] }>> };

function jsonc(bytes: Buffer): HooksDoc {
  return parseJsonc(bytes.toString('utf8').replace(/^\uFEFF/, '')) as HooksDoc;
}

/** Relay's handlers per event (`hook <arg>` commands), each with its group. */
function relayHandlers(doc: HooksDoc, arg: string): Map<string, Handler[]> {
  const out = new Map<string, Handler[]>();
  for (const [event, groups] of Object.entries(doc.hooks ?? {})) {
    for (const g of groups) for (const h of g.hooks ?? []) if (h.command?.endsWith(` hook ${arg}`)) out.set(event, [...(out.get(event) ?? []), h]);
  }
  return out;
}

/** Install only inserted characters: nothing of the file before is removed or changed. */
function assertOnlyInsertions(before: Buffer, after: Buffer, what: string): void {
  const removed = diffChars(before.toString('utf8'), after.toString('utf8')).filter((p) => p.removed);
  assert.deepEqual(removed.map((p) => p.value), [], `${what}: install removed bytes of the user's file`);
}

function treeDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? '(absent)'} → ${b.get(k) ?? '(absent)'}`);
}

async function withWorld(fixture: Parameters<typeof makeInstallWorld>[0], body: (w: InstallWorld) => Promise<void>): Promise<void> {
  const w = makeInstallWorld(fixture);
  try {
    await body(w);
  } finally {
    w.cleanup();
  }
}

test('install registers every hook, keeps every user byte; a second install changes nothing; uninstall restores every file byte for byte', async () => {
  await withWorld('full', async (w) => {
    const before = new Map([CLAUDE, CODEX, CODEX_TOML, GEMINI, RELAY_CONFIG].map((f) => [f, w.read(f)]));

    const r = await w.relay(['install']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /claude\s+2\.1\.197\s/);
    assert.match(r.stdout, /codex\s+0\.169\.0\s/);
    assert.match(r.stdout, /gemini\s+0\.61\.0\s/);
    assert.match(r.stdout, /opencode\s+1\.18\.33\s/);
    assert.match(r.stdout, /Hooks need review/, 'says that Codex runs hooks only once trusted');
    assert.match(r.stdout, /autostart: skipped — systemctl is not on the PATH/);

    // Claude: four events, timeout in seconds, absolute node and relay.js.
    const claude = w.read(CLAUDE);
    assertOnlyInsertions(before.get(CLAUDE)!, claude, CLAUDE);
    const ch = relayHandlers(jsonc(claude), 'claude');
    assert.deepEqual([...ch.keys()].sort(), ['SessionEnd', 'SessionStart', 'Stop', 'StopFailure']);
    for (const [, hs] of ch) {
      assert.equal(hs.length, 1);
      assert.equal(hs[0]!.timeout, 10);
      assert.equal(hs[0]!.type, 'command');
      assert.ok(hs[0]!.command!.includes(`${process.execPath} ${CLI_ENTRY} hook claude`), hs[0]!.command);
      assert.ok(hs[0]!.command!.startsWith(`RELAY_HOME=${w.relayHome} `), 'the hook reports to the RELAY_HOME install ran with');
    }
    const claudeDoc = jsonc(claude);
    assert.equal(claudeDoc.hooks!.Stop![0]!.hooks![0]!.command, "notify-send 'Claude Code' 'Turn finished'", "the user's Stop hook stays first");
    assert.equal(claudeDoc.hooks!.PostToolUse!.length, 1);
    JSON.parse(claude.toString('utf8')); // still plain JSON, as Claude Code reads it

    // Codex: four events; SessionEnd asks for the 3 s Codex allows (it warns about more on every
    // run); config.toml (notify, comments, hook trust) untouched.
    const codex = w.read(CODEX);
    assertOnlyInsertions(before.get(CODEX)!, codex, CODEX);
    const xh = relayHandlers(jsonc(codex), 'codex');
    assert.deepEqual([...xh.keys()].sort(), ['SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']);
    assert.deepEqual(Object.fromEntries([...xh].map(([e, hs]) => [e, hs.map((h) => h.timeout)])), { SessionStart: [10], UserPromptSubmit: [10], Stop: [10], SessionEnd: [3] });
    assert.ok(w.read(CODEX_TOML).equals(before.get(CODEX_TOML)!), 'config.toml is not touched');

    // Gemini: comments kept, timeout in milliseconds, named, hooksConfig.enabled added beside the user's key.
    const gemini = w.read(GEMINI);
    assertOnlyInsertions(before.get(GEMINI)!, gemini, GEMINI);
    const gh = relayHandlers(jsonc(gemini), 'gemini');
    assert.deepEqual([...gh.keys()].sort(), ['AfterAgent', 'BeforeModel', 'SessionEnd']);
    for (const [, hs] of gh) {
      assert.equal(hs[0]!.timeout, 10_000);
      assert.equal(hs[0]!.name, 'relay');
    }
    assert.deepEqual((parseJsonc(gemini.toString('utf8')) as { hooksConfig: unknown }).hooksConfig, { notifications: false, enabled: true });
    assert.match(gemini.toString('utf8'), /"maxAttempts": 3 \/\/ fewer retries: Relay hands off instead/);

    // OpenCode: Relay's own plugin next to the user's.
    assert.match(w.read(OPENCODE_PLUGIN).toString('utf8'), /relay-opencode-plugin/);
    assert.ok(existsSync(join(w.home, '.config/opencode/plugins/notify.js')));

    // config.yaml: the inferred order, the user's comments and sections kept.
    const config = w.read(RELAY_CONFIG).toString('utf8');
    assert.deepEqual(parseYaml(config).handoff.order, ['claude', 'codex', 'gemini', 'opencode']);
    assert.match(config, /# Relay settings \(hand-written; relay install must keep this comment\)/);
    assert.match(config, /detachKey: ctrl-\] {3}# the default, spelled out/);
    assert.equal(parseYaml(config).handoff.debounceMs, 15000);

    // Again: not one byte anywhere changes, and nothing is duplicated.
    const installed = w.tree();
    const again = await w.relay(['install']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to change: Relay is already installed/);
    assert.equal((again.stdout.match(/already installed/g) ?? []).length, 5);
    assert.deepEqual(treeDiff(installed, w.tree()), []);

    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.deepEqual(treeDiff(fixtureTree('full'), w.tree()), [], 'every file as before install; created files and dirs gone');
  });
});

test('uninstall after the user edited the files keeps their edits and removes only Relay entries', async () => {
  await withWorld('full', async (w) => {
    const original = { claude: w.read(CLAUDE).toString('utf8'), gemini: w.read(GEMINI).toString('utf8'), config: w.read(RELAY_CONFIG).toString('utf8') };
    assert.equal((await w.relay(['install'])).code, 0);
    // The user edits after install: a setting in Claude, a comment in Gemini, a key in config.yaml.
    const editClaude = (s: string): string => s.replace('"model": "opus"', '"model": "sonnet"');
    const editGemini = (s: string): string => s.replace('"hideBanner": true', '"hideBanner": false // edited after install');
    writeFileSync(join(w.home, CLAUDE), editClaude(w.read(CLAUDE).toString('utf8')));
    writeFileSync(join(w.home, GEMINI), editGemini(w.read(GEMINI).toString('utf8')));
    // (A key Relay does not know is an error in config.yaml, so the edit is to a real setting.)
    writeFileSync(join(w.home, RELAY_CONFIG), w.read(RELAY_CONFIG).toString('utf8').replace('debounceMs: 15000', 'debounceMs: 8877'));

    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /Relay entries removed; your later changes kept/);
    assert.equal(w.read(CLAUDE).toString('utf8'), editClaude(original.claude), 'Claude: exactly the original plus the user edit');
    assert.equal(w.read(GEMINI).toString('utf8'), editGemini(original.gemini), 'Gemini: exactly the original plus the user edit');
    const config = parseYaml(w.read(RELAY_CONFIG).toString('utf8'));
    assert.equal(config.handoff.order, undefined, 'the order install wrote is gone');
    assert.equal(config.handoff.debounceMs, 8877, "the user's edit stays");
    assert.match(w.read(RELAY_CONFIG).toString('utf8'), /# Relay settings \(hand-written/);
    // Files nobody edited are restored byte for byte; the install record is gone.
    assert.ok(w.read(CODEX).equals(readFileSync(join(HOMES_DIR, 'full', CODEX))));
    assert.equal(existsSync(join(w.home, OPENCODE_PLUGIN)), false);
    assert.equal(existsSync(join(w.relayHome, 'install')), false);
  });
});

test('regression: uninstall takes its order out of a config.yaml with a key this version refuses (a typo), and keeps the typo', async () => {
  await withWorld('full', async (w) => {
    assert.equal((await w.relay(['install'])).code, 0);
    const typo = `${w.read(RELAY_CONFIG).toString('utf8')}wrpa:\n  detachKey: ctrl-q\n`;
    writeFileSync(join(w.home, RELAY_CONFIG), typo);
    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    const after = w.read(RELAY_CONFIG).toString('utf8');
    assert.equal(parseYaml(after).handoff.order, undefined, 'the order install wrote is gone');
    assert.match(after, /^wrpa:\n {2}detachKey: ctrl-q\n/m, "the user's typo is theirs to fix; it stays");
  });
});

test('a malformed settings file is refused with E_CONFIG (exit 4), left untouched, and nothing else is written', async () => {
  await withWorld('malformed', async (w) => {
    const before = w.tree();
    const r = await w.relay(['install']);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(r.stderr, new RegExp(`^relay: ${join(w.home, CLAUDE).replaceAll('/', '\\/')}: not valid JSON \\(.*\\) at line \\d+, column \\d+ — fix the file`));
    assert.deepEqual(treeDiff(before, w.tree()), [], 'no file written, not even RELAY_HOME');

    const json = await w.relay(['install', '--json']);
    assert.equal(json.code, 4);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_CONFIG');
    assert.deepEqual(treeDiff(before, w.tree()), []);
  });
});

test('a settings path Relay cannot read (a directory in its place) is refused the same way', async () => {
  await withWorld(null, async (w) => {
    mkdirSync(join(w.home, '.gemini/settings.json'), { recursive: true });
    const before = w.tree();
    const r = await w.relay(['install']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /settings\.json: cannot be read \(EISDIR\)/);
    assert.deepEqual(treeDiff(before, w.tree()), []);
  });
});

test('--dry-run prints unified diffs and writes nothing', async () => {
  await withWorld('full', async (w) => {
    const before = w.tree();
    const r = await w.relay(['install', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing is written/);
    assert.match(r.stdout, new RegExp(`^--- ${join(w.home, CLAUDE)}\\n\\+\\+\\+ ${join(w.home, CLAUDE)}$`, 'm'));
    assert.match(r.stdout, /^\+ {12}"command": ".* hook claude",$/m);
    assert.match(r.stdout, new RegExp(`^--- /dev/null\\n\\+\\+\\+ ${join(w.home, OPENCODE_PLUGIN)}$`, 'm'));
    assert.match(r.stdout, /^\+ {4}- claude$/m, 'the config.yaml change');
    assert.deepEqual(treeDiff(before, w.tree()), []);

    const un = await w.relay(['uninstall', '--dry-run']);
    assert.equal(un.code, 0);
    assert.match(un.stdout, /nothing to uninstall/);
  });
});

test('--no-handoff-order leaves config.yaml alone; --handoff-order writes the given order and uninstall restores the file', async () => {
  await withWorld(null, async (w) => {
    const skip = await w.relay(['install', '--no-handoff-order', '--no-autostart']);
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /handoff order: not written \(--no-handoff-order\)/);
    assert.equal(existsSync(join(w.relayHome, 'config.yaml')), false);

    const explicit = await w.relay(['install', '--handoff-order', 'gemini', 'claude,opencode']);
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.deepEqual(parseYaml(readFileSync(join(w.relayHome, 'config.yaml'), 'utf8')).handoff.order, ['gemini', 'claude', 'opencode']);

    // Without the option, an order given explicitly is not replaced by inference.
    const kept = await w.relay(['install']);
    assert.equal(kept.code, 0);
    assert.match(kept.stdout, /handoff order: gemini → claude → opencode kept/);

    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.deepEqual([...w.tree().keys()], [], 'HOME is empty again: every file and directory install created is gone');
  });
});

test('--handoff-order rejects unknown names and repeats with a usage error', async () => {
  await withWorld(null, async (w) => {
    const bad = await w.relay(['install', '--handoff-order', 'claude', 'cursor']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--handoff-order: "cursor" is not an agent name/);
    const dup = await w.relay(['install', '--handoff-order', 'claude', 'claude']);
    assert.equal(dup.code, 2);
    assert.deepEqual([...w.tree().keys()], []);
  });
});

test('with fewer than two agents no handoff order is inferred', async () => {
  await withWorld(null, async (w) => {
    // Only claude on the PATH.
    const only = join(w.root, 'only-claude');
    mkdirSync(only);
    symlinkSync(join(FAKE_AGENTS_DIR, 'claude'), join(only, 'claude'));
    const r = await w.relay(['install', '--no-autostart'], { PATH: `${only}:${w.bin}` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /codex\s+not found/);
    assert.match(r.stdout, /handoff order: not written \(1 agent CLI found; a handoff needs at least two\)/);
    assert.equal(existsSync(join(w.relayHome, 'config.yaml')), false);
    assert.equal(existsSync(join(w.home, CODEX)), false, 'an agent not found is not configured');
    assert.equal(relayHandlers(jsonc(w.read(CLAUDE)), 'claude').size, 4);
  });
});

test('autostart: a systemd user unit running the daemon in the foreground, enabled, then disabled and removed', async () => {
  await withWorld(null, async (w) => {
    const log = w.fakeSystemctl();
    const r = await w.relay(['install', '--no-handoff-order']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /autostart: enabled/);
    const unit = readFileSync(join(w.home, '.config/systemd/user/relay.service'), 'utf8');
    assert.match(unit, /^Type=simple$/m);
    assert.match(unit, new RegExp(`^ExecStart="${process.execPath}" ".*/dist/supervisor/daemonMain\\.js" --home "${w.relayHome}"$`, 'm'));
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['--user show-environment', '--user daemon-reload', '--user enable relay.service']);

    const again = await w.relay(['install', '--no-handoff-order']);
    assert.match(again.stdout, /autostart: already enabled/);

    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /autostart: disabled/);
    assert.match(readFileSync(log, 'utf8'), /--user disable relay\.service\n--user daemon-reload\n$/);
    assert.deepEqual([...w.tree().keys()], []);
  });
});

test('--warp writes the MCP entry for Warp and says where to paste it; --json records what was done', async () => {
  await withWorld(null, async (w) => {
    const r = await w.relay(['install', '--warp', '--json', '--no-autostart']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      agents: Array<{ agent: string; found: boolean; version: string | null; status: string }>;
      files: Array<{ path: string; action: string }>;
      warp: { file: string; instructions: string };
      handoffOrder: { status: string; order: string[] };
      autostart: { status: string; reason: string };
    };
    assert.deepEqual(
      report.agents.map((a) => [a.agent, a.version, a.status]),
      [
        ['claude', '2.1.197', 'installed'],
        ['codex', '0.169.0', 'installed'],
        ['gemini', '0.61.0', 'installed'],
        ['opencode', '1.18.33', 'installed'],
      ],
    );
    assert.equal(report.handoffOrder.status, 'written');
    assert.deepEqual(report.autostart, { status: 'skipped', unit: null, reason: '--no-autostart' });
    assert.equal(report.warp.file, join(w.relayHome, 'warp-mcp.json'));
    assert.match(report.warp.instructions, /Settings → Agents → MCP servers/);
    const snippet = JSON.parse(readFileSync(report.warp.file, 'utf8')) as { relay: { command: string; args: string[]; env: Record<string, string> } };
    assert.deepEqual(snippet.relay.args, [CLI_ENTRY, 'mcp']);
    assert.equal(snippet.relay.command, process.execPath);
    assert.deepEqual(snippet.relay.env, { RELAY_HOME: w.relayHome });
    assert.ok(report.files.every((f) => f.action === 'create'));

    const un = await w.relay(['uninstall', '--json']);
    assert.equal(un.code, 0);
    assert.equal((JSON.parse(un.stdout) as { changed: boolean }).changed, true);
    assert.deepEqual([...w.tree().keys()], []);
  });
});

test('CRLF, tabs, a byte-order mark, one-line JSON and the singular plugin/ directory survive install and uninstall', async () => {
  await withWorld('crlf-tabs', async (w) => {
    const r = await w.relay(['install', '--no-autostart']);
    assert.equal(r.code, 0, r.stderr);
    const claude = w.read(CLAUDE).toString('utf8');
    assert.ok(claude.startsWith('\uFEFF{\r\n\t"model"'), 'BOM and the first line kept');
    assert.doesNotMatch(claude.replaceAll('\r\n', ''), /\n/, 'only CRLF line endings');
    assert.match(claude, /\r\n\t\t"StopFailure": \[\r\n\t\t\t\{/, 'tab indentation followed');
    assert.equal(w.read(CODEX).toString('utf8').includes('\n'), false, 'one-line JSON stays on one line');
    assert.ok(existsSync(join(w.home, '.config/opencode/plugin/relay.js')), 'the existing plugin/ directory is used');
    assert.equal(existsSync(join(w.home, '.config/opencode/plugins')), false);
    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.deepEqual(treeDiff(fixtureTree('crlf-tabs'), w.tree()), []);
  });
});

/**
 * What Codex 0.169.0 appends to config.toml when the user picks "Trust all and continue": one
 * `[hooks.state."<hooks.json>:<event_snake>:<group>:<handler>"]` table per hook, after a
 * `[hooks.state]` header, each after a blank line (recorded with the real binary).
 */
function codexTrustsEveryHook(w: InstallWorld): void {
  const file = join(w.home, CODEX);
  const doc = jsonc(w.read(CODEX));
  let toml = existsSync(join(w.home, CODEX_TOML)) ? w.read(CODEX_TOML).toString('utf8') : '';
  toml += `${toml ? '\n' : ''}[hooks.state]\n`;
  for (const [event, groups] of Object.entries(doc.hooks ?? {})) {
    const snake = event.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    groups.forEach((g, gi) => g.hooks?.forEach((_h, hi) => (toml += `\n[hooks.state."${file}:${snake}:${gi}:${hi}"]\ntrusted_hash = "sha256:${'ab'.repeat(32)}"\n`)));
  }
  writeFileSync(join(w.home, CODEX_TOML), toml);
}

test("uninstall removes the hook-trust tables Codex wrote for Relay's hooks from config.toml, and only those", async () => {
  await withWorld('full', async (w) => {
    const original = w.read(CODEX_TOML).toString('utf8');
    assert.match(original, /^# Codex settings — edited by hand, keep the comments\./);
    assert.equal((await w.relay(['install', '--no-handoff-order'])).code, 0);
    codexTrustsEveryHook(w);
    const trusted = w.read(CODEX_TOML).toString('utf8');
    assert.equal((trusted.match(/trusted_hash/g) ?? []).length, 6, "the user's two hooks and Relay's four");

    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.ok(w.read(CODEX).equals(readFileSync(join(HOMES_DIR, 'full', CODEX))), 'hooks.json as before install');
    const after = w.read(CODEX_TOML).toString('utf8');
    // The user's own hooks stay trusted: Relay's group came after theirs in each event.
    const userKeys = [`${join(w.home, CODEX)}:pre_tool_use:0:0`, `${join(w.home, CODEX)}:stop:0:0`];
    assert.equal(after, `${original}\n[hooks.state]\n${userKeys.map((k) => `\n[hooks.state."${k}"]\ntrusted_hash = "sha256:${'ab'.repeat(32)}"\n`).join('')}`);
  });
});

test('config.toml is given back byte for byte when only Codex\'s trust of Relay\'s hooks was added, and deleted when Codex created it for them', async () => {
  await withWorld('full', async (w) => {
    const original = w.read(CODEX_TOML);
    // Only Relay's hooks in hooks.json: the user has none.
    writeFileSync(join(w.home, CODEX), '{}\n');
    const fixture = w.tree();
    assert.equal((await w.relay(['install', '--no-handoff-order'])).code, 0);
    codexTrustsEveryHook(w);
    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /config\.toml/);
    assert.ok(w.read(CODEX_TOML).equals(original), 'config.toml exactly as before install: comments, tables, no empty [hooks.state]');
    assert.deepEqual(treeDiff(fixture, w.tree()), []);
  });
  await withWorld('full', async (w) => {
    const { rmSync } = await import('node:fs');
    rmSync(join(w.home, CODEX_TOML));
    rmSync(join(w.home, CODEX));
    const fixture = w.tree();
    assert.equal((await w.relay(['install', '--no-handoff-order'])).code, 0);
    codexTrustsEveryHook(w);
    assert.equal((await w.relay(['uninstall'])).code, 0);
    assert.equal(existsSync(join(w.home, CODEX_TOML)), false, 'the config.toml Codex wrote only to trust Relay\'s hooks is gone');
    assert.deepEqual(treeDiff(fixture, w.tree()), []);
  });
});

test("OpenCode: install says its next start waits for OpenCode's own npm run; uninstall removes Relay's plugin and leaves OpenCode's files", async () => {
  await withWorld('full', async (w) => {
    const dir = join(w.home, '.config/opencode');
    const r = await w.relay(['install', '--no-handoff-order']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /has no node_modules yet: OpenCode's next start runs npm there/);
    assert.equal(existsSync(join(dir, 'package.json')), false, 'Relay writes no package.json');
    // What opencode 1.18.33 writes into its config dir on its next start (with or without Relay).
    mkdirSync(join(dir, 'node_modules/@opencode-ai/plugin'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{\n  "dependencies": {\n    "@opencode-ai/plugin": "1.18.33"\n  }\n}');
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    assert.equal(existsSync(join(w.home, OPENCODE_PLUGIN)), false);
    for (const f of ['package.json', 'package-lock.json', 'node_modules/@opencode-ai/plugin']) assert.ok(existsSync(join(dir, f)), `OpenCode's ${f} stays`);
    const again = await w.relay(['install', '--no-handoff-order']);
    assert.doesNotMatch(again.stdout, /has no node_modules yet/, 'no wait ahead once OpenCode has its package');
  });
});

test('doctor says for codex which limits Relay sees and which it does not', async () => {
  await withWorld('full', async (w) => {
    assert.equal((await w.relay(['install', '--no-handoff-order'])).code, 0);
    const r = await w.relay(['doctor']);
    const line = r.stdout.split('\n').find((l) => l.includes('codex 0.169.0; hooks in'));
    assert.ok(line, r.stdout);
    assert.match(line, /under relay wrap or a handoff, on the screen/);
    assert.match(line, /from its rollout while it runs/);
    assert.match(line, /Not seen: a codex outside Relay whose hooks are not trusted/);
  });
});

test('uninstall without an install record still removes Relay hooks it finds (and nothing else)', async () => {
  await withWorld('full', async (w) => {
    assert.equal((await w.relay(['install', '--no-handoff-order'])).code, 0);
    // The record is lost (RELAY_HOME deleted by hand).
    const { rmSync } = await import('node:fs');
    rmSync(join(w.relayHome, 'install'), { recursive: true });
    const un = await w.relay(['uninstall']);
    assert.equal(un.code, 0, un.stderr);
    for (const [file, arg] of [
      [CLAUDE, 'claude'],
      [CODEX, 'codex'],
      [GEMINI, 'gemini'],
    ] as const) {
      assert.equal(relayHandlers(jsonc(w.read(file)), arg).size, 0, `${file}: Relay hooks removed`);
    }
    assert.ok(w.read(CODEX_TOML).equals(readFileSync(join(HOMES_DIR, 'full', CODEX_TOML))), 'config.toml as in the fixture');
    assert.ok(w.read(CLAUDE).equals(readFileSync(join(HOMES_DIR, 'full', CLAUDE))), 'Claude settings as in the fixture');
    assert.equal(existsSync(join(w.home, OPENCODE_PLUGIN)), false);
  });
});
