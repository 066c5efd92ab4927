/**
 * Watching Codex rollout files while their sessions run, for a Codex started outside Relay.
 *
 * Codex fires no hook on a failed turn (CLI-FACTS.md), so an interactive session's limit would
 * reach Relay only through SessionEnd, when the user quits. Its SessionStart and
 * UserPromptSubmit hooks name the rollout (`transcript_path`) early; from then on the daemon
 * reads the file as it grows, with the reader the hook uses (hooks/codexRollout.ts), and raises
 * the limit as soon as a `task_complete` with a limit error appears. Under Relay the agent's PTY
 * detector sees the screen already, so only sessions with no Relay agent id are watched.
 *
 * Bounded: one watcher per rollout path, at most {@link MAX_WATCHED} at once (the oldest goes
 * first); a watcher stops at its session's SessionEnd or after {@link IDLE_STOP_MS} without
 * growth (the next prompt's UserPromptSubmit starts it again). `fs.watch` gives the change
 * promptly; a poll of the file's size covers file systems where it is silent.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import type { RateLimited } from '../../protocol/rateLimited.js';
import { redactText } from '../../platform/redact.js';
import { lastTurnOutcome, readFileTail, ROLLOUT_TAIL_BYTES, type CodexTurnOutcome } from '../../hooks/codexRollout.js';
import type { HookEvent } from '../../hooks/hookEvent.js';
import { oneLine } from '../../hooks/matchedLine.js';
import { codexLimitFromOutcome } from '../../hooks/parseCodex.js';

/** A quiet rollout for this long is a session left idle (or gone without SessionEnd). */
export const IDLE_STOP_MS = 15 * 60_000;
/** How often the size is checked when `fs.watch` says nothing. */
export const POLL_MS = 2_000;
/** More concurrent Codex sessions than anyone runs by hand. */
export const MAX_WATCHED = 32;

/** The events that name a rollout of a running session. */
const START_EVENTS = new Set(['SessionStart', 'UserPromptSubmit', 'Stop']);

export interface RolloutWatcherOptions {
  reportLimit(r: RateLimited): void;
  /** ms since the epoch (tests pin it to the rollout's own time). */
  now?: () => number;
  /** The daemon's TZ, for a reset time Codex printed in local time. */
  env?: Readonly<Record<string, string | undefined>>;
  idleStopMs?: number;
  pollMs?: number;
  /** A line for the daemon log when reading a rollout or reporting its limit failed. */
  warn?: (text: string) => void;
}

interface Watched {
  path: string;
  agentSession?: string;
  /** Size last read; the file is read again only when it changes. */
  size: number;
  /** When it last grew. */
  grewAt: number;
  /** The turn whose outcome was last seen (the one already there when the watch began, then each new one). */
  lastTurn: string | undefined;
  watcher: FSWatcher | undefined;
  timer: NodeJS.Timeout;
}

/** A turn's identity: its id, or (Codex versions without one) its message. */
function turnKey(o: CodexTurnOutcome | undefined): string | undefined {
  return o === undefined ? undefined : (o.turnId ?? `message:${o.message ?? ''}`);
}

export class RolloutWatchers {
  private readonly watched = new Map<string, Watched>();
  /** Turns whose limit a watcher raised, per rollout: the SessionEnd hook reports the same turn again. */
  private readonly raised = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly o: RolloutWatcherOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * Look at a hook event: start, keep or stop the watch of its rollout. Returns true when the
   * event's own limit is one a watcher already raised (the caller then does not raise it again).
   */
  observe(e: HookEvent): boolean {
    if (e.agent !== 'codex' || e.relayAgent !== undefined || e.transcriptPath === undefined) return false;
    const path = e.transcriptPath;
    const duplicate = e.limit !== undefined && this.alreadyRaised(path);
    if (e.event === 'SessionEnd') {
      this.stop(path);
      this.raised.delete(path);
    } else if (START_EVENTS.has(e.event)) this.start(path, e.agentSession);
    return duplicate;
  }

  /** The rollouts being watched (for tests and doctor). */
  paths(): string[] {
    return [...this.watched.keys()];
  }

  stopAll(): void {
    for (const path of [...this.watched.keys()]) this.stop(path);
  }

  private alreadyRaised(path: string): boolean {
    const turn = turnKey(lastTurnOutcome(readFileTail(path, ROLLOUT_TAIL_BYTES) ?? ''));
    return turn !== undefined && (this.raised.get(path)?.has(turn) ?? false);
  }

  private start(path: string, agentSession: string | undefined): void {
    const existing = this.watched.get(path);
    if (existing) {
      existing.grewAt = this.now();
      return;
    }
    if (this.watched.size >= MAX_WATCHED) {
      const oldest = [...this.watched.values()].sort((a, b) => a.grewAt - b.grewAt)[0];
      if (oldest) this.stop(oldest.path);
    }
    const tail = readFileTail(path, ROLLOUT_TAIL_BYTES);
    const w: Watched = {
      path,
      ...(agentSession !== undefined ? { agentSession } : {}),
      size: sizeOf(path),
      grewAt: this.now(),
      // What is in the file already happened before this watch: it is not news.
      lastTurn: turnKey(tail === undefined ? undefined : lastTurnOutcome(tail)),
      watcher: undefined,
      timer: setInterval(() => this.checkSafely(w), this.o.pollMs ?? POLL_MS),
    };
    w.timer.unref();
    try {
      w.watcher = watch(path, () => this.checkSafely(w));
      w.watcher.on('error', () => {
        // The poll goes on without it.
        w.watcher?.close();
        w.watcher = undefined;
      });
      w.watcher.unref();
    } catch {
      // No inotify, or the file is not there yet: the poll finds it.
    }
    this.watched.set(path, w);
  }

  private stop(path: string): void {
    const w = this.watched.get(path);
    if (!w) return;
    clearInterval(w.timer);
    w.watcher?.close();
    this.watched.delete(path);
  }

  /**
   * A timer's or a watcher's callback: nothing above it catches, so a failure here (the store
   * refusing the limit's write, a disk full) would end the daemon. Logged; the watch goes on.
   */
  private checkSafely(w: Watched): void {
    try {
      this.check(w);
    } catch (e) {
      this.o.warn?.(`reading the Codex rollout ${w.path} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private check(w: Watched): void {
    if (this.watched.get(w.path) !== w) return;
    const size = sizeOf(w.path);
    if (size === w.size) {
      if (this.now() - w.grewAt >= (this.o.idleStopMs ?? IDLE_STOP_MS)) this.stop(w.path);
      return;
    }
    w.size = size;
    w.grewAt = this.now();
    const tail = readFileTail(w.path, ROLLOUT_TAIL_BYTES);
    const outcome = tail === undefined ? undefined : lastTurnOutcome(tail);
    const turn = turnKey(outcome);
    if (outcome === undefined || turn === undefined || turn === w.lastTurn) return;
    w.lastTurn = turn;
    const at = this.now();
    const limit = codexLimitFromOutcome(outcome, { now: at, env: this.o.env ?? {} });
    if (!limit) return;
    let raised = this.raised.get(w.path);
    if (!raised) {
      // Kept past an idle stop for the SessionEnd that may still come; bounded all the same.
      if (this.raised.size >= 4 * MAX_WATCHED) this.raised.delete(this.raised.keys().next().value!);
      this.raised.set(w.path, (raised = new Set()));
    }
    raised.add(turn);
    this.o.reportLimit({
      source: 'hook:codex',
      agent: 'codex',
      ...(w.agentSession !== undefined ? { agentSession: w.agentSession } : {}),
      severity: limit.severity,
      rule: limit.rule,
      matched: redactText(oneLine(limit.matched)).slice(0, 300),
      ...(limit.resetAt !== undefined ? { resetAt: Math.round(limit.resetAt) } : {}),
      at,
    });
  }
}

/** The file's size, or -1 while it cannot be read. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}
