/**
 * The one way an adapter turns {@link LaunchOptions} into a {@link LaunchSpec}, so the rules
 * (the user's own command is kept verbatim; a handoff prompt goes where the CLI expects its first
 * interactive prompt) cannot drift between CLIs.
 */
import type { LaunchOptions, LaunchSpec } from './agentDescriptor.js';
import { promptArgument } from './promptArgument.js';

/** What one CLI contributes to its launch. */
export interface LaunchRecipe {
  /** The executable Relay runs when it builds the command itself. */
  binary: string;
  /** The arguments that carry a first prompt into an interactive session. */
  promptArgs: (prompt: string) => string[];
  /** Arguments that pin the CLI's session id, for CLIs that accept one. */
  sessionArgs?: (agentSession: string) => string[];
  /** Environment added in every case (caps on the CLI's own retries). */
  env: Record<string, string>;
}

/**
 * With `userArgs` (the user's `relay wrap -- <cmd> …`), the command is kept as given and only
 * the environment is added; a prompt given as well is appended in the CLI's form. Without, Relay
 * runs `recipe.binary`, with the prompt capped to one safe argv string.
 */
export function launchFrom(recipe: LaunchRecipe, opts: LaunchOptions): LaunchSpec {
  const promptArgs = opts.prompt === undefined ? [] : recipe.promptArgs(promptArgument(opts.prompt));
  const [command, ...rest] = opts.userArgs ?? [];
  if (command !== undefined) {
    return { command, args: [...rest, ...promptArgs], env: { ...recipe.env }, typePrompt: false };
  }
  const spec: LaunchSpec = { command: recipe.binary, args: promptArgs, env: { ...recipe.env }, typePrompt: false };
  if (opts.agentSession !== undefined && recipe.sessionArgs) {
    // Before the prompt: some parsers stop reading options at the first positional.
    spec.args = [...recipe.sessionArgs(opts.agentSession), ...promptArgs];
    spec.agentSession = opts.agentSession;
  }
  return spec;
}
