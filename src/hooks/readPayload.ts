/**
 * Reading a hook payload from stdin without ever hanging or ballooning: a caller may leave
 * stdin open after writing the JSON (the hook must not wait for an EOF that never comes), or
 * pipe far more than any payload (the hook stops reading at the cap).
 */
import type { Readable } from 'node:stream';

type StdinPayload =
  /** The whole input (EOF seen), or a complete JSON value read before EOF. */
  | { kind: 'read'; text: string }
  /** More than the cap: dropped unread beyond it. */
  | { kind: 'too-big'; bytes: number }
  /** Neither EOF nor a complete JSON value within the time allowed. */
  | { kind: 'timeout'; bytes: number };

/** A value is only worth trying to parse when its last non-blank byte could close it. */
function mayBeComplete(chunks: readonly Buffer[]): boolean {
  for (let c = chunks.length - 1; c >= 0; c--) {
    const buf = chunks[c]!;
    for (let i = buf.length - 1; i >= 0; i--) {
      const b = buf[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      return b === 0x7d || b === 0x5d; // } or ]
    }
  }
  return false;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Read `input` until EOF, until it holds a complete JSON value, past `maxBytes`, or for at most
 * `timeoutMs`, whichever comes first. Never rejects.
 */
export function readStdinPayload(input: Readable, maxBytes: number, timeoutMs: number): Promise<StdinPayload> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const finish = (result: StdinPayload): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      // Stop reading: what is left in the pipe is not ours to wait for.
      input.pause();
      resolve(result);
    };
    const text = (): string => Buffer.concat(chunks, bytes).toString('utf8');
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += b.length;
      if (bytes > maxBytes) return finish({ kind: 'too-big', bytes });
      chunks.push(b);
      // Open stdin: a whole JSON value already read is the payload; no need to wait for EOF.
      if (mayBeComplete(chunks)) {
        const t = text();
        if (parses(t)) finish({ kind: 'read', text: t });
      }
    };
    const onEnd = (): void => finish({ kind: 'read', text: text() });
    const timer = setTimeout(() => finish({ kind: 'timeout', bytes }), timeoutMs);
    input.on('data', onData);
    input.on('end', onEnd);
    // A closed or broken stdin is an empty payload, reported as such by the caller.
    input.on('error', onEnd);
  });
}
