/**
 * Codex's transcripts: rollout files `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`
 * (default `~/.codex`), the first line a `session_meta` naming the working directory.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Turn } from './agentDescriptor.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import {
  type FileEntry,
  jsonLinesTranscript,
  listFiles,
  newestFirst,
  parseTime,
  pushTurn,
  readFirstJsonLine,
  str,
  toolMark,
  type TranscriptLocation,
  type TranscriptLookup,
} from './transcriptFiles.js';

/** Child directory names of `dir`, newest first (they are YYYY, MM, DD); [] if missing. */
async function datedDirs(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => /^\d+$/.test(n)).sort((a, b) => b.localeCompare(a));
  } catch {
    return [];
  }
}

/** Every `rollout-*.jsonl` under `sessions/YYYY/MM/DD/`. */
async function rolloutFiles(sessionsDir: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const y of await datedDirs(sessionsDir)) {
    for (const m of await datedDirs(join(sessionsDir, y))) {
      for (const d of await datedDirs(join(sessionsDir, y, m))) {
        const dir = join(sessionsDir, y, m, d);
        out.push(...(await listFiles(dir, (n) => n.startsWith('rollout-') && n.endsWith('.jsonl'))));
      }
    }
  }
  return out;
}

/** The rollout of the given session, or the newest one whose `session_meta` cwd is `q.cwd`. */
function sessionsDirOf(q: TranscriptLookup): string {
  return join(q.env.CODEX_HOME || join(q.home, '.codex'), 'sessions');
}

async function rolloutFile(q: TranscriptLookup): Promise<string | undefined> {
  const files = await rolloutFiles(sessionsDirOf(q));
  if (q.agentSession) {
    // rollout-<local time>-<session id>.jsonl
    return newestFirst(files.filter((f) => f.path.endsWith(`-${q.agentSession}.jsonl`)))[0]?.path;
  }
  // Codex records its resolved working directory; the caller may hold a symlinked path.
  const cwds = new Set([q.cwd, await realpath(q.cwd).catch(() => q.cwd)]);
  for (const f of newestFirst(files, q.since)) {
    const first = await readFirstJsonLine(f.path);
    const cwd = first?.type === 'session_meta' && isObject(first.payload) ? str(first.payload.cwd) : undefined;
    if (cwd !== undefined && cwds.has(cwd)) return f.path;
  }
  return undefined;
}

/** For an import: the rollout of the given session or the newest of `cwd`, its id from `session_meta`. */
export async function locateCodexTranscript(q: TranscriptLookup): Promise<TranscriptLocation> {
  const looked = sessionsDirOf(q);
  const file = await rolloutFile(q);
  if (!file) return { looked };
  const first = await readFirstJsonLine(file);
  const meta = first?.type === 'session_meta' && isObject(first.payload) ? first.payload : undefined;
  const session = str(meta?.id) ?? q.agentSession;
  return session ? { file, session, looked } : { file, looked };
}

/**
 * Codex injects context as user messages wrapped in one tag (`<environment_context>`,
 * `<user_instructions>`, …) or as an AGENTS.md preamble; they are not what the user typed.
 */
function isInjectedContext(text: string): boolean {
  const t = text.trim();
  if (t.startsWith('# AGENTS.md instructions')) return true;
  const m = /^<([a-z_]+)>/.exec(t);
  return m !== null && /(_context|_instructions)$/.test(m[1] ?? '') && t.endsWith(`</${m[1]}>`);
}

function messageText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .filter((c) => c.type === 'input_text' || c.type === 'output_text')
    .map((c) => str(c.text) ?? '')
    .join('\n');
}

/** The conversation in a Codex rollout, in order. */
export function codexTurns(lines: readonly JsonObject[]): Turn[] {
  const turns: Turn[] = [];
  for (const line of lines) {
    const p = line.payload;
    if (!isObject(p)) continue;
    const at = parseTime(line.timestamp);
    if (line.type === 'response_item') {
      if (p.type === 'message' && (p.role === 'user' || p.role === 'assistant')) {
        const text = messageText(p.content);
        if (p.role === 'user' && isInjectedContext(text)) continue;
        pushTurn(turns, p.role, text, at);
      } else if (p.type === 'function_call' || p.type === 'custom_tool_call' || p.type === 'local_shell_call') {
        pushTurn(turns, 'assistant', toolMark(p.name ?? 'shell'), at);
      }
    } else if (line.type === 'event_msg' && p.type === 'task_complete' && isObject(p.error)) {
      // A failed turn has no assistant message; its error (the usage-limit text) says why.
      pushTurn(turns, 'assistant', str(p.error.message) ?? '', at);
    }
  }
  return turns;
}

/** The last turns of a Codex session. */
export const readCodexTranscript = jsonLinesTranscript(rolloutFile, codexTurns);
