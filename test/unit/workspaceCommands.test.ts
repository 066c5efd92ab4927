/**
 * The one command table behind the palette, the Ctrl+X chords, the slash commands and `/help`:
 * every command has a title and (when it takes one) an argument description, no two commands
 * share a key, and the fuzzy filters find commands and sessions the way a user types them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { en } from '../../src/ui/i18n/en.js';
import { zh } from '../../src/ui/i18n/zh.js';
import { createLocalization } from '../../src/ui/i18n/i18n.js';
import { COMMANDS, commandByChord, commandKeys, parseSlash } from '../../src/ui/workspace/commandTable.js';
import { filterCommands, filterSessions } from '../../src/ui/workspace/fuzzyFilter.js';
import { helpRows } from '../../src/ui/workspace/workspaceViews.js';
import { openWorkspace, sessionInfo } from '../helpers/fakeWorkspaceDaemon.js';

describe('the command table', () => {
  it('every command has a title in English (ui.commands.<id>) and in Chinese', () => {
    for (const c of COMMANDS) {
      assert.ok(en.ui.commands[c.id], `en ui.commands.${c.id}`);
      assert.ok((zh.ui.commands as Record<string, string>)[c.id], `zh ui.commands.${c.id}`);
    }
  });

  it('ids, chords, slash names and keys are each unique', () => {
    const unique = (values: string[], what: string): void => assert.equal(new Set(values).size, values.length, `a repeated ${what}: ${values.join(' ')}`);
    unique(COMMANDS.map((c) => c.id), 'id');
    unique(COMMANDS.flatMap((c) => ('chord' in c ? [c.chord.toLowerCase()] : [])), 'chord');
    unique(COMMANDS.flatMap((c) => ('slash' in c ? [c.slash] : [])), 'slash');
    unique(COMMANDS.flatMap((c) => ('key' in c ? [c.key] : [])), 'key');
  });

  it('the chords the issue names run their commands (N S G M C K ?)', () => {
    const chords: Record<string, string> = { n: 'session.new', s: 'session.switch', g: 'session.graph', m: 'mode.toggle', c: 'budget.show', k: 'knowledge.browse', '?': 'help.show' };
    for (const [key, id] of Object.entries(chords)) {
      assert.equal(commandByChord(key)?.id, id, `Ctrl+X ${key}`);
      assert.equal(commandByChord(key.toUpperCase())?.id, id, `Ctrl+X ${key.toUpperCase()}`);
    }
    assert.equal(commandByChord('z'), undefined);
  });

  it('the slash commands the issue names all exist', () => {
    for (const name of ['fork', 'merge', 'attach', 'remember', 'new', 'clear', 'help', 'mode', 'cost', 'handoff', 'import']) {
      const parsed = parseSlash(`/${name}`);
      assert.ok(parsed && 'command' in parsed, `/${name}`);
    }
  });

  it('every command that takes an argument describes it in help.args (en and zh)', () => {
    for (const c of COMMANDS) {
      if (!('args' in c)) continue;
      assert.ok((en.help.args as Record<string, string>)[c.id], `en help.args.${c.id}`);
      assert.ok((zh.help.args as Record<string, string>)[c.id], `zh help.args.${c.id}`);
    }
  });

  it('parseSlash: the command and its argument, an unknown name, or not a slash command', () => {
    const fork = parseSlash('/fork  try the other fix ');
    assert.ok(fork && 'command' in fork);
    assert.equal(fork.command.id, 'session.fork');
    assert.equal(fork.arg, 'try the other fix');
    const merge = parseSlash('/MERGE 3 4');
    assert.ok(merge && 'command' in merge);
    assert.equal(merge.command.id, 'session.merge');
    assert.equal(merge.arg, '3 4');
    const remember = parseSlash('/remember deploy: make ship\nand then tag');
    assert.ok(remember && 'command' in remember);
    assert.equal(remember.arg, 'deploy: make ship\nand then tag');
    assert.deepEqual(parseSlash('/nope x'), { unknown: 'nope' });
    assert.equal(parseSlash('fork this'), null);
    assert.equal(parseSlash('/'), null);
  });

  it('commandKeys says how each command is invoked', () => {
    const byId = (id: string) => COMMANDS.find((c) => c.id === id)!;
    assert.deepEqual(commandKeys(byId('session.new')), ['Ctrl+X N', '/new']);
    assert.deepEqual(commandKeys(byId('provider.next')), ['Tab']);
    assert.deepEqual(commandKeys(byId('app.quit')), ['Ctrl+C', '/quit']);
  });
});

describe('the palette filter', () => {
  const { t: enT } = createLocalization('en');
  const { t: zhT } = createLocalization('zh');

  it('an empty query lists every command', () => {
    assert.equal(filterCommands('', enT).length, COMMANDS.length);
  });

  it('`fork` finds the fork command first', () => {
    const items = filterCommands('fork', enT);
    assert.equal(items[0]?.command.id, 'session.fork');
    assert.equal(items[0]?.title, 'Fork this session');
    assert.match(items[0]!.keys, /\/fork/);
  });

  it('a fuzzy query finds its command: `grph` the graph, `knowl` knowledge, `quit` quit', () => {
    assert.equal(filterCommands('grph', enT)[0]?.command.id, 'session.graph');
    assert.ok(filterCommands('knowl', enT).some((i) => i.command.id === 'knowledge.browse'));
    assert.equal(filterCommands('quit', enT)[0]?.command.id, 'app.quit');
  });

  it('in Chinese the English word still finds the command, shown with its Chinese title', () => {
    const items = filterCommands('fork', zhT);
    assert.equal(items[0]?.command.id, 'session.fork');
    assert.equal(items[0]?.title, '分叉此会话');
  });

  it('in Chinese the Chinese title finds the command', () => {
    assert.equal(filterCommands('分叉', zhT)[0]?.command.id, 'session.fork');
  });

  it('a query that matches nothing gives nothing', () => {
    assert.deepEqual(filterCommands('qqqqzzzz', enT), []);
  });
});

describe('the session list filter', () => {
  const sessions = [
    sessionInfo({ number: 3, name: 'login bug' }),
    sessionInfo({ number: 12, name: 'refactor parser', lineage: 'fork of #3' }),
    sessionInfo({ number: 31, lineage: 'Derived: #12 #25' }),
  ];

  it('by number, with or without #', () => {
    assert.equal(filterSessions('31', sessions)[0]?.number, 31);
    assert.equal(filterSessions('#12', sessions)[0]?.number, 12);
  });

  it('by name, fuzzily', () => {
    assert.equal(filterSessions('login', sessions)[0]?.number, 3);
    assert.equal(filterSessions('rfctr', sessions)[0]?.number, 12);
  });

  it('an empty query lists every session in order', () => {
    assert.deepEqual(filterSessions('  ', sessions).map((s) => s.number), [3, 12, 31]);
  });
});

describe('help', () => {
  it('lists every command with its keys and title, from the one table', () => {
    const w = openWorkspace();
    try {
      const text = helpRows(w.c, 120).map((r) => r.text);
      for (const c of COMMANDS) {
        const row = text.find((line) => line.includes(en.ui.commands[c.id]));
        assert.ok(row, `help has ${c.id}`);
        for (const k of commandKeys(c)) assert.ok(row.includes(k), `${c.id}: ${k} in ${row}`);
      }
    } finally {
      w.dispose();
    }
  });

  it('shows what each command takes, in full, on a wide screen', () => {
    const w = openWorkspace();
    try {
      const text = helpRows(w.c, 120).map((r) => r.text);
      for (const c of COMMANDS) {
        if (!('args' in c)) continue;
        const row = text.find((line) => line.includes(en.ui.commands[c.id]))!;
        assert.ok(row.includes((en.help.args as Record<string, string>)[c.id]!), `${c.id}: args in ${row}`);
      }
    } finally {
      w.dispose();
    }
  });

  it('in Chinese every command row has its Chinese title', () => {
    const w = openWorkspace({ language: 'zh' });
    try {
      const text = helpRows(w.c, 120).map((r) => r.text).join('\n');
      for (const c of COMMANDS) assert.ok(text.includes((zh.ui.commands as Record<string, string>)[c.id]!), c.id);
    } finally {
      w.dispose();
    }
  });
});
