/**
 * Narrowing parsed JSON (`JSON.parse`, a config file, a transcript line, a hook payload) without a
 * schema library. No imports: `relay hook` loads this on its start-up path.
 */

/** An object as `JSON.parse` returns it for `{…}`. */
export type JsonObject = Record<string, unknown>;

/** True for an object that is not null and not an array: what `{…}` parses to. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
