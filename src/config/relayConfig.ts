/**
 * `$RELAY_HOME/config.yaml`: the user's settings. A missing file means the defaults; a file that
 * is not valid YAML or has a wrong value is refused with the key and what is wrong, never
 * silently replaced by defaults. A key this version does not know is refused too, naming the
 * nearest valid key: a typo (`ordr:`) must not pass as "valid" and leave the default in force.
 * (`relay install` writes only `handoff.order`, so no other command adds keys of its own.)
 */
import { readFileSync } from 'node:fs';
import { parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { AGENT_NAMES_HINT, isAgentName } from '../adapters/registry.js';
import { RelayError } from '../platform/errors.js';
import type { RelayPaths } from '../platform/paths.js';
import { DETACH_KEY_FORMS, isDetachKey } from './detachKey.js';
import { nearestKey } from './nearestKey.js';

/** What to do with an agent that hit its limit once its work has moved on. */
export type OnLimitAction = 'park' | 'stop';

/**
 * 10 s: a limit message stays on screen and hooks repeat it, so one limit arrives many times;
 * a real second limit of the same agent comes minutes apart.
 */
export const DEFAULT_DEBOUNCE_MS = 10_000;
/** When a limit gives no reset time, treat the agent as limited this long (a guess, on purpose short). */
export const DEFAULT_COOLDOWN_MS = 15 * 60_000;

const handoffSchema = z.strictObject({
  order: z
    .array(z.string().refine(isAgentName, `expected an agent name: ${AGENT_NAMES_HINT}`))
    .default([]),
  onLimit: z.enum(['park', 'stop']).default('park'),
  /**
   * Also hand off on early warnings (a CLI retrying a 429): the CLIs' own retries take minutes
   * (Claude ~3, Gemini ~4) before they give up, and a handoff beats waiting them out.
   */
  actOnWarnings: z.boolean().default(true),
  debounceMs: z.number().int().nonnegative().default(DEFAULT_DEBOUNCE_MS),
  defaultCooldownMs: z.number().int().positive().default(DEFAULT_COOLDOWN_MS),
});

const wrapSchema = z.strictObject({
  /**
   * The key that detaches `relay wrap` / `relay attach` and leaves the agent running. Checked by
   * the parser wrap uses, so doctor never calls valid a key that wrap refuses.
   */
  detachKey: z
    .string()
    .refine(isDetachKey, { error: (issue) => `"${String(issue.input)}" is not a detach key; use ${DETACH_KEY_FORMS}` })
    .default('ctrl-]'),
});

/** USD per million tokens, as vendors publish prices (stored as µ$ per token: the same number). */
const pricePerMTok = z.number().nonnegative().max(10_000);
const tierSchema = z.enum(['basic', 'standard', 'premium']);

const modelSchema = z.strictObject({
  id: z.string().min(1),
  contextTokens: z.number().int().positive().optional(),
  tier: tierSchema.optional(),
  /** USD per million input / output tokens; absent: the shipped price table, else unpriced. */
  inputPrice: pricePerMTok.optional(),
  outputPrice: pricePerMTok.optional(),
});

/**
 * A secret as config.yaml may give it: `env:VAR` (read from the environment of the shell that
 * runs relay; the value never lands in a file Relay writes) or the key itself.
 */
const secretSchema = z.string().min(1);

const providerSchema = z.strictObject({
  type: z.enum(['openai', 'anthropic', 'google', 'deepseek', 'ollama', 'openai-compatible']),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: secretSchema.optional(),
  /** Models to offer; a bare id or the full entry. */
  models: z.array(z.union([z.string().min(1), modelSchema])).default([]),
  /** Local servers (Ollama, LM Studio) and free tiers cost nothing per call. */
  billing: z.enum(['metered', 'local']).optional(),
  enabled: z.boolean().default(true),
});

const workerSchema = z.strictObject({
  description: z.string().min(1),
  systemPrompt: z.string().min(1),
  tier: tierSchema.default('basic'),
  minContextTokens: z.number().int().positive().default(8_000),
  /** The intents it takes (chat, explain, code, review, design, write, research). */
  intents: z.array(z.string().min(1)).default([]),
});

const budgetSchema = z.strictObject({
  /** Allow models with no known price while a hard limit is set (their cost cannot be held to it). */
  allowUnpriced: z.boolean().default(false),
  /** Warn when a limit is this much used (0.8 = 80 %). */
  warnAt: z.number().gt(0).lte(1).default(0.8),
});

const routingSchema = z.strictObject({
  /** A provider's retry-after is honoured up to this; a multi-hour one must not stop the fallback. */
  maxCooldownMs: z.number().int().positive().default(15 * 60_000),
  /** Consecutive 5xx answers that open a provider's circuit breaker. */
  breakerFailures: z.number().int().positive().default(3),
  breakerOpenMs: z.number().int().positive().default(60_000),
  firstByteTimeoutMs: z.number().int().positive().default(60_000),
  idleTimeoutMs: z.number().int().positive().default(60_000),
  /** Skip the agent CLIs as providers (they then serve only `relay wrap`). */
  useAgentClis: z.boolean().default(true),
});

const configSchema = z.strictObject({
  handoff: handoffSchema.prefault({}),
  wrap: wrapSchema.prefault({}),
  /** `auto` runs each call at once; `edit` shows worker, model and estimated cost and asks first. */
  mode: z.enum(['auto', 'edit']).default('auto'),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'provider names are lower case letters, digits, . _ -'), providerSchema).default({}),
  workers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'worker names are lower case letters, digits and -'), workerSchema).default({}),
  /** Price overrides, `<provider>/<model>: {inputPrice, outputPrice}` in USD per million tokens. */
  prices: z.record(z.string().min(1), z.strictObject({ inputPrice: pricePerMTok, outputPrice: pricePerMTok })).default({}),
  budget: budgetSchema.prefault({}),
  routing: routingSchema.prefault({}),
});

/** The valid keys of each section, by its path (`''` for the top level), for "did you mean". */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(configSchema.shape),
  handoff: Object.keys(handoffSchema.shape),
  wrap: Object.keys(wrapSchema.shape),
  budget: Object.keys(budgetSchema.shape),
  routing: Object.keys(routingSchema.shape),
};

/** The keys of a provider, worker or model entry, for "did you mean" inside a named entry. */
const ENTRY_KEYS: Record<string, readonly string[]> = {
  providers: Object.keys(providerSchema.shape),
  workers: Object.keys(workerSchema.shape),
  prices: ['inputPrice', 'outputPrice'],
};

export type ProviderConfig = z.output<typeof providerSchema>;
export type WorkerConfig = z.output<typeof workerSchema>;
export type ModelConfig = z.output<typeof modelSchema>;

/** The validated settings, defaults filled in. */
export type RelayConfig = z.output<typeof configSchema>;

/** The settings when there is no config file. */
export function defaultConfig(): RelayConfig {
  return configSchema.parse({});
}

function configError(file: string, what: string, cause?: unknown): RelayError {
  return new RelayError('E_CONFIG', `${file}: ${what}`, {
    hint: 'fix the file or move it aside',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** `handoff.order[2]` from a zod issue path. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}

/**
 * The config file's YAML document, not validated: for an edit that must work on a file with a
 * setting this version does not know (`relay uninstall` taking its order out). `file` names it
 * in errors. Throws RelayError E_CONFIG for text that is not YAML.
 */
export function parseConfigYaml(text: string, file: string): Document.Parsed {
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    // The library appends "at line …:" and a code frame; one line with the position in front reads better.
    const what = (yamlError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw configError(file, `not valid YAML: ${where}${what}`, yamlError);
  }
  return doc;
}

/**
 * Parse and validate the text of a config file. `file` names it in errors.
 * Throws RelayError E_CONFIG for invalid YAML or a wrong value.
 */
export function parseConfig(text: string, file: string): RelayConfig {
  const doc = parseConfigYaml(text, file);
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError(file, 'expected a mapping of settings (key: value) at the top level');
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues;
    const unknown = issues.find((i) => i.code === 'unrecognized_keys');
    // One issue lists every unknown key of a section; count keys, not issues, in "(and N more)".
    const count = issues.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
    const more = count > 1 ? ` (and ${count - 1} more)` : '';
    if (unknown) throw unknownKeyError(file, unknown.path, unknown.keys[0]!, more);
    const issue = issues[0]!;
    throw configError(file, `${keyPath(issue.path)}: ${issue.message.replace(/^Invalid (input|option): /, '')}${more}`);
  }
  return result.data;
}

/** `handoff.ordr is not a setting (did you mean order?)`, with the valid keys as the fix. */
function unknownKeyError(file: string, section: readonly PropertyKey[], key: string, more: string): RelayError {
  // keyPath names the empty path '(top level)' for messages; here '' is the key of KNOWN_KEYS.
  const sectionName = section.length === 0 ? '' : keyPath(section);
  const known = KNOWN_KEYS[sectionName] ?? knownInEntry(section);
  const near = nearestKey(key, known);
  const where = sectionName ? `${sectionName}.${key}` : key;
  const guess = near === undefined ? '' : ` (did you mean ${near}?)`;
  return new RelayError('E_CONFIG', `${file}: unknown key ${where}${guess}${more}`, {
    hint: near === undefined
      ? `the keys ${sectionName ? `under ${sectionName}` : 'at the top level'} are ${known.join(', ')}; remove or rename it`
      : `rename it to ${near}, or remove it`,
  });
}

/** The keys valid at `providers.<name>`, `providers.<name>.models[i]`, `workers.<name>`. */
function knownInEntry(section: readonly PropertyKey[]): readonly string[] {
  const [top, , third] = section;
  if (top === 'providers' && third === 'models') return Object.keys(modelSchema.shape);
  return section.length === 2 ? (ENTRY_KEYS[String(top)] ?? []) : [];
}

/** Read `paths.config`; the defaults when the file does not exist. Throws RelayError E_CONFIG. */
export function loadConfig(paths: Pick<RelayPaths, 'config'>): RelayConfig {
  let text: string;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw configError(paths.config, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, e);
  }
  return parseConfig(text, paths.config);
}
