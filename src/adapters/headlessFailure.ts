/**
 * The pieces every headless parser (<kind>Headless.ts) uses to turn what a CLI printed into a
 * {@link CallFailure}: which kinds may move on to another provider, an HTTP status as a kind,
 * one printable line out of a multi-line message, and the fallback when a CLI died without
 * saying why in its JSON.
 */
import stripAnsi from 'strip-ansi';
import type { CallFailure, FailureKind } from '../protocol/providerProtocol.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { redactText } from '../platform/redact.js';
import type { HeadlessExit } from './agentDescriptor.js';

/**
 * Failures after which the same request is worth sending elsewhere: limits, a provider's own
 * trouble, and this CLI being unusable (not logged in, broken). A bad request or an answer too
 * large would fail the same way anywhere; a cancel was the user's choice.
 */
const STAYS: ReadonlySet<FailureKind> = new Set<FailureKind>(['bad_request', 'too_large', 'cancelled']);

/** Longest message kept, in characters: a failure is one line on a terminal. */
const MAX_MESSAGE = 300;

/** Options of {@link cliFailure} beyond kind and message. */
export type FailureExtras = Partial<Pick<CallFailure, 'status' | 'resetAt' | 'hint'>>;

/** A failure with `moveOn` decided by its kind; the message is made one redacted line. */
export function cliFailure(kind: FailureKind, message: string, extras: FailureExtras = {}): CallFailure {
  const failure: CallFailure = { kind, message: oneLine(message), moveOn: !STAYS.has(kind) };
  if (extras.status !== undefined) failure.status = extras.status;
  if (extras.resetAt !== undefined && Number.isFinite(extras.resetAt)) failure.resetAt = extras.resetAt;
  if (extras.hint !== undefined) failure.hint = extras.hint;
  return failure;
}

/** The kind an HTTP error status means, or undefined for a status that says nothing. */
export function kindOfStatus(status: number | undefined): FailureKind | undefined {
  if (status === undefined) return undefined;
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 400 || status === 422) return 'bad_request';
  // 529 is Anthropic's "overloaded"; 503 is how OpenAI and Google say the same.
  if (status === 529 || status === 503) return 'overloaded';
  if (status >= 500 && status <= 599) return 'server';
  return undefined;
}

/** `text` as one printable line: ANSI and line breaks gone, secrets redacted, cut to length. */
export function oneLine(text: string): string {
  const flat = redactText(stripAnsi(text)).replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_MESSAGE ? flat : `${flat.slice(0, MAX_MESSAGE - 1)}…`;
}

/** The stderr tail as plain lines, blank ones dropped. */
export function plainLines(lines: readonly string[]): string[] {
  return lines.map((l) => stripAnsi(l).trimEnd()).filter((l) => l.trim() !== '');
}

/** The object a JSON line holds, or undefined for anything else (banners, partial lines). */
export function jsonLine(text: string): JsonObject | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A finite number field, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A string field, or undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** USD as the protocol's integer micro-dollars. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

/**
 * When the JSON said nothing about a failed run: its exit code or signal and the last thing it
 * wrote on stderr, so the user sees the CLI's own words.
 */
export function exitFailure(agent: string, exit: HeadlessExit): CallFailure {
  const last = plainLines(exit.stderrTail).at(-1);
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return cliFailure('cli_failed', last ? `${agent} ${how}: ${last}` : `${agent} ${how} without an answer`);
}
