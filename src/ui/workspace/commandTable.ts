/**
 * Every workspace action, once: its id (its title is `ui.commands.<id>`), its Ctrl+X chord, its
 * slash command, the argument it takes and how the palette gets one. The palette, the chords,
 * the slash commands and `/help` are all read from this table, so they cannot drift apart.
 */
export const COMMANDS = [
  { id: 'session.new', chord: 'n', slash: 'new' },
  { id: 'session.fork', slash: 'fork', args: 'optional' },
  { id: 'session.merge', slash: 'merge', args: 'required', pick: 'session' },
  { id: 'session.switch', chord: 's', slash: 'switch', args: 'optional', pick: 'session' },
  { id: 'session.attach', slash: 'attach', args: 'required', pick: 'session' },
  { id: 'session.import', slash: 'import', args: 'required', prefill: true },
  { id: 'session.graph', chord: 'g', slash: 'graph' },
  { id: 'knowledge.remember', slash: 'remember', args: 'required', prefill: true },
  { id: 'knowledge.browse', chord: 'k', slash: 'knowledge' },
  { id: 'mode.toggle', chord: 'm', slash: 'mode', args: 'optional' },
  { id: 'budget.show', chord: 'c', slash: 'cost' },
  { id: 'provider.next', key: 'Tab' },
  { id: 'agents.show', chord: 'a', slash: 'agents' },
  { id: 'relay.handoff', slash: 'handoff', args: 'optional' },
  { id: 'screen.clear', slash: 'clear' },
  { id: 'help.show', chord: '?', slash: 'help' },
  { id: 'app.quit', slash: 'quit', key: 'Ctrl+C' },
] as const satisfies readonly CommandSpec[];

export interface CommandSpec {
  id: string;
  /** The key after Ctrl+X. */
  chord?: string;
  /** `/name`. */
  slash?: string;
  /** A key of its own, shown in help. */
  key?: string;
  /** Whether the slash command takes an argument (`help.args.<id>` describes it). */
  args?: 'optional' | 'required';
  /** From the palette, the argument is picked from the session list. */
  pick?: 'session';
  /** From the palette, the input line is filled with `/name ` for the user to finish. */
  prefill?: boolean;
}

export type Command = (typeof COMMANDS)[number];
export type CommandId = Command['id'];

/** What runs each command: every id must have one (the type checker says which is missing). */
export type CommandActions = Record<CommandId, (arg: string) => void | Promise<void>>;

export function commandById(id: CommandId): Command {
  return COMMANDS.find((c) => c.id === id)!;
}

export function commandByChord(key: string): Command | undefined {
  const k = key.toLowerCase();
  return COMMANDS.find((c) => 'chord' in c && c.chord === k);
}

/** `/fork 3` → the fork command with argument `3`; `/nope` → the name that matched nothing. */
export function parseSlash(line: string): { command: Command; arg: string } | { unknown: string } | null {
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line.trim());
  if (!m) return null;
  const name = m[1]!.toLowerCase();
  const command = COMMANDS.find((c) => 'slash' in c && c.slash === name);
  return command ? { command, arg: m[2]!.trim() } : { unknown: name };
}

/** How a command is invoked, for help: `/fork [message]`, `Ctrl+X N`, `Tab`. */
export function commandKeys(c: Command): string[] {
  const keys: string[] = [];
  if ('chord' in c) keys.push(`Ctrl+X ${c.chord.toUpperCase()}`);
  if ('key' in c) keys.push(c.key);
  if ('slash' in c) keys.push(`/${c.slash}`);
  return keys;
}
