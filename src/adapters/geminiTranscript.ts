/**
 * Gemini CLI's chat recordings: `~/.gemini/tmp/<project>/chats/*.jsonl` (moved by
 * GEMINI_CLI_HOME), replayed from their append-and-rewrite records into the conversation.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Turn } from './agentDescriptor.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import {
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

/** `~/.gemini`, moved by GEMINI_CLI_HOME as the CLI itself does. */
function geminiDir(q: TranscriptLookup): string {
  return join(q.env.GEMINI_CLI_HOME || q.home, '.gemini');
}

/**
 * The project's directory name under `tmp/`: from `projects.json` (`{"projects": {"<abs path>":
 * "<slug>"}}`), else the slug whose `.project_root` marker names the path, else the legacy
 * SHA-256 of the path.
 */
async function projectSlugs(dir: string, cwd: string): Promise<string[]> {
  const path = resolve(cwd);
  const slugs: string[] = [];
  try {
    const registry: unknown = JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8'));
    const slug = isObject(registry) && isObject(registry.projects) ? str(registry.projects[path]) : undefined;
    if (slug) slugs.push(slug);
  } catch {
    // No registry yet: fall back to the markers.
  }
  const tmp = join(dir, 'tmp');
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    const owner = await readFile(join(tmp, name, '.project_root'), 'utf8').catch(() => undefined);
    if (owner?.trim() === path && !slugs.includes(name)) slugs.push(name);
  }
  slugs.push(createHash('sha256').update(path).digest('hex'));
  return slugs;
}

/**
 * The chat file of the given session, or the newest chat of the project. `anyProject`: look for
 * the session in every project's chats (an import by id, wherever the user stands).
 */
async function chatFile(q: TranscriptLookup, anyProject = false): Promise<string | undefined> {
  const dir = geminiDir(q);
  let slugs: Set<string>;
  if (anyProject && q.agentSession) {
    slugs = new Set(await readdir(join(dir, 'tmp')).catch(() => [] as string[]));
  } else {
    const cwds = [q.cwd, await realpath(q.cwd).catch(() => q.cwd)];
    slugs = new Set((await Promise.all([...new Set(cwds)].map((c) => projectSlugs(dir, c)))).flat());
  }
  // session-<YYYY-MM-DDTHH-MM>-<first 8 of the id>.jsonl; a resumed session appends to its file.
  const suffix = q.agentSession ? `-${q.agentSession.slice(0, 8)}.jsonl` : '.jsonl';
  const accept = (n: string): boolean => n.startsWith('session-') && n.endsWith(suffix);
  const files = (await Promise.all([...slugs].map((s) => listFiles(join(dir, 'tmp', s, 'chats'), accept)))).flat();
  for (const f of newestFirst(files, q.agentSession ? undefined : q.since)) {
    if (!q.agentSession) return f.path;
    // Eight characters can collide; the header names the full id.
    const header = await readFirstJsonLine(f.path);
    if (header?.sessionId === q.agentSession) return f.path;
  }
  return undefined;
}

/** For an import: the chat of the given session in any project, else the newest of `cwd`'s project. */
export async function locateGeminiTranscript(q: TranscriptLookup): Promise<TranscriptLocation> {
  const looked = join(geminiDir(q), 'tmp', q.agentSession ? '*' : '<project>', 'chats');
  const file = await chatFile(q, true);
  if (!file) return { looked };
  const session = str((await readFirstJsonLine(file))?.sessionId) ?? q.agentSession;
  return session ? { file, session, looked } : { file, looked };
}

/**
 * The messages a chat file ends with, replayed as Gemini does on resume: message records (with
 * an `id`) are added or updated in place, `{"$set": {"messages": [...]}}` replaces the list, and
 * `{"$rewindTo": id}` drops that message and everything after it.
 */
export function replayGeminiChat(lines: readonly JsonObject[]): JsonObject[] {
  const messages = new Map<string, JsonObject>();
  for (const line of lines) {
    const rewind = str(line.$rewindTo);
    if (rewind !== undefined) {
      const ids = [...messages.keys()];
      const from = ids.indexOf(rewind);
      for (const id of from === -1 ? ids : ids.slice(from)) messages.delete(id);
    } else if (typeof line.id === 'string') {
      messages.set(line.id, line);
    } else if (isObject(line.$set) && Array.isArray(line.$set.messages)) {
      messages.clear();
      for (const m of line.$set.messages) if (isObject(m) && typeof m.id === 'string') messages.set(m.id, m);
    }
  }
  return [...messages.values()];
}

function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p === 'string' ? p : isObject(p) ? (str(p.text) ?? '') : '')).join('');
}

/** Context Gemini sends as a user message, and slash or help input, which are not prompts. */
function isIgnoredUserText(text: string): boolean {
  const t = text.trim();
  return t.startsWith('<session_context>') || t.startsWith('<hook_context>') || t.startsWith('/') || t.startsWith('?');
}

/** The conversation in a Gemini chat file, in order. */
export function geminiTurns(lines: readonly JsonObject[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of replayGeminiChat(lines)) {
    const at = parseTime(m.timestamp);
    const text = partsText(m.content);
    if (m.type === 'user') {
      if (!isIgnoredUserText(text)) pushTurn(turns, 'user', text, at);
    } else if (m.type === 'gemini') {
      const tools = Array.isArray(m.toolCalls) ? m.toolCalls.filter(isObject).map((c) => toolMark(c.name)) : [];
      pushTurn(turns, 'assistant', [text, ...tools].filter(Boolean).join('\n'), at);
    } else if (m.type === 'error') {
      // Like Claude's API error lines: the reason the agent stopped belongs in the snapshot.
      pushTurn(turns, 'assistant', text, at);
    }
    // info and warning records are the UI's own notes ("Request cancelled.").
  }
  return turns;
}

/** The title Gemini gave the session (`{"$set": {"summary": …}}`), the newest one. */
export function geminiTitle(lines: readonly JsonObject[]): string | undefined {
  let title: string | undefined;
  for (const line of lines) {
    const summary = isObject(line.$set) ? str(line.$set.summary)?.trim() : undefined;
    if (summary) title = summary;
  }
  return title;
}

/** The last turns of a Gemini session. */
export const readGeminiTranscript = jsonLinesTranscript(chatFile, geminiTurns);
