/**
 * The mechanics every transcript reader shares: tolerant JSON-lines parsing, picking the newest
 * session file, and building the list of turns. What a line means stays in each CLI's adapter.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import type { TranscriptQuery, Turn } from './agentDescriptor.js';

/** `v` if it is a string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** ms since the epoch from an ISO timestamp, or undefined. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Every line of a JSON-lines file that parses to an object, in order; [] if the file is missing.
 * Bad lines are skipped: the agent may be writing the last one right now.
 */
export async function readJsonLines(path: string): Promise<JsonObject[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return parseJsonLines(text).lines;
}

/** The JSON-lines text's objects, in order, and how many non-blank lines were not one. */
export function parseJsonLines(text: string): { lines: JsonObject[]; bad: number } {
  const lines: JsonObject[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isObject(v)) lines.push(v);
      else bad++;
    } catch {
      // A torn or foreign line; the rest of the file is still useful.
      bad++;
    }
  }
  return { lines, bad };
}

/**
 * Largest first line read to identify a session: Codex's `session_meta` carries the whole base
 * instructions (about 22 KB in 0.169).
 */
const MAX_FIRST_LINE_BYTES = 1024 * 1024;

/** The first line of a file parsed as a JSON object, reading no more than needed. */
export async function readFirstJsonLine(path: string): Promise<JsonObject | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < MAX_FIRST_LINE_BYTES) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      const piece = buf.subarray(0, bytesRead);
      const nl = piece.indexOf(0x0a);
      chunks.push(nl === -1 ? piece : piece.subarray(0, nl));
      total += bytesRead;
      if (nl !== -1) break;
    }
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

/** A transcript query without its turn limit: what finding a session needs. */
export type TranscriptLookup = Omit<TranscriptQuery, 'limit'>;

/** Where a session's transcript is, for an import. */
export interface TranscriptLocation {
  /** The file, when one was found. */
  file?: string;
  /** The CLI's own id of the session in `file`. */
  session?: string;
  /** Where it looked, for the message when nothing was found. */
  looked: string;
}

/** A file and its modification time (ms). */
export interface FileEntry {
  path: string;
  mtimeMs: number;
}

/** Regular files in `dir` whose name passes `accept`, with mtimes; [] if `dir` is missing. */
export async function listFiles(dir: string, accept: (name: string) => boolean): Promise<FileEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: FileEntry[] = [];
  for (const name of names) {
    if (!accept(name)) continue;
    const path = join(dir, name);
    try {
      const st = await stat(path);
      if (st.isFile()) out.push({ path, mtimeMs: st.mtimeMs });
    } catch {
      // Deleted while we looked.
    }
  }
  return out;
}

/** `files` written at or after `since` (all if undefined), newest first. */
export function newestFirst(files: readonly FileEntry[], since?: number): FileEntry[] {
  return files.filter((f) => since === undefined || f.mtimeMs >= since).sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/**
 * Appends one turn, skipping empty text. Consecutive assistant pieces (Claude writes one line per
 * content block, tool calls split a reply) become one turn, so "the last N turns" counts
 * exchanges rather than fragments.
 */
export function pushTurn(turns: Turn[], role: Turn['role'], text: string, at?: number): void {
  const clean = text.trim();
  if (!clean) return;
  const last = turns.at(-1);
  if (role === 'assistant' && last?.role === 'assistant') {
    last.text = `${last.text}\n${clean}`;
    return;
  }
  turns.push(at === undefined ? { role, text: clean } : { role, text: clean, at });
}

/** The last `limit` turns ([] for a limit of 0 or less). */
export function lastTurns(turns: readonly Turn[], limit: number): Turn[] {
  return limit > 0 ? turns.slice(-limit) : [];
}

/** How a tool call appears in a turn: the name only, since arguments can be whole files. */
export function toolMark(name: unknown): string {
  return `[tool: ${typeof name === 'string' && name ? name : 'unknown'}]`;
}

/**
 * An adapter's `readTranscript` for CLIs that keep one JSON-lines file per session: find the
 * file for the query, read its lines, turn them into turns, keep the last `limit`.
 */
export function jsonLinesTranscript(
  find: (q: TranscriptQuery) => Promise<string | undefined>,
  turns: (lines: readonly JsonObject[]) => Turn[],
): (q: TranscriptQuery) => Promise<Turn[]> {
  return async (q) => {
    const file = await find(q);
    if (!file) return [];
    return lastTurns(turns(await readJsonLines(file)), q.limit);
  };
}
