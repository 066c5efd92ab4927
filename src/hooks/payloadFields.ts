/**
 * Reading the fields of a hook payload (parsed JSON) without a schema library: `relay hook` runs
 * inside the agent's loop and must start in a few milliseconds, and loading zod alone costs more
 * than the whole hook. These guards check exactly what the parsers rely on and nothing more.
 *
 * Each reader returns the value, or an {@link Invalid} saying which field is wrong and how
 * (`session_id: expected a string, received number`), so a parser can log why it dropped a
 * payload. A field a parser does not name is never looked at: CLIs add fields between versions,
 * and an unknown field must not turn a payload malformed.
 *
 * The rules, shared by every reader:
 * - an object is any non-null, non-array object (what `JSON.parse` makes of `{…}`);
 * - *optional* means the key may be missing (or `undefined`), never `null`: a CLI that writes
 *   `null` where it documents a string is not sending what the parser was written against;
 * - *nullish* also accepts `null`, for the fields a CLI does write as `null` (Claude's
 *   `last_assistant_message`, the Codex rollout's `error`);
 * - a number is finite: `NaN` or `±Infinity` never come out of JSON, only out of a bug.
 */

import { isObject, type JsonObject } from '../platform/jsonValue.js';

/** Why a payload (or a part of it) is not what the CLI sends: one line for the hook log. */
export class Invalid {
  constructor(readonly reason: string) {}
}

/** `string`, `number`, `null`, `array`…: what a field held instead, for the reason. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

/** `where` (`payload`, `status`, `info.error.data`) + `key` as a dotted path. */
function pathOf(where: string, key: string): string {
  return where === 'payload' ? key : `${where}.${key}`;
}

function invalid(path: string, expected: string, got: unknown): Invalid {
  return new Invalid(`${path}: expected ${expected}, received ${kindOf(got)}`);
}

/**
 * The fields of one object in a payload, each read with the check its parser needs. `where`
 * names the object in reasons: `payload` for the top level, else its dotted path.
 */
export class Fields {
  private constructor(
    /** The object itself, for a parser that walks its entries (response headers). */
    readonly record: JsonObject,
    readonly where: string,
  ) {}

  /** `value` as an object whose fields can be read, or why it is not one. */
  static of(value: unknown, where = 'payload'): Fields | Invalid {
    return isObject(value) ? new Fields(value, where) : invalid(where, 'an object', value);
  }

  /** An object with no fields, for an optional object that is missing. */
  static empty(where: string): Fields {
    return new Fields({}, where);
  }

  /** A string that must be there. */
  string(key: string): string | Invalid {
    const v = this.record[key];
    return typeof v === 'string' ? v : invalid(pathOf(this.where, key), 'a string', v);
  }

  /** A string, or missing. */
  optionalString(key: string): string | undefined | Invalid {
    const v = this.record[key];
    return v === undefined || typeof v === 'string' ? v : invalid(pathOf(this.where, key), 'a string', v);
  }

  /** A string, `null`, or missing. */
  nullishString(key: string): string | null | undefined | Invalid {
    const v = this.record[key];
    return v === undefined || v === null || typeof v === 'string' ? v : invalid(pathOf(this.where, key), 'a string or null', v);
  }

  /** A finite number, or missing. */
  optionalNumber(key: string): number | undefined | Invalid {
    const v = this.record[key];
    return v === undefined || isNumber(v) ? v : invalid(pathOf(this.where, key), 'a number', v);
  }

  /** A finite number, `null`, or missing. */
  nullishNumber(key: string): number | null | undefined | Invalid {
    const v = this.record[key];
    return v === undefined || v === null || isNumber(v) ? v : invalid(pathOf(this.where, key), 'a number or null', v);
  }

  /** An array of anything, which must be there. */
  array(key: string): readonly unknown[] | Invalid {
    const v = this.record[key];
    return Array.isArray(v) ? v : invalid(pathOf(this.where, key), 'an array', v);
  }

  /** A nested object that must be there, as fields to read in turn. */
  object(key: string): Fields | Invalid {
    return Fields.of(this.record[key], pathOf(this.where, key));
  }

  /** A nested object, or missing. */
  optionalObject(key: string): Fields | undefined | Invalid {
    const v = this.record[key];
    return v === undefined ? undefined : Fields.of(v, pathOf(this.where, key));
  }

  /** A nested object, `null`, or missing (`null` reads as missing). */
  nullishObject(key: string): Fields | undefined | Invalid {
    const v = this.record[key];
    return v === undefined || v === null ? undefined : Fields.of(v, pathOf(this.where, key));
  }
}

/** A finite number: what JSON can hold. */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Whether `value` is one of `allowed` (an event list), narrowing it to that union. */
export function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}
