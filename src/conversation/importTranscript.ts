/**
 * `relay session import`: an agent CLI's own transcript (Claude's project JSONL, the Codex
 * rollout, Gemini's chat file, `opencode export`) read whole into a conversation, with an
 * `import` edge naming the source as `<agent>:<its session id>`. Where each CLI keeps its
 * sessions and what a line means stay in its adapter; this module decides what an import
 * writes: one transaction, so a failure leaves nothing half-imported, and a re-import of the
 * same source reuses its session rather than duplicating it.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type { Turn } from '../adapters/agentDescriptor.js';
import { parseJsonLines, type TranscriptLocation, type TranscriptLookup } from '../adapters/transcriptFiles.js';
import type { JsonObject } from '../platform/jsonValue.js';
import { findOnPath } from '../platform/findOnPath.js';
import { RelayError } from '../platform/errors.js';
import { redactText } from '../platform/redact.js';
import type { ImportableAgent } from '../protocol/sessionProtocol.js';
import type { Conversation, ConversationRepo, StoredMessage } from '../store/conversationRepo.js';

export interface ImportQuery {
  agent: ImportableAgent;
  /** The CLI's own session id; absent: the newest session for `cwd` (`--latest`). */
  id?: string;
  cwd: string;
  /** The user's home directory (tests point it at fixtures). */
  home: string;
  /** The client's environment: CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME, PATH. */
  env: NodeJS.ProcessEnv;
}

export interface ImportResult {
  session: Conversation;
  /** Turns written by this import: all of them, only the new ones, or 0 when nothing changed. */
  turns: number;
  /** `<agent>:<its session id>`, the import edge's parent. */
  source: string;
  /** True when the session was imported from this source before (and reused). */
  existed: boolean;
}

/** What a transcript holds, read whole. */
interface ReadTranscript {
  /** The CLI's own id of the session. */
  session: string;
  turns: Turn[];
  /** The CLI's title for it, when it keeps one. */
  title?: string;
  /** Where it was read: the file (home as `~`) or the command. */
  origin: string;
  /** Lines that were not JSON and were skipped (a torn last line, a foreign one). */
  skipped: number;
}

/**
 * Larger transcripts are refused, not half-read: the file is decoded as one string, and V8's
 * strings stop at about 512 MB.
 */
const MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024;

/** The longest name an import gives: a line of `relay session list` has room for about this much. */
const NAME_CHARS = 60;

/** What a CLI session id looks like: never an option, never a path. */
const SESSION_ID = /^[A-Za-z0-9][\w.-]*$/;

function usage(message: string, hint: string): RelayError {
  return new RelayError('E_USAGE', message, { hint });
}

/** `path` with the home directory written as `~`, for one-line messages. */
function shown(path: string, home: string): string {
  return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/**
 * Read `q.agent`'s transcript (session `q.id`, else the newest for `q.cwd`) into a session.
 * A source imported before is reused: unchanged, it is returned as it is; with new turns while
 * the session still ends at the last imported one, only those are appended; a session continued
 * in Relay since then (or a rewritten transcript) gets a new session instead.
 */
export async function importTranscript(repo: ConversationRepo, q: ImportQuery, at: number): Promise<ImportResult> {
  if (q.id !== undefined && !SESSION_ID.test(q.id)) {
    throw usage(`${JSON.stringify(q.id)} is not a ${q.agent} session id`, `relay session import ${q.agent} --latest imports the newest session for this directory`);
  }
  const transcript = q.agent === 'opencode' ? await readOpencode(q) : await readTranscriptFile(q, q.agent);
  if (transcript.turns.length === 0) {
    throw usage(`${transcript.origin} has no user or assistant turns to import`, 'pick another session by its id');
  }
  return write(repo, q.agent, transcript, at);
}

/** The reader of one file-based CLI, loaded on demand as the descriptors load theirs. */
interface FileFormat {
  locate(q: TranscriptLookup): Promise<TranscriptLocation>;
  turns(lines: readonly JsonObject[]): Turn[];
  title?(lines: readonly JsonObject[]): string | undefined;
}

async function fileFormat(agent: Exclude<ImportableAgent, 'opencode'>): Promise<FileFormat> {
  switch (agent) {
    case 'claude': {
      const m = await import('../adapters/claudeTranscript.js');
      return { locate: m.locateClaudeTranscript, turns: m.claudeTurns, title: m.claudeTitle };
    }
    case 'codex': {
      const m = await import('../adapters/codexTranscript.js');
      return { locate: m.locateCodexTranscript, turns: m.codexTurns };
    }
    case 'gemini': {
      const m = await import('../adapters/geminiTranscript.js');
      return { locate: m.locateGeminiTranscript, turns: m.geminiTurns, title: m.geminiTitle };
    }
  }
}

function lookupOf(q: ImportQuery): TranscriptLookup {
  return { cwd: q.cwd, home: q.home, env: q.env, ...(q.id === undefined ? {} : { agentSession: q.id }) };
}

async function readTranscriptFile(q: ImportQuery, agent: Exclude<ImportableAgent, 'opencode'>): Promise<ReadTranscript> {
  const format = await fileFormat(agent);
  const where = await format.locate(lookupOf(q));
  const looked = shown(where.looked, q.home);
  if (!where.file) {
    throw q.id === undefined
      ? usage(`no ${q.agent} transcript for ${q.cwd} (looked in ${looked})`, `pass --cwd DIR for the directory ${q.agent} ran in, or the session id`)
      : usage(`no ${q.agent} session ${q.id} (looked in ${looked})`, `relay session import ${q.agent} --latest imports the newest one for this directory`);
  }
  const file = shown(where.file, q.home);
  const text = await readWhole(where.file, file);
  const { lines, bad } = parseJsonLines(text);
  if (lines.length === 0 && bad > 0) {
    throw usage(`${file} is not a ${q.agent} transcript: none of its ${bad} lines is JSON`, 'nothing was imported; check the file, or pick another session by its id');
  }
  const title = format.title?.(lines);
  return {
    session: where.session ?? q.id ?? file,
    turns: format.turns(lines),
    ...(title ? { title } : {}),
    origin: file,
    skipped: bad,
  };
}

/** The file's text, or one line saying why it cannot be read (too big, unreadable). */
async function readWhole(path: string, shownPath: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_TRANSCRIPT_BYTES) {
      throw usage(
        `${shownPath} is ${Math.round(size / 2 ** 20)} MB, more than the ${MAX_TRANSCRIPT_BYTES / 2 ** 20} MB Relay imports`,
        'nothing was imported; continue it in its own CLI, or fork a shorter session',
      );
    }
    return await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof RelayError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw usage(`cannot read ${shownPath}: ${code}`, 'nothing was imported; check the file is yours and readable');
  }
}

/**
 * OpenCode keeps its sessions in SQLite whose schema moves between releases; its CLI is the
 * stable interface: `session list` to find the newest for the directory, `export <id>` to read.
 */
async function readOpencode(q: ImportQuery): Promise<ReadTranscript> {
  const m = await import('../adapters/opencodeTranscript.js');
  const bin = findOnPath('opencode', q.env.PATH ?? '');
  if (!bin) {
    throw usage('opencode is not on PATH: its sessions are read with `opencode export`', 'run the import where `opencode` runs, or add it to PATH');
  }
  const lookup = lookupOf(q);
  let id = q.id;
  if (id === undefined) {
    const rows = await m.listOpencodeSessions(bin, lookup);
    if (rows === undefined) throw usage('`opencode session list` failed, so the newest session is unknown', 'pass the session id (opencode session list shows them)');
    // OpenCode records the directory it resolved; the caller may stand in a symlinked path.
    const cwds = new Set([q.cwd, await realpath(q.cwd).catch(() => q.cwd)]);
    const newest = rows.filter((r) => r.directory !== undefined && cwds.has(r.directory)).sort((a, b) => b.updated - a.updated)[0];
    if (!newest) throw usage(`no opencode session for ${q.cwd} (looked in \`opencode session list\`)`, 'pass --cwd DIR for the directory opencode ran in, or the session id');
    id = newest.id;
  }
  const doc = await m.exportOpencodeSession(bin, lookup, id);
  if (doc === undefined) throw usage(`no opencode session ${id}: \`opencode export ${id}\` gave no session`, 'opencode session list shows its sessions');
  const title = m.opencodeTitle(doc);
  return { session: id, turns: m.opencodeTurns(doc), ...(title ? { title } : {}), origin: `opencode export ${id}`, skipped: 0 };
}

/**
 * A readable name: the CLI's title, else `<agent>: <first words of the first prompt>`, else
 * `<agent> <short id>`; long ones are cut at a word.
 */
function sessionName(agent: ImportableAgent, t: ReadTranscript): string {
  const first = t.turns.find((x) => x.role === 'user')?.text;
  const words = (t.title ?? first ?? '').replace(/\s+/g, ' ').trim();
  if (!words) return `${agent} ${t.session.slice(0, 8)}`;
  const name = t.title ? words : `${agent}: ${words}`;
  if (name.length <= NAME_CHARS) return name;
  const cut = name.slice(0, NAME_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${space > NAME_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/** The sessions imported from `source` before, newest first, each with its whole chain. */
function previousImports(repo: ConversationRepo, source: string): { session: Conversation; chain: StoredMessage[] }[] {
  // `edges(x).children` are the edges whose parent is x: here the import edges naming the source.
  const edges = repo.edges(source).children.filter((e) => e.kind === 'import');
  const out: { session: Conversation; chain: StoredMessage[] }[] = [];
  for (const e of edges.reverse()) {
    const session = repo.find(e.child);
    if (session) out.push({ session, chain: repo.history(session.id, Number.MAX_SAFE_INTEGER) });
  }
  return out;
}

/** True when `chain` is exactly the first turns of `turns`: nothing was added in Relay since. */
function isPrefix(chain: readonly StoredMessage[], turns: readonly Turn[]): boolean {
  return chain.length <= turns.length && chain.every((m, i) => m.role === turns[i]!.role && m.content === turns[i]!.text);
}

function write(repo: ConversationRepo, agent: ImportableAgent, read: ReadTranscript, at: number): ImportResult {
  // Secrets pasted into a conversation are redacted as in a handoff snapshot: what is stored here
  // goes to other models. Redaction is deterministic, so a re-import still finds what it stored.
  const t: ReadTranscript = { ...read, turns: read.turns.map((x) => ({ ...x, text: redactText(x.text) })) };
  const source = `${agent}:${t.session}`;
  // Skipped lines are said on the edge: an import never loses part of a transcript silently.
  const note = t.skipped > 0 ? `${t.origin}, ${t.skipped} unreadable line${t.skipped === 1 ? '' : 's'} skipped` : t.origin;
  const reusable = previousImports(repo, source).find((p) => p.chain.length > 0 && isPrefix(p.chain, t.turns));
  if (reusable && reusable.chain.length === t.turns.length) {
    return { session: reusable.session, turns: 0, source, existed: true };
  }
  const fresh = reusable ? t.turns.slice(reusable.chain.length) : t.turns;
  const sessionId = repo.atomically(() => {
    const session = reusable?.session ?? repo.create('import', at, sessionName(agent, t));
    // A turn without a time takes the one before it: createdAt stays in transcript order.
    let when = reusable?.chain.at(-1)?.createdAt ?? t.turns.find((x) => x.at !== undefined)?.at ?? at;
    for (const turn of fresh) {
      when = turn.at ?? when;
      repo.append({ sessionId: session.id, role: turn.role, content: turn.text, provider: agent, status: 'complete', at: when });
    }
    repo.addImportEdge(session.id, source, at, note);
    return session.id;
  });
  return { session: repo.find(sessionId)!, turns: fresh.length, source, existed: reusable !== undefined };
}
