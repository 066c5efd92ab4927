/**
 * One `relay "task"` from the client's side: subscribe to the task's topic and prove it live,
 * THEN ask the daemon to run it, so no message of the task can be published before this client
 * hears it; show each message as it comes; answer edit-mode questions; turn Ctrl+C into a cancel
 * (a second one ends at once); and close both sockets whatever happens. What the messages look
 * like is the caller's {@link TaskView}; this module only moves them.
 */
import { BusClient } from '../bus/busClient.js';
import { EventSubscriber } from '../bus/eventSubscriber.js';
import type { RelayMode } from '../config/modeSetting.js';
import { RelayError, type ErrorCode } from '../platform/errors.js';
import type { RelayPaths } from '../platform/paths.js';
import { TOPIC_TASK, type TaskMessage, type TaskOptions, type TaskResult } from '../protocol/providerProtocol.js';
import { ensureDaemon } from './daemonLauncher.js';
import { newTaskId } from './taskId.js';

/** A task runs as long as its model takes; a team of slow calls can take hours, never days. */
export const TASK_RUN_TIMEOUT_MS = 6 * 60 * 60 * 1000;
/**
 * The reply and the last messages travel on different sockets, so a few messages may land just
 * after the reply; they are already on their way, and this is ample on a loaded machine.
 */
const TRAILING_MESSAGES_MS = 2_000;
/** How often a waiting client checks the daemon is still the one running its task. */
const DAEMON_CHECK_MS = 10_000;
/** A daemon that does not answer a ping in this long is stuck or gone. */
const DAEMON_PING_TIMEOUT_MS = 5_000;

export type ConfirmMessage = Extract<TaskMessage, { kind: 'confirm' }>;

/** What the caller shows. `push` gets every message in arrival order; `end` the task's result. */
export interface TaskView {
  push(message: TaskMessage): void;
  end(result: TaskResult): void;
  /** The highest `seq` pushed so far. */
  readonly lastSeq: number;
}

export interface TaskRequest {
  text: string;
  /** Piped stdin. */
  context?: string;
  options: TaskOptions;
  /** The client's environment (its API keys), see cli/clientEnv. */
  env: Record<string, string>;
  cwd: string;
  /** Continue this conversation; `newSession`: start one. Neither: the current one. */
  sessionId?: string;
  newSession?: boolean;
}

export interface RunTaskParts {
  view: TaskView;
  /**
   * Edit mode: whether to run the call a `confirm` message describes (the view has shown it).
   * `signal` aborts when the task is being cancelled: stop asking. Without it, every call is refused.
   */
  ask?: (message: ConfirmMessage, signal: AbortSignal) => Promise<boolean>;
  /** One line for the user about the run itself (Ctrl+C, a failed answer), on stderr. */
  notice?: (line: string) => void;
  /** Aborting it is a first Ctrl+C (a closed stdout: nobody reads the answer any more). */
  stop?: AbortSignal;
  /** Set by tests; a fresh random id otherwise. */
  taskId?: string;
}

export interface TaskRunOutcome {
  result: TaskResult;
  /** The user asked to cancel (Ctrl+C) before the task ended. */
  cancelled: boolean;
}

/**
 * Whether the daemon should ask before each call, from the mode in force (config.yaml or
 * `--edit`/`--auto`) and `--yes`. Edit mode asks on the terminal stdin is; with none it refuses
 * before anything is sent, rather than hang or run calls the user meant to approve.
 */
export function confirmSetting(input: { mode: RelayMode; yes: boolean; stdinIsTTY: boolean }): boolean {
  if (input.mode !== 'edit' || input.yes) return false;
  if (!input.stdinIsTTY) {
    throw new RelayError('E_USAGE', 'edit mode asks before each call, and there is no terminal to ask on', { hint: 'add --yes, or --auto' });
  }
  return true;
}

/** A task's `failure` as the error the command exits with (its code picks the exit code). */
export function taskFailureError(failure: NonNullable<TaskResult['failure']>): RelayError {
  const options = failure.hint ? { hint: failure.hint } : {};
  const e = new RelayError(failure.code as ErrorCode, failure.message, options);
  // A code this client does not know (a newer daemon's): still an error, with the generic exit code.
  return e.exitCode === undefined ? new RelayError('E_INTERNAL', failure.message, options) : e;
}

function isTaskMessage(value: unknown): value is TaskMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { kind?: unknown; seq?: unknown };
  return typeof m.kind === 'string' && typeof m.seq === 'number' && Number.isInteger(m.seq);
}

const cancelledError = (): RelayError =>
  new RelayError('E_CANCELLED', 'cancelled', { hint: 'what the calls used so far is recorded (relay cost report)' });

/**
 * Run one task through the daemon (started when none runs) and resolve with its result once it
 * has ended and its last message was shown. Rejects with E_CANCELLED on a second Ctrl+C, and
 * with E_DAEMON_UNAVAILABLE when the daemon stops or restarts while the task runs.
 */
export async function runTask(paths: RelayPaths, request: TaskRequest, parts: RunTaskParts): Promise<TaskRunOutcome> {
  await ensureDaemon(paths);
  const { view } = parts;
  const notice = parts.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const taskId = parts.taskId ?? newTaskId();
  const topic = TOPIC_TASK(taskId);
  const client = new BusClient(paths);
  const asking = new AbortController();
  let cancelled = false;
  let seenWaiter: { seq: number; resolve: () => void } | undefined;
  let answers: Promise<void> = Promise.resolve();

  let endNow: (e: RelayError) => void = () => undefined;
  const ended = new Promise<never>((_, reject) => (endNow = reject));
  // Only a race reads it; a late rejection must not become an unhandled one.
  ended.catch(() => undefined);

  const answer = (m: ConfirmMessage): void => {
    answers = answers
      .then(async () => {
        if (asking.signal.aborted) return;
        const yes = parts.ask ? await parts.ask(m, asking.signal) : false;
        // Cancelled or ended while the question was open: the daemon no longer waits for it.
        if (asking.signal.aborted) return;
        await client.request('task.confirm', { taskId, step: m.step, yes });
      })
      .catch((e: unknown) => {
        if (!asking.signal.aborted) notice(`relay: the answer for step ${m.step} did not reach the daemon: ${(e as Error).message}`);
      });
  };

  const onMessage = (t: string, value: unknown): void => {
    // Subscriptions match by prefix: `task:abc` also hears `task:abcd`.
    if (t !== topic || !isTaskMessage(value)) return;
    view.push(value);
    if (value.kind === 'confirm') answer(value);
    if (seenWaiter && view.lastSeq >= seenWaiter.seq) seenWaiter.resolve();
  };

  const onInterrupt = (): void => {
    if (cancelled) {
      endNow(cancelledError());
      return;
    }
    cancelled = true;
    asking.abort();
    notice('relay: cancelling — what was used is recorded (Ctrl+C again to quit at once)');
    client.request('task.cancel', { taskId }).catch((e: unknown) => notice(`relay: could not cancel: ${(e as Error).message}`));
  };

  let sub: EventSubscriber | undefined;
  let check: NodeJS.Timeout | undefined;
  try {
    sub = new EventSubscriber(paths, [topic], onMessage);
    await sub.live(client);
    const { startedAt } = await client.request('daemon.ping', {});
    check = watchDaemon(client, startedAt, endNow);
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onInterrupt);
    parts.stop?.addEventListener('abort', onInterrupt, { once: true });
    // Stopped before it could listen (stdout closed at once): that is the first interrupt.
    if (parts.stop?.aborted) onInterrupt();

    const result = await Promise.race([
      client.request(
        'task.run',
        {
          taskId,
          text: request.text,
          ...(request.context !== undefined ? { context: request.context } : {}),
          options: request.options,
          ...(request.sessionId !== undefined ? { sessionId: request.sessionId } : {}),
          ...(request.newSession ? { newSession: true } : {}),
          env: request.env,
          cwd: request.cwd,
        },
        TASK_RUN_TIMEOUT_MS,
      ),
      ended,
    ]);
    if (view.lastSeq < result.lastSeq) {
      await Promise.race([
        new Promise<void>((resolve) => (seenWaiter = { seq: result.lastSeq, resolve })),
        new Promise<void>((resolve) => setTimeout(resolve, TRAILING_MESSAGES_MS).unref()),
        ended,
      ]);
    }
    view.end(result);
    return { result, cancelled };
  } finally {
    asking.abort();
    if (check) clearInterval(check);
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    parts.stop?.removeEventListener('abort', onInterrupt);
    await sub?.close();
    await client.close();
  }
}

/**
 * Ping the daemon while the task runs: a daemon that stopped or restarted (another `startedAt`)
 * has lost the task, and its reply would never come. Ends the wait through `lost`.
 */
function watchDaemon(client: BusClient, startedAt: number, lost: (e: RelayError) => void): NodeJS.Timeout {
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    client
      .request('daemon.ping', {}, DAEMON_PING_TIMEOUT_MS)
      .then((p) => {
        if (p.startedAt !== startedAt) {
          lost(new RelayError('E_DAEMON_UNAVAILABLE', 'the daemon restarted while the task ran, and the task ended with it', { hint: 'run the task again' }));
        }
      })
      .catch((e: unknown) => {
        lost(new RelayError('E_DAEMON_UNAVAILABLE', 'the daemon stopped answering while the task ran', { hint: 'relay daemon status shows it; relay doctor says what is wrong', cause: e }));
      })
      .finally(() => (inFlight = false));
  }, DAEMON_CHECK_MS);
  timer.unref();
  return timer;
}
