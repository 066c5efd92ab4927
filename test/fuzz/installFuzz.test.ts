/**
 * Property-based fuzzing of `relay install` over settings files: random JSON objects with random
 * `hooks` sections (the user's own hooks, junk entries), laid out at random (indentation unit,
 * one-line JSON, CRLF, byte-order mark, final newline, comments where the CLI allows them).
 *
 * For every file: install never throws anything but E_CONFIG (and throws exactly when the file's
 * hooks have the wrong type); it only inserts bytes; the result parses in the CLI's dialect with
 * one Relay group per event; installing again changes nothing; removing Relay's entries gives back
 * the original bytes. And through the real files: install then uninstall restores every byte.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { diffChars } from 'diff';
import fc from 'fast-check';
import { parse as parseJsonc } from 'jsonc-parser';
import type { AgentInstaller } from '../../src/install/agentInstaller.js';
import { claudeInstaller } from '../../src/install/claudeInstaller.js';
import { codexInstaller } from '../../src/install/codexInstaller.js';
import { geminiInstaller } from '../../src/install/geminiInstaller.js';
import type { HookCommandSpec } from '../../src/hooks/hookCommand.js';
import { runInstall } from '../../src/install/runInstall.js';
import { runUninstall } from '../../src/install/runUninstall.js';
import { RelayError } from '../../src/platform/errors.js';
import { isObject } from '../../src/platform/jsonValue.js';
import { FAKE_AGENTS_DIR, treeOf } from '../fixtures/homes/installWorld.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const HOOK: HookCommandSpec = { node: '/usr/bin/node', cliEntry: '/opt/relay/bin/relay.js' };

// ---------------------------------------------------------------------------------------------
// Random settings

/** Commands a user might have; none of them is Relay's. */
const userCommand = fc.oneof(
  fc.constantFrom('say done', "notify-send 'Claude' 'done'", 'relay-notes hook claude --verbose', '$HOME/bin/x', 'echo "hook claude"'),
  fc.string({ maxLength: 20 }),
);

const handler = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('command'), command: userCommand, timeout: fc.nat(600) }, { requiredKeys: ['type', 'command'] }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('prompt'), prompt: fc.string({ maxLength: 10 }) }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const group = fc.oneof(
  { weight: 5, arbitrary: fc.record({ matcher: fc.string({ maxLength: 8 }), hooks: fc.array(handler, { maxLength: 3 }) }, { requiredKeys: ['hooks'] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const eventName = fc.constantFrom('Stop', 'StopFailure', 'SessionStart', 'SessionEnd', 'PreToolUse', 'BeforeModel', 'AfterAgent', 'Notification', 'Some Event');

/** Mostly well-formed hook sections; sometimes an event that is not a list, or hooks that are not an object. */
const hooksSection = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(eventName, fc.array(group, { maxLength: 3 }), { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(eventName, fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }) },
  { weight: 1, arbitrary: fc.oneof(fc.array(fc.integer(), { maxLength: 2 }), fc.string({ maxLength: 4 }), fc.constant(null)) },
);

const hooksConfig = fc.oneof(
  { weight: 4, arbitrary: fc.record({ enabled: fc.boolean(), notifications: fc.boolean(), disabled: fc.array(fc.constantFrom('relay', 'x')) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
);

const settings = fc
  .record({
    base: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'hooks' && k !== 'hooksConfig'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
    hooks: fc.option(hooksSection, { nil: undefined }),
    hooksConfig: fc.option(hooksConfig, { nil: undefined }),
    at: fc.nat(),
  })
  .map(({ base, hooks, hooksConfig, at }) => {
    const entries: Array<[string, unknown]> = Object.entries(base);
    if (hooks !== undefined) entries.splice(at % (entries.length + 1), 0, ['hooks', hooks]);
    if (hooksConfig !== undefined) entries.splice((at >> 3) % (entries.length + 1), 0, ['hooksConfig', hooksConfig]);
    return entries;
  });

interface Layout {
  /** null: one line (minified). */
  indent: string | null;
  eol: '\n' | '\r\n';
  bom: boolean;
  finalEol: boolean;
  /** Per entry, cycled: 0 none, 1 comment line before, 2 trailing block comment, 3 trailing line comment. */
  comments: number[];
  commentText: string;
}

const layout = fc.record({
  indent: fc.constantFrom<string | null>('  ', '    ', '\t', ' ', null),
  eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  comments: fc.array(fc.constantFrom(0, 0, 1, 2, 3), { minLength: 1, maxLength: 12 }),
  commentText: fc.constantFrom('note', 'TODO: keep', 'relay hook claude', '"quoted", {braces} [brackets]', 'ünïcödé ✓'),
});

/** The entries as JSON text in `l`'s layout (comments only when `comments`). */
function render(entries: Array<[string, unknown]>, l: Layout, comments: boolean): string {
  let ci = 0;
  const next = (): number => (comments ? l.comments[ci++ % l.comments.length]! : 0);
  const value = (v: unknown, depth: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const isArr = Array.isArray(v);
    const items: Array<[string | null, unknown]> = isArr ? (v as unknown[]).map((x) => [null, x]) : Object.entries(v as object);
    return container(items, isArr ? '[' : '{', isArr ? ']' : '}', depth);
  };
  const container = (items: Array<[string | null, unknown]>, open: string, close: string, depth: number): string => {
    if (items.length === 0) return open + close;
    const item = ([k, x]: [string | null, unknown]): string => (k === null ? '' : `${JSON.stringify(k)}${l.indent === null ? ':' : ': '}`) + value(x, depth + 1);
    if (l.indent === null) {
      // One line: only block comments fit.
      return open + items.map((e) => (next() > 0 ? `/* ${l.commentText} */` : '') + item(e)).join(',') + close;
    }
    const pad = l.indent.repeat(depth + 1);
    const lines = items.map((e, i) => {
      const c = next();
      let s = c === 1 ? `${pad}// ${l.commentText}${l.eol}` : '';
      s += pad + item(e) + (i === items.length - 1 ? '' : ',');
      if (c === 2) s += ` /* ${l.commentText} */`;
      if (c === 3) s += ` // ${l.commentText}`;
      return s;
    });
    return open + l.eol + lines.join(l.eol) + l.eol + l.indent.repeat(depth) + close;
  };
  return (l.bom ? '\uFEFF' : '') + container(entries, '{', '}', 0) + (l.finalEol ? l.eol : '');
}

/** Whether install must refuse these settings (hooks or an event Relay uses of the wrong type). */
function mustRefuse(entries: Array<[string, unknown]>, installer: AgentInstaller, events: readonly string[]): boolean {
  const hooks = entries.find(([k]) => k === 'hooks')?.[1];
  if (hooks !== undefined && !isObject(hooks)) return true;
  if (isObject(hooks) && events.some((e) => Object.hasOwn(hooks, e) && !Array.isArray(hooks[e]))) return true;
  const cfg = entries.find(([k]) => k === 'hooksConfig')?.[1];
  return installer === geminiInstaller && cfg !== undefined && !isObject(cfg);
}

const EVENTS: Record<string, readonly string[]> = {
  claude: ['StopFailure', 'SessionStart', 'SessionEnd', 'Stop'],
  codex: ['SessionStart', 'UserPromptSubmit', 'Stop', 'SessionEnd'],
  gemini: ['BeforeModel', 'AfterAgent', 'SessionEnd'],
};

function relayCount(text: string, arg: string): Map<string, number> {
  const v = parseJsonc(text.replace(/^\uFEFF/, '')) as { hooks?: Record<string, Array<{ hooks?: Array<{ command?: string }> }>> };
  const out = new Map<string, number>();
  for (const [event, groups] of Object.entries(v.hooks ?? {})) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!isObject(g) || !Array.isArray(g.hooks)) continue;
      for (const h of g.hooks) if (isObject(h) && typeof h.command === 'string' && h.command.endsWith(`relay.js hook ${arg}`)) out.set(event, (out.get(event) ?? 0) + 1);
    }
  }
  return out;
}

function fuzzInstaller(name: 'claude' | 'codex' | 'gemini', installer: AgentInstaller, comments: boolean): void {
  test(`fuzz ${name}: install only inserts, is idempotent, is undone exactly, and refuses only with E_CONFIG (400 files)`, () => {
    fc.assert(
      fc.property(settings, layout, (entries, l) => {
        const before = Buffer.from(render(entries, l, comments), 'utf8');
        const refuse = mustRefuse(entries, installer, EVENTS[name]!);
        let plan;
        try {
          plan = installer.planInstall('/fuzz/settings.json', before, HOOK);
        } catch (e) {
          assert.ok(e instanceof RelayError && e.code === 'E_CONFIG', `unexpected ${String(e)}`);
          assert.ok(refuse, `refused a valid file: ${(e as Error).message}\n${before.toString('utf8')}`);
          return;
        }
        assert.ok(!refuse, `accepted hooks of the wrong type:\n${before.toString('utf8')}`);
        const after = plan.change.after!;
        const removed = diffChars(before.toString('utf8'), after.toString('utf8')).filter((p) => p.removed);
        assert.deepEqual(removed, [], 'install removed user bytes');
        const counts = relayCount(after.toString('utf8'), name);
        assert.deepEqual([...counts.keys()].sort(), [...EVENTS[name]!].sort());
        assert.ok([...counts.values()].every((n) => n === 1), 'one Relay handler per event');
        if (!comments) JSON.parse(after.toString('utf8').replace(/^\uFEFF/, ''));
        // Again: no change.
        assert.ok(installer.planInstall('/fuzz/settings.json', after, HOOK).change.after!.equals(after), 'second install changed the file');
        // Removing Relay's entries (what uninstall does when the file changed since) gives back every byte.
        const stripped = installer.strip('/fuzz/settings.json', after, plan.change.created ?? [], false);
        assert.equal(stripped?.toString('utf8'), before.toString('utf8'));
      }),
      { numRuns: 400 },
    );
  });
}

fuzzInstaller('claude', claudeInstaller, false);
fuzzInstaller('codex', codexInstaller, false);
fuzzInstaller('gemini', geminiInstaller, true);

test('fuzz: truncated and random files are refused with E_CONFIG or installed, never anything else (1500 files)', () => {
  const valid = fc.tuple(settings, layout).map(([e, l]) => render(e, l, true));
  const text = fc.oneof(
    valid.chain((t) => fc.nat(t.length).map((n) => t.slice(0, n))),
    fc.string({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1')),
  );
  fc.assert(
    fc.property(text, fc.constantFrom(claudeInstaller, codexInstaller, geminiInstaller), (t, installer) => {
      try {
        installer.planInstall('/fuzz/settings.json', Buffer.from(t, 'latin1'), HOOK);
      } catch (e) {
        assert.ok(e instanceof RelayError, `not a RelayError: ${String(e)}`);
        assert.equal(e.code, 'E_CONFIG');
        assert.ok(e.message.startsWith('/fuzz/settings.json: '), e.message);
      }
    }),
    { numRuns: 1500 },
  );
});

test('fuzz through the files: install then uninstall leaves HOME byte-identical; a refused install writes nothing (40 homes)', async () => {
  const root = makeTempDir('fuzz');
  try {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(settings, layout), fc.tuple(settings, layout), fc.tuple(settings, layout), async (c, x, g) => {
        const home = join(root, `h${n++}`);
        const files: Array<[string, string]> = [
          ['.claude/settings.json', render(c[0], c[1], false)],
          ['.codex/hooks.json', render(x[0], x[1], false)],
          ['.gemini/settings.json', render(g[0], g[1], true)],
        ];
        for (const [rel, text] of files) {
          mkdirSync(dirname(join(home, rel)), { recursive: true });
          writeFileSync(join(home, rel), text);
        }
        const env = { HOME: home, RELAY_HOME: join(home, '.relay'), PATH: `${FAKE_AGENTS_DIR}:${bin}` };
        const before = treeOf(home);
        const opts = { handoffOrder: { kind: 'infer' } as const, autostart: false, warp: false, dryRun: false };
        try {
          await runInstall(opts, env);
        } catch (e) {
          assert.ok(e instanceof RelayError && e.code === 'E_CONFIG', String(e));
          assert.deepEqual(treeOf(home), before, 'a refused install wrote something');
          return;
        }
        assert.ok(existsSync(join(home, '.relay', 'install', 'manifest.json')));
        await runUninstall({ dryRun: false }, env);
        assert.deepEqual(treeOf(home), before, 'uninstall did not restore HOME');
        for (const [rel, text] of files) assert.equal(readFileSync(join(home, rel), 'utf8'), text);
        rmSync(home, { recursive: true });
      }),
      { numRuns: 40 },
    );
  } finally {
    removeTempDir(root);
  }
});
