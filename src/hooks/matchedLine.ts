/**
 * The `matched` text of a hook limit: one line, at most 300 chars, secrets redacted. Hook
 * payloads carry provider messages verbatim (URLs with keys, multi-line dumps), and the line
 * ends up in the event log, snapshots and desktop notifications.
 */
import { redactText } from '../platform/redact.js';

const MAX_MATCHED_CHARS = 300;

/*
 * Only this much of the input is looked at: redaction is a regex pass, and a payload may hold a
 * megabyte in one string. A secret cut at this boundary lies beyond the 300 chars kept anyway.
 */
const SCAN_CHARS = 4096;

/** Control characters (C0, DEL, C1) and the line/paragraph separators, collapsed with spaces. */
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** `text` as one redacted line of at most `max` chars (an ellipsis marks a cut). */
export function oneLine(text: string, max = MAX_MATCHED_CHARS): string {
  const flat = redactText(text.slice(0, SCAN_CHARS).replace(CONTROL_OR_SPACE, ' ').trim());
  if (flat.length <= max) return flat;
  // Never cut a surrogate pair in half: a lone surrogate is not valid UTF-8 on the wire.
  let end = max - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${flat.slice(0, end)}…`;
}
