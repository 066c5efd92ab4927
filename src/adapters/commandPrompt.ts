/**
 * Which argument of a user's command line is the task: `claude "fix the login bug"`, `gemini
 * -i "…"`, `opencode run fix it`. Each descriptor describes its CLI's grammar as data; one
 * reader walks it. Only the shape that matters is described — the flags that take a value (so
 * their value is not mistaken for the prompt), the flags whose value is the prompt, and the
 * subcommands — so a flag this version does not know costs at most a missed task, never a
 * wrong one taken from a flag's value, as long as that flag is boolean.
 */

export interface PromptGrammar {
  /** Flags that take the next argument as their value (`--model opus`). `--flag=value` needs no entry. */
  valueFlags: readonly string[];
  /** Flags whose value is the prompt (`gemini -i "…"`, `opencode --prompt "…"`). */
  promptFlags?: readonly string[];
  /** What the positional arguments are: the first is the prompt, all of them joined are, or none is. */
  positional: 'first' | 'all' | 'none';
  /** Subcommands (as the first positional) and their own grammar; null: it takes no task (`codex resume`). */
  subcommands?: Readonly<Record<string, PromptGrammar | null>>;
}

/** The task in `args` (the arguments after the program), or null when the command line has none. */
export function promptInArgs(args: readonly string[], grammar: PromptGrammar): string | null {
  const positionals: string[] = [];
  let sawSubcommandSlot = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      if (grammar.promptFlags?.includes(flag)) {
        const value = eq > 0 ? a.slice(eq + 1) : args[i + 1];
        if (value !== undefined && value.trim() !== '') return value.trim();
      }
      if (eq < 0 && grammar.valueFlags.includes(flag)) i++;
      continue;
    }
    if (!sawSubcommandSlot) {
      sawSubcommandSlot = true;
      const sub = grammar.subcommands?.[a];
      if (sub !== undefined) return sub === null ? null : promptInArgs(args.slice(i + 1), sub);
    }
    positionals.push(a);
  }
  const text = grammar.positional === 'first' ? positionals[0] : grammar.positional === 'all' ? positionals.join(' ') : undefined;
  return text !== undefined && text.trim() !== '' ? text.trim() : null;
}
