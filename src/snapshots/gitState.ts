/**
 * Where the work stands in git, for a handoff snapshot: branch, HEAD, status and diff stat.
 * Every git call is bounded (a hung git or a huge repository must not hold up a handoff) and
 * any failure only leaves a field empty: a directory that is not a repository, or a machine
 * without git, still gets a snapshot.
 */
import { execFile } from 'node:child_process';

export interface GitState {
  /** Branch name, or null when HEAD is detached. */
  branch: string | null;
  /** `3f9a1c2 Fix the parser`, or null before the first commit. */
  head: string | null;
  /** `git status --short` lines, capped. */
  status: string[];
  /** `git diff --stat` lines (against HEAD, so staged changes count), capped. */
  diffStat: string[];
  /** True when status or diff stat was cut to its cap. */
  truncated: boolean;
}

/** Each git call: long enough for a large repository's status, short against a hung one. */
const GIT_TIMEOUT_MS = 2_000;
/** Lines kept from status and from diff stat: enough to orient the next agent. */
const MAX_GIT_LINES = 60;
/** Bytes read from one git call; more is cut (a status of 100,000 untracked files). */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Run git in `cwd`; its stdout, or null if it failed, timed out or is not installed. */
function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        timeout: GIT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        windowsHide: true,
        env: {
          ...env,
          // The agent may be using git in this repository right now: a status must not take
          // index.lock, or the agent's own `git commit` could fail.
          GIT_OPTIONAL_LOCKS: '0',
          // Never wait for a credential prompt or a pager.
          GIT_TERMINAL_PROMPT: '0',
          GIT_PAGER: 'cat',
          LC_ALL: 'C',
        },
      },
      (err, stdout) => resolve(err ? null : stdout),
    );
    // Closed stdin: nothing git runs (hooks, credential helpers) can wait for input.
    child.stdin?.end();
    child.on('error', () => resolve(null));
  });
}

function cap(text: string | null): { lines: string[]; cut: boolean } {
  const lines = (text ?? '').split('\n').filter((l) => l.trim() !== '');
  return lines.length > MAX_GIT_LINES
    ? { lines: [...lines.slice(0, MAX_GIT_LINES), `… ${lines.length - MAX_GIT_LINES} more lines`], cut: true }
    : { lines, cut: false };
}

/** The git state of `cwd`, or null when it is not inside a work tree (or git is missing). */
export async function readGitState(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<GitState | null> {
  const inside = await git(cwd, ['rev-parse', '--is-inside-work-tree'], env);
  if (inside?.trim() !== 'true') return null;
  // In parallel: a handoff waits for this, and each call is a process start.
  const [branch, head, status, diffHead] = await Promise.all([
    // symbolic-ref works before the first commit too; it fails only on a detached HEAD.
    git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD'], env),
    git(cwd, ['log', '-1', '--format=%h %s'], env),
    git(cwd, ['status', '--short', '--untracked-files=normal'], env),
    git(cwd, ['diff', '--stat', 'HEAD'], env),
  ]);
  // Before the first commit there is no HEAD to diff against: what is staged is the work.
  const diff = head === null ? await git(cwd, ['diff', '--stat', '--cached'], env) : diffHead;
  const st = cap(status);
  const ds = cap(diff);
  return {
    branch: branch?.trim() || null,
    head: head?.trim() || null,
    status: st.lines,
    diffStat: ds.lines,
    truncated: st.cut || ds.cut,
  };
}
