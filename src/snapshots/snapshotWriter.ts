/**
 * Handoff snapshots: the Markdown a relay session writes when an agent stops, and which the next
 * agent receives as its first prompt. It says what the task is, where the work stands (cwd and
 * git), what was said last, why the agent stopped and until when, and what to do next. The
 * whole document is redacted before it is written or handed on: it travels to another vendor.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AgentInfo } from '../protocol/agentProtocol.js';
import type { Turn } from '../adapters/agentDescriptor.js';
import type { RateLimited } from '../protocol/rateLimited.js';
import { formatDuration } from '../platform/duration.js';
import { writeFileAtomic } from '../platform/atomicWrite.js';
import { ensurePrivateDir, type RelayPaths } from '../platform/paths.js';
import { redactText } from '../platform/redact.js';
import { readGitState, type GitState } from './gitState.js';

/** Why the agent stopped. */
export type SnapshotReason =
  | {
      kind: 'limit';
      limit: RateLimited;
      /** When the limit lifts (ms), as recorded in the ledger. */
      until: number;
      /** True when the message gave no reset time and `until` is Relay's default cooldown. */
      guessed: boolean;
    }
  | { kind: 'manual'; requestedTo?: string }
  /** Handed on at the end of a turn because the account's quota ran low (`quota_low requests 8% left, resets 10:57`). */
  | { kind: 'quota_low'; detail: string };

interface SnapshotInput {
  paths: Pick<RelayPaths, 'snapshots'>;
  /** From {@link snapshotId}; also the file name. */
  id: string;
  relaySession: string;
  fromAgent: AgentInfo;
  /** The first prompt of the session, when known. */
  task: string | null;
  cwd: string;
  /** From the agent's own transcript (adapter.readTranscript), oldest first; [] when none. */
  turns: readonly Turn[];
  /** The agent's screen rows, used when there are no turns. */
  screen?: readonly string[];
  reason: SnapshotReason;
  /** The agent name that will receive it, or null when none is available yet (stranded). */
  nextAgent: string | null;
  now: number;
  /** Environment for git (PATH). */
  env?: NodeJS.ProcessEnv;
}

interface WrittenSnapshot {
  path: string;
  markdown: string;
}

/** Turns kept: enough to see the thread, not the whole conversation. */
export const MAX_TURNS = 10;
/** One turn longer than this keeps its start and its end (where it stopped). */
const MAX_TURN_CHARS = 4_000;
/** All turns (or screen text) together; the oldest go first. Keeps the prompt small for any CLI. */
const MAX_TURNS_CHARS = 20_000;
/** The task as given; a pasted file as a task is cut. */
const MAX_TASK_CHARS = 8_000;

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A time-sortable snapshot id: UTC `YYYYMMDD-HHMMSS`, the agent name, and 4 random hex digits
 * (two handoffs in one second stay distinct): `20261121-110502-claude-3f9a`.
 */
export function snapshotId(now: number, agentName: string, random: string = randomBytes(2).toString('hex')): string {
  const iso = new Date(now).toISOString(); // 2026-11-21T11:05:02.123Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const name = agentName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
  return `${stamp}-${name}-${random}`;
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
function fenced(text: string, info = 'text'): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

/** Inline code that cannot be broken by the text's own backticks. */
function code(text: string): string {
  return `\`${text.replaceAll('`', "'").replace(/\s+/g, ' ').trim()}\``;
}

/** Keep the start and the end of a long text. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max / 4);
  const tail = max - head;
  return `${text.slice(0, head)}\n[… ${text.length - max} characters cut …]\n${text.slice(-tail)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function relative(ms: number, now: number): string {
  return ms >= now ? `in ${formatDuration(ms - now)}` : `${formatDuration(now - ms)} ago`;
}

function renderTask(input: SnapshotInput): string {
  const fromTurns = input.turns.find((t) => t.role === 'user')?.text;
  if (input.task?.trim()) return fenced(cut(input.task.trim(), MAX_TASK_CHARS));
  if (fromTurns?.trim()) {
    return `Not given when the session started; the earliest request in the transcript:\n\n${fenced(cut(fromTurns.trim(), MAX_TASK_CHARS))}`;
  }
  return 'Not recorded. Work it out from the last turns below and from the changes in the working tree.';
}

function renderWhere(cwd: string, git: GitState | null): string {
  const lines = [`- Directory: ${code(cwd)}`];
  if (!git) {
    lines.push('- Not a git repository (or git is not available): look at the files directly.');
    return lines.join('\n');
  }
  lines.push(`- Git branch: ${git.branch ? code(git.branch) : 'detached HEAD'}`);
  lines.push(`- HEAD: ${git.head ? code(git.head) : 'no commit yet'}`);
  lines.push('', '`git status --short`:', '', git.status.length ? fenced(git.status.join('\n')) : 'Clean: no uncommitted changes.');
  if (git.diffStat.length) lines.push('', '`git diff --stat`:', '', fenced(git.diffStat.join('\n')));
  return lines.join('\n');
}

/** The newest turns that fit the caps, oldest first. */
function renderTurns(turns: readonly Turn[], screen: readonly string[] | undefined, agentName: string): string {
  if (turns.length > 0) {
    const kept: string[] = [];
    let total = 0;
    for (const turn of turns.slice(-MAX_TURNS).reverse()) {
      const when = turn.at === undefined ? '' : ` (${iso(turn.at)})`;
      const block = `### ${turn.role}${when}\n\n${fenced(cut(turn.text.trim(), MAX_TURN_CHARS))}`;
      if (total + block.length > MAX_TURNS_CHARS && kept.length > 0) break;
      kept.push(block);
      total += block.length;
    }
    const dropped = turns.length - kept.length;
    const note = dropped > 0 ? `${dropped} earlier turn${dropped === 1 ? '' : 's'} not shown.\n\n` : '';
    return note + kept.reverse().join('\n\n');
  }
  const rows = (screen ?? []).map((r) => r.replace(/\s+$/, ''));
  while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  while (rows.length > 0 && rows[0] === '') rows.shift();
  if (rows.length === 0) return `No transcript of ${agentName} was found and its screen was empty.`;
  let text = rows.join('\n').replace(/\n{3,}/g, '\n\n');
  if (text.length > MAX_TURNS_CHARS) text = `[… earlier screen text cut …]\n${text.slice(-MAX_TURNS_CHARS)}`;
  return `No transcript of ${agentName} was found; this is its screen when it stopped:\n\n${fenced(text)}`;
}

function renderWhy(input: SnapshotInput): string {
  const a = input.fromAgent;
  const lines = [`- Agent: ${a.name} (${code(a.id)}), started ${iso(a.startedAt)}`];
  const r = input.reason;
  if (r.kind === 'manual') {
    lines.push(`- Reason: the user handed the task on (relay handoff${r.requestedTo ? ` --to ${r.requestedTo}` : ''}); ${a.name} was not limited.`);
    return lines.join('\n');
  }
  if (r.kind === 'quota_low') {
    lines.push(`- Reason: its quota was running low (${r.detail}); it finished its turn and handed the task on before the limit.`);
    return lines.join('\n');
  }
  const what = r.limit.severity === 'limit' ? 'it hit a usage or rate limit' : 'it was retrying after rate-limit errors';
  lines.push(`- Reason: ${what} (rule ${code(r.limit.rule)}, seen by ${r.limit.source} at ${iso(r.limit.at)})`);
  if (r.limit.matched) lines.push(`- Message: ${code(r.limit.matched)}`);
  lines.push(
    r.guessed
      ? `- Limited until: about ${iso(r.until)} (${relative(r.until, input.now)}); the message gave no reset time, so this is Relay's default cooldown`
      : `- Limited until: ${iso(r.until)} (${relative(r.until, input.now)})`,
  );
  return lines.join('\n');
}

function renderNext(input: SnapshotInput): string {
  const from = input.fromAgent.name;
  const you = input.nextAgent ? `You are ${input.nextAgent}, taking over` : 'You are taking over';
  const why =
    input.reason.kind === 'manual'
      ? 'the user moved the task to you'
      : input.reason.kind === 'quota_low'
        ? `${from} ran low on quota and stopped after its turn`
        : `${from} stopped at its limit`;
  return [
    `${you} this task from ${from}: ${why}. The conversation so far is not available to you except`,
    'for what this snapshot contains.',
    '',
    '1. First check where the work stands: run `git status` and `git diff` in the directory above and',
    '   read the files they name. Uncommitted changes there are work already done.',
    `2. Continue the task from where ${from} stopped. Do not redo finished work and do not revert`,
    '   changes you did not make unless they are clearly broken.',
    '3. The last turn may have been cut off in the middle of a change: check that file is complete',
    '   and builds before you build on it.',
    '4. When the task is done, say so and summarise what changed.',
  ].join('\n');
}

/** The snapshot's Markdown, redacted. Pure: `git` is read by the caller. */
function renderSnapshot(input: SnapshotInput, git: GitState | null): string {
  const to = input.nextAgent ?? 'the next available agent';
  const doc = [
    `# Relay handoff ${input.id}`,
    '',
    `Relay session ${code(input.relaySession)}: from ${input.fromAgent.name} (${code(input.fromAgent.id)}) to ${to}, written ${iso(input.now)}.`,
    '',
    '## Task',
    '',
    renderTask(input),
    '',
    '## Where',
    '',
    renderWhere(input.cwd, git),
    '',
    '## Last turns',
    '',
    renderTurns(input.turns, input.screen, input.fromAgent.name),
    '',
    '## Why',
    '',
    renderWhy(input),
    '',
    '## What to do next',
    '',
    renderNext(input),
    '',
  ].join('\n');
  return redactText(doc);
}

/**
 * Write the snapshot to `snapshots/<id>.md`, mode 0600, atomically (a reader never sees half a
 * file; platform/atomicWrite.ts).
 */
export async function writeSnapshot(input: SnapshotInput): Promise<WrittenSnapshot> {
  if (!SAFE_ID.test(input.id)) throw new Error(`not a valid snapshot id: ${JSON.stringify(input.id)}`);
  const git = await readGitState(input.cwd, input.env);
  const markdown = renderSnapshot(input, git);
  ensurePrivateDir(input.paths.snapshots);
  const path = join(input.paths.snapshots, `${input.id}.md`);
  await writeFileAtomic(path, markdown);
  return { path, markdown };
}
