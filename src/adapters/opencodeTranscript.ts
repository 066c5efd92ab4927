/**
 * OpenCode's sessions, read through `opencode export <id>`: its data is SQLite
 * (`~/.local/share/opencode/opencode.db`) whose schema moves between releases, and the export
 * is the stable interface, so Relay asks the CLI.
 */
import { spawn } from 'node:child_process';
import type { TranscriptQuery, Turn } from './agentDescriptor.js';
import { findOnPath } from '../platform/findOnPath.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { lastTurns, pushTurn, str, toolMark, type TranscriptLookup } from './transcriptFiles.js';

/**
 * Bound on one `opencode export`: it starts in about 0.6 s here, but a first run may migrate its
 * database. A snapshot is written during a handoff and must not wait longer than this.
 */
export const OPENCODE_EXPORT_TIMEOUT_MS = 10_000;

/** An export larger than this is a session Relay cannot summarise anyway. */
const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

/** stdout of `opencode <args>` (`export <id>`), or undefined on failure or timeout. */
function runOpencode(bin: string, q: TranscriptLookup, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolveOut) => {
    // stdin closed: OpenCode waits for EOF on an open pipe. Own process group, so a timeout
    // can stop anything it started.
    const child = spawn(bin, args, {
      cwd: q.cwd,
      env: { ...q.env, HOME: q.home },
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (out: string | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolveOut(out);
    };
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish(undefined);
    }, OPENCODE_EXPORT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_EXPORT_BYTES) {
        kill();
        finish(undefined);
      } else chunks.push(d);
    });
    child.on('error', () => finish(undefined));
    child.on('close', (code) => finish(code === 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
  });
}

/** The conversation in an `opencode export` document, in order. */
export function opencodeTurns(doc: unknown): Turn[] {
  const turns: Turn[] = [];
  if (!isObject(doc) || !Array.isArray(doc.messages)) return turns;
  for (const m of doc.messages) {
    if (!isObject(m) || !isObject(m.info)) continue;
    const role = m.info.role;
    if (role !== 'user' && role !== 'assistant') continue;
    const at = isObject(m.info.time) && typeof m.info.time.created === 'number' ? m.info.time.created : undefined;
    const parts: string[] = [];
    for (const p of Array.isArray(m.parts) ? m.parts : []) {
      if (!isObject(p)) continue;
      // Synthetic text is OpenCode's own (attached file contents, reminders).
      if (p.type === 'text' && p.synthetic !== true) parts.push(str(p.text) ?? '');
      else if (p.type === 'tool') parts.push(toolMark(p.tool));
    }
    // A failed turn has no text; its error (the provider's 429 message) says why.
    if (role === 'assistant' && isObject(m.info.error)) parts.push(errorText(m.info.error));
    pushTurn(turns, role, parts.filter(Boolean).join('\n'), at);
  }
  return turns;
}

/** The document in `opencode export` output: anything printed before it (a notice) is not JSON. */
function parseExport(out: string): unknown {
  const start = out.indexOf('{');
  if (start === -1) return undefined;
  try {
    return JSON.parse(out.slice(start)) as unknown;
  } catch {
    return undefined;
  }
}

/** One row of `opencode session list --format json`. */
export interface OpencodeSessionRow {
  id: string;
  directory?: string;
  title?: string;
  /** ms since the epoch. */
  updated: number;
}

/** The sessions OpenCode knows (`opencode session list --format json`), or undefined when it fails. */
export async function listOpencodeSessions(bin: string, q: TranscriptLookup): Promise<OpencodeSessionRow[] | undefined> {
  const out = await runOpencode(bin, q, ['session', 'list', '--format', 'json']);
  if (out === undefined) return undefined;
  const start = out.indexOf('[');
  let rows: unknown;
  try {
    rows = start === -1 ? [] : JSON.parse(out.slice(start));
  } catch {
    return undefined;
  }
  if (!Array.isArray(rows)) return undefined;
  return rows.filter(isObject).flatMap((r) => {
    const id = str(r.id);
    if (!id) return [];
    const directory = str(r.directory);
    const title = str(r.title);
    return [{ id, ...(directory ? { directory } : {}), ...(title ? { title } : {}), updated: typeof r.updated === 'number' ? r.updated : 0 }];
  });
}

/** The `opencode export <id>` document, or undefined when the export fails or prints no document. */
export async function exportOpencodeSession(bin: string, q: TranscriptLookup, session: string): Promise<unknown> {
  const out = await runOpencode(bin, q, ['export', session]);
  return out === undefined ? undefined : parseExport(out);
}

/** The session's title from an export, unless it is OpenCode's placeholder (`New session - <time>`). */
export function opencodeTitle(doc: unknown): string | undefined {
  const title = isObject(doc) && isObject(doc.info) ? str(doc.info.title)?.trim() : undefined;
  return title && !title.startsWith('New session - ') ? title : undefined;
}

function errorText(error: JsonObject): string {
  const data = isObject(error.data) ? error.data : {};
  return str(data.message) ?? str(error.name) ?? '';
}

/**
 * Runs `opencode export <agentSession>` with the agent's PATH. Without a session id or an
 * `opencode` on PATH there is nothing to ask, and the answer is [].
 */
export async function readOpencodeTranscript(q: TranscriptQuery): Promise<Turn[]> {
  if (!q.agentSession) return [];
  const bin = findOnPath('opencode', q.env.PATH ?? '');
  if (!bin) return [];
  const doc = await exportOpencodeSession(bin, q, q.agentSession);
  return doc === undefined ? [] : lastTurns(opencodeTurns(doc), q.limit);
}
