/**
 * `$RELAY_HOME/config.yaml`: the user's settings. A missing file means the defaults; a file that
 * is not valid YAML or has a wrong value is refused with the key and what is wrong, never
 * silently replaced by defaults. Keys this version does not know are kept, because other
 * commands (`relay install`) write their own sections into the same file.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { AGENT_NAMES_HINT, isAgentName } from '../adapters/registry.js';
import { RelayError } from '../platform/errors.js';
import type { RelayPaths } from '../platform/paths.js';

/** What to do with an agent that hit its limit once its work has moved on. */
export type OnLimitAction = 'park' | 'stop';

/**
 * 10 s: a limit message stays on screen and hooks repeat it, so one limit arrives many times;
 * a real second limit of the same agent comes minutes apart.
 */
export const DEFAULT_DEBOUNCE_MS = 10_000;
/** When a limit gives no reset time, treat the agent as limited this long (a guess, on purpose short). */
export const DEFAULT_COOLDOWN_MS = 15 * 60_000;

const handoffSchema = z.looseObject({
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

const wrapSchema = z.looseObject({
  /** The key that detaches `relay wrap` / `relay attach` and leaves the agent running. */
  detachKey: z.string().min(1).default('ctrl-]'),
});

const configSchema = z.looseObject({
  handoff: handoffSchema.prefault({}),
  wrap: wrapSchema.prefault({}),
});

/** The validated settings, defaults filled in; unknown keys are carried along untouched. */
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
 * Parse and validate the text of a config file. `file` names it in errors.
 * Throws RelayError E_CONFIG for invalid YAML or a wrong value.
 */
export function parseConfig(text: string, file: string): RelayConfig {
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    // The library appends "at line …:" and a code frame; one line with the position in front reads better.
    const what = (yamlError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw configError(file, `not valid YAML: ${where}${what}`, yamlError);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError(file, 'expected a mapping of settings (key: value) at the top level');
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
    throw configError(file, `${keyPath(issue.path)}: ${issue.message.replace(/^Invalid (input|option): /, '')}${more}`);
  }
  return result.data;
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
