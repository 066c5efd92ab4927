/**
 * The agent kinds Relay knows: one descriptor per CLI, listed here once. Every other list or type
 * of agent kinds (hook arguments, install roles, the names a handoff order may hold, which rules
 * a kind's output is checked against) is derived from {@link AGENT_CLIS}; adding a CLI is adding
 * its descriptor file, its parsers, and one entry below.
 *
 * `relay wrap -- <cmd> …` names agents from their command, so {@link detectKind} looks at the
 * program and, for `node`/`npx`-style launchers, at the script or package they run.
 */
import { basename } from 'node:path';
import { GENERIC_RULES, type LimitRule } from '../limits/limitRules.js';
import type { AgentDescriptor, HookBinding } from './agentDescriptor.js';
import { promptInArgs } from './commandPrompt.js';
import { locateExecutable } from '../platform/findOnPath.js';
import type { SuccessorGap } from '../protocol/relayProtocol.js';
import type { HookTableEntry } from './hookTable.js';
import { claudeDescriptor } from './claude.js';
import { codexDescriptor } from './codex.js';
import { geminiDescriptor } from './gemini.js';
import { genericCliDescriptor } from './genericCli.js';
import { opencodeDescriptor } from './opencode.js';

/** The agent CLIs Relay knows, in Relay's stable order (the default handoff order follows it). */
export const AGENT_CLIS = [claudeDescriptor, codexDescriptor, geminiDescriptor, opencodeDescriptor] as const;

/** A known agent CLI: `claude`, `codex`, … */
export type KnownKind = (typeof AGENT_CLIS)[number]['kind'];
/** Which CLI an agent runs; `cli` is any other command under `relay wrap`. */
export type AgentKind = KnownKind | typeof genericCliDescriptor.kind;

/** The known kinds, in order. */
export const KNOWN_KINDS: readonly KnownKind[] = AGENT_CLIS.map((d) => d.kind);

const BY_KIND: ReadonlyMap<string, AgentDescriptor> = new Map<string, AgentDescriptor>(
  [...AGENT_CLIS, genericCliDescriptor].map((d) => [d.kind, d]),
);

/** The descriptor of a kind. */
export function descriptorOf(kind: AgentKind): AgentDescriptor {
  return BY_KIND.get(kind) ?? genericCliDescriptor;
}

/** True for a known CLI's kind. */
export function isKnownKind(name: string): name is KnownKind {
  return (KNOWN_KINDS as readonly string[]).includes(name);
}

/** The prefix of an agent name for any other program: `cli:aider`. */
const OTHER_CLI_PREFIX = `${genericCliDescriptor.kind}:`;
const OTHER_CLI_NAME = /^cli:[^\s/]+$/;

/** True for a name a handoff order may hold: a known kind, or `cli:<program>`. */
export function isAgentName(name: string): boolean {
  return isKnownKind(name) || OTHER_CLI_NAME.test(name);
}

/** How an error message lists the names an order may hold. */
export const AGENT_NAMES_HINT = `${KNOWN_KINDS.join(', ')} or ${OTHER_CLI_PREFIX}<program>`;

/** The kind of an agent name: `cli:aider` → `cli`; a known kind is its own. */
export function kindOfName(name: string): AgentKind {
  return isKnownKind(name) ? name : genericCliDescriptor.kind;
}

/** The program an agent name runs: `claude` → its binaries, `cli:aider` → `aider`. */
export function binariesOfName(name: string): readonly string[] {
  return name.startsWith(OTHER_CLI_PREFIX) ? [name.slice(OTHER_CLI_PREFIX.length)] : descriptorOf(kindOfName(name)).binaries;
}

/**
 * Why agent `name` cannot be started with this PATH (none of its binaries there, or one that may
 * not be run), or null when it can. The one lookup behind a handoff's choice and `relay doctor`.
 */
export function unavailableOnPath(name: string, pathEnv: string): SuccessorGap | null {
  let denied: string | undefined;
  for (const b of binariesOfName(name)) {
    const at = locateExecutable(b, pathEnv);
    if (at.found) return null;
    if (at.why === 'not_executable') denied ??= at.path;
  }
  return denied ? { name, why: 'not_executable', detail: denied } : { name, why: 'not_installed' };
}

/** Programs that run another program named by their first non-option argument. */
const LAUNCHERS = new Set(['node', 'nodejs', 'bun', 'deno', 'npx', 'bunx', 'pnpx', 'tsx']);

/** A program's name without its directory or a Windows/script suffix (`claude.exe` → `claude`). */
function programName(path: string): string {
  return basename(path).replace(/\.(exe|cmd|bat|ps1|js|cjs|mjs)$/i, '');
}

function kindOfProgram(path: string): KnownKind | undefined {
  const name = programName(path);
  for (const d of AGENT_CLIS) if ((d.binaries as readonly string[]).includes(name)) return d.kind;
  // `…/node_modules/@anthropic-ai/claude-code/cli.js`, `npx @openai/codex@latest`
  const normalized = path.replaceAll('\\', '/');
  for (const d of AGENT_CLIS) {
    for (const pkg of d.packages) {
      if (normalized.includes(`/${pkg}/`) || normalized === pkg || normalized.startsWith(`${pkg}@`)) return d.kind;
    }
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
    if (target !== undefined) return kindOfProgram(target) ?? genericCliDescriptor.kind;
  }
  return genericCliDescriptor.kind;
}

/**
 * The task in a user's command line (`relay wrap -- claude "fix the login bug"` → `fix the
 * login bug`), read with its CLI's grammar; null when the line has none or the CLI is unknown.
 * Behind a launcher (`node …/cli.js "…"`, `npx @openai/codex "…"`) the program's own arguments
 * start after the script or package.
 */
export function taskOfCommand(command: string, args: readonly string[] = []): string | null {
  const kind = detectKind(command, args);
  if (kind === genericCliDescriptor.kind) return null;
  const grammar = descriptorOf(kind).promptGrammar;
  if (!grammar) return null;
  let own = args;
  if (!kindOfProgram(command)) {
    const at = args.findIndex((a) => !a.startsWith('-'));
    own = args.slice(at + 1);
  }
  return promptInArgs(own, grammar);
}

/** An agent's display name: its kind, or `cli:<program>` for any other command. */
export function agentName(command: string, args: readonly string[] = []): string {
  const kind = detectKind(command, args);
  return kind === genericCliDescriptor.kind ? `${OTHER_CLI_PREFIX}${basename(command)}` : kind;
}

/**
 * The rules for one agent kind, in matching order: its own, then the generic markers. A `cli`
 * agent gets every known CLI's rules except those not `sharedWithCli`: it may be a wrapper
 * script around any of them, and their sentences are specific enough to share.
 */
export function limitRulesFor(kind: AgentKind): readonly LimitRule[] {
  const own =
    kind === genericCliDescriptor.kind
      ? AGENT_CLIS.flatMap((d) => d.limitRules.filter((r: LimitRule) => r.sharedWithCli !== false))
      : descriptorOf(kind).limitRules;
  return [...own, ...GENERIC_RULES];
}

/** Every rule of every kind, each once, in matching order (for tests and docs). */
export const ALL_LIMIT_RULES: readonly LimitRule[] = [...AGENT_CLIS.flatMap((d) => d.limitRules), ...GENERIC_RULES];

/** A known CLI with hooks: its kind and binding. */
export interface HookedAgent {
  kind: KnownKind;
  hook: HookBinding;
}

/** The CLI whose hooks call `relay hook <arg>`, or undefined for an unknown argument. */
export function agentOfHookArg(arg: string | undefined): HookedAgent | undefined {
  for (const d of AGENT_CLIS) if (d.hook !== null && d.hook.arg === arg) return { kind: d.kind, hook: d.hook };
  return undefined;
}

/** The kinds whose CLIs have hooks: a hook event names one of them. */
export const HOOKED_KINDS: readonly KnownKind[] = AGENT_CLIS.flatMap((d) => (d.hook ? [d.kind] : []));

/** Whether hook event `event` of CLI `kind` ends the agent's turn (its descriptor's {@link HookBinding.turnEnd}). */
export function endsTurn(kind: string, event: string): boolean {
  return AGENT_CLIS.some((d) => d.kind === kind && d.hook !== null && d.hook.turnEnd === event);
}

/** Every CLI with hooks, as data (what hookTable.ts writes for `relay hook`). */
export function hookTable(): HookTableEntry[] {
  return AGENT_CLIS.flatMap((d) => (d.hook ? [{ kind: d.kind, ...d.hook }] : []));
}

/** Known CLIs whose config `relay install` edits, with the role recorded in the install manifest. */
export type InstallRole = NonNullable<(typeof AGENT_CLIS)[number]['installRole']>;

/** The kind whose config has install role `role`, or undefined for a role that is not an agent's. */
export function kindOfInstallRole(role: string): KnownKind | undefined {
  return AGENT_CLIS.find((d) => d.installRole === role)?.kind;
}
