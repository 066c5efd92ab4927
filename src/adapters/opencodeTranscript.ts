/**
 * OpenCode's sessions, read through `opencode export <id>`: its data is SQLite
 * (`~/.local/share/opencode/opencode.db`) whose schema moves between releases, and the export
 * is the stable interface, so Relay asks the CLI.
 */
import { spawn } from 'node:child_process';
import type { TranscriptQuery, Turn } from './agentDescriptor.js';
import { findOnPath } from '../platform/findOnPath.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { lastTurns, pushTurn, str, toolMark } from './transcriptFiles.js';

/**
 * Bound on one `opencode export`: it starts in about 0.6 s here, but a first run may migrate its
 * database. A snapshot is written during a handoff and must not wait longer than this.
 */
export const OPENCODE_EXPORT_TIMEOUT_MS = 10_000;

/** An export larger than this is a session Relay cannot summarise anyway. */
const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

/** stdout of `opencode export <id>`, or undefined on failure or timeout. */
function runExport(bin: string, q: TranscriptQuery, session: string): Promise<string | undefined> {
  return new Promise((resolveOut) => {
    // stdin closed: OpenCode waits for EOF on an open pipe. Own process group, so a timeout
    // can stop anything it started.
    const child = spawn(bin, ['export', session], {
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
  const out = await runExport(bin, q, q.agentSession);
  if (out === undefined) return [];
  try {
    // Anything printed before the document (a notice) is not JSON.
    const start = out.indexOf('{');
    return start === -1 ? [] : lastTurns(opencodeTurns(JSON.parse(out.slice(start))), q.limit);
  } catch {
    return [];
  }
}
