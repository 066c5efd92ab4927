/**
 * The JSON text editor install uses (src/install/jsonText.ts) and Relay's hooks in Claude's
 * shape (src/install/hooksJson.ts): edits touch only the bytes they add or remove.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RelayError } from '../../src/platform/errors.js';
import { installHooks, removeHooks, type HooksSpec } from '../../src/install/hooksJson.js';
import { isRelayHandler } from '../../src/hooks/hookCommand.js';
import { JsonText } from '../../src/install/jsonText.js';

const doc = (text: string, dialect: 'json' | 'jsonc' = 'jsonc'): JsonText => JsonText.parse('/x/settings.json', Buffer.from(text), dialect);

function configError(fn: () => unknown): RelayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RelayError, String(e));
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.exitCode, 4);
    return e;
  }
  assert.fail('expected E_CONFIG');
}

test('removing an element never joins its neighbours (jsonc-parser modify turned [1,2] into [12])', () => {
  const d = doc('{"x":1,"a":[1,2]}');
  d.remove(['a', 1]);
  assert.equal(d.toString(), '{"x":1,"a":[1]}');
  const e = doc('{"a":[1, 2, 3]}');
  e.remove(['a', 1]);
  assert.equal(e.toString(), '{"a":[1, 3]}');
});

test('removal keeps comments and takes whole lines', () => {
  const cases: Array<[string, Array<string | number>, string]> = [
    ['{\n  "a": [\n    1,\n    2\n  ]\n}', ['a', 1], '{\n  "a": [\n    1\n  ]\n}'],
    ['{\n  "a": [\n    1,\n    2\n  ]\n}', ['a', 0], '{\n  "a": [\n    2\n  ]\n}'],
    ['{\n  "a": [\n    1, // one\n    2 // two\n  ]\n}', ['a', 1], '{\n  "a": [\n    1 // one\n    // two\n  ]\n}'],
    ['{\n  "a": [\n    1 // one\n    ,2\n  ]\n}', ['a', 1], '{\n  "a": [\n    1 // one\n  ]\n}'],
    ['{\n  "a": {},\n  "x": 1\n}', ['a'], '{\n  "x": 1\n}'],
    ['{\n  "x": 1,\n  "a": {}\n}', ['a'], '{\n  "x": 1\n}'],
    ['{\n  "a": [\n    2\n  ]\n}', ['a', 0], '{\n  "a": []\n}'],
  ];
  for (const [text, path, want] of cases) {
    const d = doc(text);
    d.remove(path);
    assert.equal(d.toString(), want, `${JSON.stringify(text)} without ${JSON.stringify(path)}`);
  }
});

test('insertion follows the file: its indentation unit, line ending, one-line layout and byte-order mark', () => {
  const tabs = doc('\uFEFF{\r\n\t"a": [\r\n\t\t1\r\n\t]\r\n}');
  tabs.append(['a'], { x: [1] });
  assert.equal(tabs.toString(), '\uFEFF{\r\n\t"a": [\r\n\t\t1,\r\n\t\t{\r\n\t\t\t"x": [\r\n\t\t\t\t1\r\n\t\t\t]\r\n\t\t}\r\n\t]\r\n}');
  const four = doc('{\n    "a": 1}');
  four.addProperty([], 'b', [1]);
  assert.equal(four.toString(), '{\n    "a": 1,\n    "b": [\n        1\n    ]\n}');
  const min = doc('{"a":{}}');
  min.addProperty(['a'], 'b', [1]);
  assert.equal(min.toString(), '{"a":{"b":[1]}}');
  const comment = doc('{\n  "a": 1 // keep\n}');
  comment.addProperty([], 'b', true);
  assert.equal(comment.toString(), '{\n  "a": 1, // keep\n  "b": true\n}', 'the comment stays on its line');
  const empty = doc('{}');
  empty.addProperty([], 'hooks', { Stop: [] });
  assert.equal(empty.toString(), '{\n  "hooks": {\n    "Stop": []\n  }\n}');
});

test('a file Relay cannot read is refused with the file, the line and the column', () => {
  const truncated = configError(() => doc('{\n  "a": [1,\n', 'json'));
  assert.match(truncated.message, /^\/x\/settings\.json: not valid JSON \(.+\) at line 3, column 1$/);
  const comments = configError(() => doc('{\n  // no\n  "a": 1\n}', 'json'));
  assert.match(comments.message, /comments are not allowed/);
  assert.match(configError(() => doc('{"a": 1,}', 'jsonc')).message, /not valid JSON/, 'trailing commas: Gemini refuses them too');
  assert.match(configError(() => doc('[1, 2]')).message, /expected a JSON object/);
  assert.match(configError(() => JsonText.parse('/x', Buffer.from([0x7b, 0xff, 0x7d]), 'json')).message, /not valid UTF-8/);
  // An empty file is an empty object, not an error.
  assert.equal(JsonText.parse('/x', Buffer.alloc(0), 'json').isEmptyObject(), true);
});

const ours = (h: unknown): boolean => isRelayHandler(h, 'claude');
const spec = (command = '/usr/bin/node /opt/relay/bin/relay.js hook claude'): HooksSpec => ({
  events: [{ event: 'Stop' }, { event: 'StopFailure', matcher: 'rate_limit' }],
  handler: { type: 'command', command, timeout: 10 },
  isOurs: ours,
});

test('installHooks appends one Relay group per event after the user groups, and is idempotent', () => {
  const text = '{\n  "hooks": {\n    "Stop": [\n      { "hooks": [ { "type": "command", "command": "say hi" } ] }\n    ]\n  }\n}\n';
  const d = doc(text, 'json');
  const created = installHooks(d, spec());
  assert.deepEqual(created, [['hooks', 'StopFailure']]);
  const v = JSON.parse(d.toString()) as { hooks: Record<string, Array<{ matcher?: string; hooks: Array<{ command: string }> }>> };
  assert.equal(v.hooks.Stop![0]!.hooks[0]!.command, 'say hi');
  assert.equal(v.hooks.Stop![1]!.hooks[0]!.command, '/usr/bin/node /opt/relay/bin/relay.js hook claude');
  assert.equal(v.hooks.StopFailure![0]!.matcher, 'rate_limit');
  const once = d.toString();
  installHooks(d, spec());
  assert.equal(d.toString(), once);
  removeHooks(d, ours, created);
  assert.equal(d.toString(), text, 'removal is the exact inverse');
});

test('installHooks replaces a Relay handler from another install and drops duplicates, keeping user handlers in the same group', () => {
  const old = '/old/node /old/relay/bin/relay.js hook claude';
  const text = JSON.stringify(
    {
      hooks: {
        Stop: [
          { hooks: [{ type: 'command', command: old }] },
          { hooks: [{ type: 'command', command: 'mine' }, { type: 'command', command: `RELAY_HOME=/x ${old}` }] },
        ],
        SessionStart: [{ hooks: [{ type: 'command', command: old }] }],
      },
    },
    null,
    2,
  );
  const d = doc(text, 'json');
  installHooks(d, spec());
  const v = JSON.parse(d.toString()) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  assert.deepEqual(
    v.hooks.Stop!.map((g) => g.hooks.map((h) => h.command)),
    [['mine'], ['/usr/bin/node /opt/relay/bin/relay.js hook claude']],
  );
  assert.equal(v.hooks.SessionStart, undefined, 'an event Relay no longer registers loses its Relay entry (and the list install emptied)');
});

test('installHooks refuses hooks of the wrong type with E_CONFIG', () => {
  assert.match(configError(() => installHooks(doc('{"hooks": []}'), spec())).message, /"hooks" is not an object/);
  assert.match(configError(() => installHooks(doc('{"hooks": {"Stop": {}}}'), spec())).message, /"hooks\.Stop" is not a list/);
});

test('removeHooks keeps containers the user had, drops the ones install created', () => {
  const d = doc('{\n  "hooks": {\n    "Stop": []\n  }\n}');
  const created = installHooks(d, spec());
  assert.deepEqual(created, [['hooks', 'StopFailure']]);
  removeHooks(d, ours, created);
  assert.equal(d.toString(), '{\n  "hooks": {\n    "Stop": []\n  }\n}');
  const fresh = doc('{\n  "model": "x"\n}');
  const made = installHooks(fresh, spec());
  assert.deepEqual(made, [['hooks']]);
  removeHooks(fresh, ours, made);
  assert.equal(fresh.toString(), '{\n  "model": "x"\n}');
});

test('Claude Code before 2.1.78 gets no StopFailure hook (an unknown event name would void its whole hooks section)', async () => {
  const { claudeInstaller } = await import('../../src/install/claudeInstaller.js');
  const { versionAtLeast } = await import('../../src/install/detect.js');
  assert.ok(versionAtLeast('2.1.78', [2, 1, 78]) && versionAtLeast('2.2.0', [2, 1, 78]) && versionAtLeast(null, [2, 1, 78]));
  assert.ok(!versionAtLeast('2.1.77', [2, 1, 78]) && !versionAtLeast('1.9.999', [2, 1, 78]));
  const hook = { node: '/usr/bin/node', cliEntry: '/opt/relay/bin/relay.js' };
  const events = (v: string | null): string[] => {
    const plan = claudeInstaller.planInstall('/x/settings.json', null, hook, v);
    return Object.keys((JSON.parse(plan.change.after!.toString('utf8')) as { hooks: object }).hooks);
  };
  assert.deepEqual(events('2.1.77'), ['SessionStart', 'SessionEnd', 'Stop']);
  assert.deepEqual(events('2.1.197'), ['StopFailure', 'SessionStart', 'SessionEnd', 'Stop']);
  assert.deepEqual(events(null), ['StopFailure', 'SessionStart', 'SessionEnd', 'Stop']);
  assert.match(claudeInstaller.planInstall('/x/settings.json', null, hook, '2.1.77').notes.join('\n'), /has no StopFailure hook/);
});
