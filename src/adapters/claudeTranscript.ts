/**
 * Claude Code's transcripts: one JSON-lines file per session under
 * `$CLAUDE_CONFIG_DIR/projects/<project dir>/<session id>.jsonl` (default `~/.claude`).
 */
import { readdir, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Turn } from './agentDescriptor.js';
import { isObject } from '../platform/jsonValue.js';
import {
  jsonLinesTranscript,
  listFiles,
  newestFirst,
  parseTime,
  pushTurn,
  str,
  toolMark,
  type TranscriptLocation,
  type TranscriptLookup,
} from './transcriptFiles.js';

/** Project directories longer than this are cut and given a hash suffix (Claude's own rule). */
const MAX_PROJECT_DIR_LENGTH = 200;

/**
 * The directory name Claude uses for `cwd` under `projects/`: every character other than an
 * ASCII letter or digit becomes `-` (so `/home/dev/my.app` → `-home-dev-my-app`), and a name
 * over 200 characters is cut and suffixed with a base-36 hash of the path, as the binary does.
 */
export function claudeProjectDirName(cwd: string): string {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (name.length <= MAX_PROJECT_DIR_LENGTH) return name;
  let hash = 0;
  for (let i = 0; i < cwd.length; i++) hash = ((hash << 5) - hash + cwd.charCodeAt(i)) | 0;
  return `${name.slice(0, MAX_PROJECT_DIR_LENGTH)}-${Math.abs(hash).toString(36)}`;
}

/** The project directories that may hold `cwd`'s sessions: as given, and its real path. */
async function projectDirs(configDir: string, cwd: string): Promise<string[]> {
  const cwds = [cwd];
  try {
    const real = await realpath(cwd);
    if (real !== cwd) cwds.push(real);
  } catch {
    // cwd may be gone; its transcripts are not.
  }
  return cwds.map((c) => join(configDir, 'projects', claudeProjectDirName(c)));
}

function configDirOf(q: TranscriptLookup): string {
  return q.env.CLAUDE_CONFIG_DIR || join(q.home, '.claude');
}

async function sessionFile(q: TranscriptLookup): Promise<string | undefined> {
  const dirs = await projectDirs(configDirOf(q), q.cwd);
  const isSession = q.agentSession ? (n: string) => n === `${q.agentSession}.jsonl` : (n: string) => n.endsWith('.jsonl');
  const files = (await Promise.all(dirs.map((d) => listFiles(d, isSession)))).flat();
  return newestFirst(files, q.agentSession ? undefined : q.since)[0]?.path;
}

/**
 * For an import: a session by id in any project (the user need not stand where it ran), else
 * the newest session of `cwd`. The session id is the file's name.
 */
export async function locateClaudeTranscript(q: TranscriptLookup): Promise<TranscriptLocation> {
  const projects = join(configDirOf(q), 'projects');
  const id = q.agentSession;
  let file: string | undefined;
  if (id) {
    const dirs = (await readdir(projects).catch(() => [] as string[])).map((n) => join(projects, n));
    const files = (await Promise.all(dirs.map((d) => listFiles(d, (n) => n === `${id}.jsonl`)))).flat();
    file = newestFirst(files)[0]?.path;
  } else {
    file = await sessionFile(q);
  }
  const looked = id ? projects : join(projects, claudeProjectDirName(q.cwd));
  return file ? { file, session: basename(file, '.jsonl'), looked } : { looked };
}

/** The session's title when Claude wrote one (a `summary` line); the newest wins. */
export function claudeTitle(lines: readonly Record<string, unknown>[]): string | undefined {
  let title: string | undefined;
  for (const line of lines) if (line.type === 'summary' && str(line.summary)?.trim()) title = str(line.summary)!.trim();
  return title;
}

/** The text of a message's content: a string, or text blocks with tool calls named. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === 'text') parts.push(str(block.text) ?? '');
    else if (block.type === 'tool_use') parts.push(toolMark(block.name));
    // tool_result, thinking, images: not conversation text.
  }
  return parts.join('\n');
}

/** The conversation in a Claude session file, in order. */
export function claudeTurns(lines: readonly Record<string, unknown>[]): Turn[] {
  const turns: Turn[] = [];
  for (const line of lines) {
    const role = line.type;
    if (role !== 'user' && role !== 'assistant') continue;
    // Sidechains are subagent runs; meta lines are Claude's own notes (command caveats).
    if (line.isSidechain === true || line.isMeta === true) continue;
    if (!isObject(line.message)) continue;
    // Failed turns (isApiErrorMessage) stay: their text says why the agent stopped.
    pushTurn(turns, role, contentText(line.message.content), parseTime(line.timestamp));
  }
  return turns;
}

/** The last turns of a Claude session. */
export const readClaudeTranscript = jsonLinesTranscript(sessionFile, claudeTurns);
