/**
 * `relay providers`: what Relay found (where, in what state, how many models, why it is usable
 * or not), then what it looked for and did not find, each with how to add it. With no usable
 * provider at all the view leads with "No provider found." and how to add one — the same lines
 * `relay "task"` prints when it has nowhere to send the task.
 */
import type { ProviderInfo, ProviderLookup } from '../protocol/providerProtocol.js';
import { formatClockTime } from '../platform/duration.js';
import { formatTable } from './textTable.js';

/** The ways to add a provider, for when the daemon could not say what it looked for. */
const GENERIC_HOW_TO_ADD = [
  'set an API key (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, DEEPSEEK_API_KEY) in this shell,',
  'install an agent CLI (claude, codex, gemini, opencode), run Ollama on 127.0.0.1:11434,',
  'or declare a provider under providers: in config.yaml',
];

function stateOf(p: ProviderInfo, now: number): string {
  const state = p.state ?? (p.usable ? 'ready' : 'unusable');
  return p.until !== undefined && p.until > now ? `${state} until ${formatClockTime(p.until, now)}` : state;
}

function sourceOf(p: ProviderInfo): string {
  return p.baseUrl ? `${p.source} (${p.baseUrl})` : p.source;
}

function providerTable(providers: readonly ProviderInfo[], now: number): string[] {
  const rows = providers.map((p) => [p.name, p.kind, sourceOf(p), stateOf(p, now), String(p.models.length), p.why]);
  return formatTable(['PROVIDER', 'KIND', 'SOURCE', 'STATE', 'MODELS', 'WHY'], rows, [4]).map((l) => `  ${l}`);
}

/** The not-found lookups, one line each: what, then how to add it. */
function missingLines(lookedFor: readonly ProviderLookup[]): string[] {
  const missing = lookedFor.filter((l) => !l.found);
  const width = Math.max(0, ...missing.map((l) => l.what.length));
  return missing.map((l) => `  ${l.what.padEnd(width)}  → ${l.howToAdd}`);
}

/**
 * "No provider found." and how to add one: each thing looked for with its fix, or the general
 * ways when the list is empty. What `relay "task"` prints (on stderr) with nowhere to send a task.
 */
export function noProviderLines(lookedFor: readonly ProviderLookup[]): string[] {
  const missing = missingLines(lookedFor);
  if (missing.length === 0) return ['No provider found.', 'To add one:', ...GENERIC_HOW_TO_ADD.map((l) => `  ${l}`)];
  return ['No provider found.', 'Relay looked for these; add any one of them:', ...missing];
}

/** The whole `relay providers` view. `now` places a cooling provider's `until` on the clock. */
export function formatProviderView(providers: readonly ProviderInfo[], lookedFor: readonly ProviderLookup[], now: number): string[] {
  const usable = providers.filter((p) => p.usable);
  const unusable = providers.filter((p) => !p.usable);
  if (usable.length === 0) {
    const lines = noProviderLines(lookedFor);
    if (unusable.length > 0) lines.push('', 'Found, but not usable:', ...providerTable(unusable, now));
    return lines;
  }
  const lines = [`${usable.length} usable provider${usable.length === 1 ? '' : 's'}${unusable.length ? `, ${unusable.length} not usable` : ''}:`];
  lines.push(...providerTable([...usable, ...unusable], now));
  const missing = missingLines(lookedFor);
  if (missing.length > 0) lines.push('', 'Looked for, not found:', ...missing);
  return lines;
}
