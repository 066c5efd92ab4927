/**
 * How commands speak: results on stdout (human text, or one JSON value with --json), errors as
 * one line on stderr (or a JSON error record on stdout with --json) and an exit code from the
 * one table. A stack trace is printed only with RELAY_DEBUG=1.
 */
import { EXIT, formatErrorLine, toRelayError } from '../platform/errors.js';

export interface CommonOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Run a command body and turn whatever it throws into the one-line error and its exit code. */
export async function runCommand(json: boolean | undefined, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? EXIT.ok;
  } catch (e) {
    const err = toRelayError(e);
    if (process.env.RELAY_DEBUG === '1') process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    if (json) printJson(err.toRecord());
    else process.stderr.write(`${formatErrorLine(err)}\n`);
    return err.exitCode;
  }
}
