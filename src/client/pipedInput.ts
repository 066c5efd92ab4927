/**
 * Piped stdin as a task's context (`git diff | relay "review this"`). Read only when stdin is a
 * pipe or a redirected file: a terminal would wait for the user to type, and a socket (what an
 * IDE, a test runner or a supervisor hands its children) may never end, so neither is read.
 */
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';

/** The daemon takes at most 4 MiB of context (the bus frame is 8 MiB, text and context together). */
export const PIPED_INPUT_MAX_BYTES = 4 * 1024 * 1024;

export interface PipedInput {
  text: string;
  /** Bytes read (at most the cap). */
  bytes: number;
  /** The input went on past the cap; only its first part is in `text`. */
  truncated: boolean;
}

/** Whether fd `fd` is something to read to its end: a FIFO or a regular file, never a terminal or a socket. */
export function isPipedInput(fd = 0): boolean {
  if (isatty(fd)) return false;
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isFile();
  } catch {
    // A closed stdin (`relay "x" <&-`) has nothing to read.
    return false;
  }
}

/**
 * Read `input` to its end or to `maxBytes`, whichever comes first. undefined when it holds
 * nothing but white space (no context is better than an empty one, which the daemon refuses).
 */
export async function readInput(input: NodeJS.ReadableStream, maxBytes = PIPED_INPUT_MAX_BYTES): Promise<PipedInput | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (bytes + buf.length > maxBytes) {
      chunks.push(buf.subarray(0, maxBytes - bytes));
      bytes = maxBytes;
      truncated = true;
      break;
    }
    chunks.push(buf);
    bytes += buf.length;
  }
  // Leaving the loop early does not close a pipe's writer: stop reading so nothing waits on it.
  if (truncated) (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  let text = Buffer.concat(chunks, bytes).toString('utf8');
  // A cut can fall inside a character: drop its half rather than send a replacement character.
  if (truncated) text = text.replace(/\uFFFD+$/, '');
  if (text.trim() === '') return undefined;
  return { text, bytes, truncated };
}

/** This process's piped stdin, or undefined when stdin is not piped or holds nothing. */
export async function readPipedStdin(maxBytes = PIPED_INPUT_MAX_BYTES): Promise<PipedInput | undefined> {
  if (!isPipedInput(0)) return undefined;
  return readInput(process.stdin, maxBytes);
}
