/**
 * A handoff prompt as one command-line argument. The next agent runs interactively in a PTY, so
 * the snapshot cannot go on stdin (that is the keyboard); it goes in argv, which Linux caps per
 * string.
 */

/**
 * Linux rejects a single argv string longer than MAX_ARG_STRLEN (32 pages = 131072 bytes with
 * its NUL) with E2BIG, and execve fails outright. 100 KiB leaves room for a marker and keeps the
 * whole command line far below ARG_MAX.
 */
export const MAX_PROMPT_ARG_BYTES = 100 * 1024;

/** Share of the byte budget kept from the start (task, cwd, git state); the rest is the tail. */
const HEAD_SHARE = 2 / 3;

/**
 * `prompt` made safe to pass as one argv string: NUL bytes removed (execve cannot carry them), a
 * leading `-` shielded by a space so the CLI's option parser does not take it for a flag, and a
 * prompt over `maxBytes` (UTF-8) cut in the middle with a visible marker. The middle goes because
 * a snapshot starts with the task and ends with the last turns and what to do next.
 */
export function promptArgument(prompt: string, maxBytes: number = MAX_PROMPT_ARG_BYTES): string {
  let text = prompt.replaceAll('\0', '');
  if (text.startsWith('-')) text = ` ${text}`;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;

  // Sized for the largest count it can print, so the result never exceeds maxBytes.
  const marker = (cut: number): string =>
    `\n\n[… ${cut} bytes of this handoff snapshot were cut here: one command-line argument is limited to about 128 KB …]\n\n`;
  const budget = maxBytes - Buffer.byteLength(marker(bytes.length));
  const head = utf8Head(bytes, Math.floor(budget * HEAD_SHARE));
  const tail = utf8Tail(bytes, budget - head.length);
  const cut = bytes.length - head.length - tail.length;
  return head.toString('utf8') + marker(cut) + tail.toString('utf8');
}

/** The first at most `n` bytes, ending on a character boundary. */
function utf8Head(buf: Buffer, n: number): Buffer {
  let end = Math.min(n, buf.length);
  // 0b10xxxxxx is a continuation byte: the character started earlier.
  while (end > 0 && end < buf.length && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/** The last at most `n` bytes, starting on a character boundary. */
function utf8Tail(buf: Buffer, n: number): Buffer {
  let start = Math.max(0, buf.length - n);
  while (start < buf.length && ((buf[start] ?? 0) & 0xc0) === 0x80) start++;
  return buf.subarray(start);
}
