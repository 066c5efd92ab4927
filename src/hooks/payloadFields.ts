/**
 * Reading the fields of a hook payload (parsed JSON) without a schema library: `relay hook` runs
 * inside the agent's loop and must start in a few milliseconds, and loading zod alone costs more
 * than the whole hook. These guards check exactly what the parsers rely on and nothing more.
 *
 * A parser names the fields it reads and how, as a {@link Shape}, and {@link Fields.read} returns
 * them typed, or the first {@link Invalid} met, in the shape's order, saying which field is wrong
 * and how (`session_id: expected a string, received number`), so a parser can log why it dropped
 * a payload:
 *
 *     const p = fields.read({ session_id: 'string?', status: { type: 'string', next: 'number?' } });
 *     if (p instanceof Invalid) return malformed(p.reason);
 *
 * A field a parser does not name is never looked at: CLIs add fields between versions, and an
 * unknown field must not turn a payload malformed.
 *
 * The rules, shared by every kind of field:
 * - an object is any non-null, non-array object (what `JSON.parse` makes of `{…}`);
 * - *optional* (`?`) means the key may be missing (or `undefined`), never `null`: a CLI that writes
 *   `null` where it documents a string is not sending what the parser was written against;
 * - *nullish* (`|null?`) also accepts `null`, for the fields a CLI does write as `null` (Claude's
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

/** A finite number: what JSON can hold. */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The plain kinds of field, each with the check it makes and what its reason says it expected. */
const SCALARS = {
  /** A string that must be there. */
  string: { ok: (v: unknown) => typeof v === 'string', expected: 'a string' },
  /** A string, or missing. */
  'string?': { ok: (v: unknown) => v === undefined || typeof v === 'string', expected: 'a string' },
  /** A string, `null`, or missing. */
  'string|null?': { ok: (v: unknown) => v === undefined || v === null || typeof v === 'string', expected: 'a string or null' },
  /** A finite number, or missing. */
  'number?': { ok: (v: unknown) => v === undefined || isNumber(v), expected: 'a number' },
  /** A finite number, `null`, or missing. */
  'number|null?': { ok: (v: unknown) => v === undefined || v === null || isNumber(v), expected: 'a number or null' },
  /** An array of anything, which must be there. */
  array: { ok: (v: unknown) => Array.isArray(v), expected: 'an array' },
} as const;

interface ScalarTypes {
  string: string;
  'string?': string | undefined;
  'string|null?': string | null | undefined;
  'number?': number | undefined;
  'number|null?': number | null | undefined;
  array: readonly unknown[];
}

type Scalar = keyof typeof SCALARS;

/** A nested object read with its own shape, when it is there: see {@link optional}, {@link nullish}. */
class Nested<S extends Shape> {
  constructor(
    readonly shape: S,
    /** `null` reads as missing too. */
    readonly nullable: boolean,
  ) {}
}

/** A field checked by hand: its value (`undefined` when missing) and path, to its value or why not. */
export type CustomField<T> = (value: unknown, path: string) => T | Invalid;

/**
 * How one field is read: a {@link Scalar} kind; `'object?'`, a nested object (or missing) left as
 * {@link Fields} for the parser to read in turn; a nested {@link Shape} (an object that must be
 * there); {@link optional} or {@link nullish} of a shape; or a {@link CustomField} check.
 */
export type FieldKind = Scalar | 'object?' | Shape | Nested<Shape> | CustomField<unknown>;

/** The fields a parser reads from one object, in the order they are checked. */
export interface Shape {
  readonly [key: string]: FieldKind;
}

type Read<K> = K extends Scalar
  ? ScalarTypes[K]
  : K extends 'object?'
    ? Fields | undefined
    : K extends Nested<infer S>
      ? ShapeOf<S> | undefined
      : K extends CustomField<unknown>
        ? Exclude<ReturnType<K>, Invalid>
        : K extends Shape
          ? ShapeOf<K>
          : never;

/** What {@link Fields.read} returns for a shape: each field as its kind reads it. */
export type ShapeOf<S extends Shape> = { -readonly [K in keyof S]: Read<S[K]> };

/** A nested object, or missing. */
export function optional<const S extends Shape>(shape: S): Nested<S> {
  return new Nested(shape, false);
}

/** A nested object, `null`, or missing (`null` reads as missing). */
export function nullish<const S extends Shape>(shape: S): Nested<S> {
  return new Nested(shape, true);
}

/**
 * One object in a payload, whose fields are read with {@link read}. `where` names the object in
 * reasons: `payload` for the top level, else its dotted path.
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

  /** The fields `shape` names, each checked as it says, or the first one that is not. */
  read<const S extends Shape>(shape: S): ShapeOf<S> | Invalid {
    const out: Record<string, unknown> = {};
    for (const [key, kind] of Object.entries(shape)) {
      const value = this.field(key, kind);
      if (value instanceof Invalid) return value;
      out[key] = value;
    }
    return out as ShapeOf<S>;
  }

  private field(key: string, kind: FieldKind): unknown {
    const v = this.record[key];
    const path = pathOf(this.where, key);
    if (typeof kind === 'string') {
      if (kind === 'object?') return v === undefined ? undefined : Fields.of(v, path);
      const scalar = SCALARS[kind];
      return scalar.ok(v) ? v : invalid(path, scalar.expected, v);
    }
    if (typeof kind === 'function') return kind(v, path);
    if (kind instanceof Nested) {
      if (v === undefined || (kind.nullable && v === null)) return undefined;
      const f = Fields.of(v, path);
      return f instanceof Invalid ? f : f.read(kind.shape);
    }
    const f = Fields.of(v, path);
    return f instanceof Invalid ? f : f.read(kind);
  }
}

/** Whether `value` is one of `allowed` (an event list), narrowing it to that union. */
export function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}
