/**
 * Which adapter a command belongs to. `relay wrap -- <cmd> …` names agents from their command,
 * so detection looks at the program and, for `node`/`npx`-style launchers, at the script or
 * package they run.
 */
import { basename } from 'node:path';
import type { AgentKind } from '../store/agentsRepo.js';
import type { AgentAdapter } from './agentAdapter.js';
import { CLAUDE_PACKAGE, claudeAdapter } from './claude.js';
import { CODEX_PACKAGE, codexAdapter } from './codex.js';
import { GEMINI_PACKAGE, geminiAdapter } from './gemini.js';
import { genericCliAdapter } from './genericCli.js';
import { OPENCODE_PACKAGE, opencodeAdapter } from './opencode.js';

const ADAPTERS: Readonly<Record<AgentKind, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  cli: genericCliAdapter,
};

/** The CLIs Relay knows, in a stable order. */
export const KNOWN_KINDS = ['claude', 'codex', 'gemini', 'opencode'] as const satisfies readonly AgentKind[];

/** npm package → kind, for `node …/node_modules/<package>/…` and `npx <package>`. */
const PACKAGES: ReadonlyArray<readonly [string, AgentKind]> = [
  [CLAUDE_PACKAGE, 'claude'],
  [CODEX_PACKAGE, 'codex'],
  [GEMINI_PACKAGE, 'gemini'],
  [OPENCODE_PACKAGE, 'opencode'],
];

/** Programs that run another program named by their first non-option argument. */
const LAUNCHERS = new Set(['node', 'nodejs', 'bun', 'deno', 'npx', 'bunx', 'pnpx', 'tsx']);

/** The adapter for a kind. */
export function adapterFor(kind: AgentKind): AgentAdapter {
  return ADAPTERS[kind];
}

/** A program's name without its directory or a Windows/script suffix (`claude.exe` → `claude`). */
function programName(path: string): string {
  return basename(path).replace(/\.(exe|cmd|bat|ps1|js|cjs|mjs)$/i, '');
}

function kindOfProgram(path: string): AgentKind | undefined {
  const name = programName(path);
  for (const kind of KNOWN_KINDS) if (ADAPTERS[kind].binaries.includes(name)) return kind;
  // `…/node_modules/@anthropic-ai/claude-code/cli.js`, `npx @openai/codex@latest`
  const normalized = path.replaceAll('\\', '/');
  for (const [pkg, kind] of PACKAGES) {
    if (normalized.includes(`/${pkg}/`) || normalized === pkg || normalized.startsWith(`${pkg}@`)) return kind;
  }
  return undefined;
}

/**
 * The kind of agent `command` (argv[0]) runs: its basename (`/usr/local/bin/claude` → claude),
 * or for a launcher such as `node` or `npx`, the script or package in `args`
 * (`node …/@anthropic-ai/claude-code/cli.js` → claude). Anything else is `cli`.
 */
export function detectKind(command: string, args: readonly string[] = []): AgentKind {
  const direct = kindOfProgram(command);
  if (direct) return direct;
  if (LAUNCHERS.has(programName(command))) {
    const target = args.find((a) => !a.startsWith('-'));
    if (target !== undefined) return kindOfProgram(target) ?? 'cli';
  }
  return 'cli';
}

/** An agent's display name: its kind, or `cli:<program>` for any other command. */
export function agentName(command: string, args: readonly string[] = []): string {
  const kind = detectKind(command, args);
  return kind === 'cli' ? `cli:${basename(command)}` : kind;
}
