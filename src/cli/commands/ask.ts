/**
 * `relay "task"` and `relay ask <task...>`: route a task to the cheapest worker and provider that
 * fit, and stream the answer to stdout as it arrives (who answers, what it cost, on stderr).
 * Piped stdin is sent as the task's context. `--explain` shows the routing and calls nothing.
 * The run itself (subscribe, run, confirm, cancel) is client/taskRun; the rendering ui/taskStream.
 */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { readPipedStdin, PIPED_INPUT_MAX_BYTES } from '../../client/pipedInput.js';
import { confirmSetting, runTask, taskFailureError, type TaskRunOutcome } from '../../client/taskRun.js';
import { loadConfig } from '../../config/relayConfig.js';
import type { RelayMode } from '../../config/modeSetting.js';
import { RelayError, isRelayError } from '../../platform/errors.js';
import { relayPaths, type RelayPaths } from '../../platform/paths.js';
import type { TaskOptions, TaskResult } from '../../protocol/providerProtocol.js';
import { noProviderLines } from '../../ui/providerView.js';
import { formatRouteExplain } from '../../ui/routeExplain.js';
import { TaskStream } from '../../ui/taskStream.js';
import { clientEnv } from '../../client/clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';
import { askYesNo } from '../yesNoQuestion.js';
import { DETECTION_TIMEOUT_MS } from './providers.js';

export interface AskOptions extends CommonOptions {
  worker?: string;
  provider?: string;
  model?: string;
  premium?: boolean;
  /** Print the routing decision (task.plan) and call nothing. */
  explain?: boolean;
  /** Override the mode in config.yaml for this run. */
  edit?: boolean;
  auto?: boolean;
  /** Answer yes to every edit-mode question. */
  yes?: boolean;
  /** Continue this conversation instead of the current one. */
  session?: string;
  /** Start a new conversation. */
  new?: boolean;
}

const stderrLine = (line: string): void => void process.stderr.write(`${line}\n`);

/** The task's words as one text; none is a usage error. */
export function taskText(words: readonly string[]): string {
  const text = words.join(' ').trim();
  if (text === '') throw new RelayError('E_USAGE', 'no task given', { hint: 'relay "explain this error" (relay --help lists the commands)' });
  return text;
}

function taskOptionsOf(opts: AskOptions): TaskOptions {
  return {
    ...(opts.worker ? { worker: opts.worker } : {}),
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.premium ? { premium: true } : {}),
  };
}

function modeOf(opts: AskOptions, paths: RelayPaths): RelayMode {
  if (opts.edit) return 'edit';
  if (opts.auto) return 'auto';
  return loadConfig(paths).mode;
}

/** With nowhere to send the task: what was looked for and how to add a provider, on stderr. */
async function explainNoProvider(paths: RelayPaths): Promise<void> {
  let lookedFor: Parameters<typeof noProviderLines>[0] = [];
  try {
    ({ lookedFor } = await withDaemonClient(paths, (client) => client.request('providers.list', { env: clientEnv() }, DETECTION_TIMEOUT_MS)));
  } catch {
    // The general ways to add one are still worth saying.
  }
  for (const line of noProviderLines(lookedFor)) stderrLine(line);
}

async function explain(paths: RelayPaths, text: string, options: TaskOptions, json: boolean | undefined): Promise<void> {
  const plan = await withDaemonClient(paths, (client) =>
    client.request('task.plan', { text, options, env: clientEnv(), cwd: process.cwd() }, DETECTION_TIMEOUT_MS),
  );
  if (json) printJson(plan);
  else printLine(formatRouteExplain(plan.steps, { intent: plan.intent, size: plan.size }).join('\n'));
}

/** The failure the run ends with: the task's own, or a cancel the user asked for. */
function failureOf(outcome: TaskRunOutcome): TaskResult['failure'] {
  const { result, cancelled } = outcome;
  if (!cancelled || result.failure?.code === 'E_CANCELLED') return result.failure;
  return { code: 'E_CANCELLED', message: 'cancelled', hint: 'what the calls used so far is recorded (relay cost report)' };
}

export function ask(words: string[], opts: AskOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    const text = taskText(words);
    const options = taskOptionsOf(opts);
    if (opts.explain) return explain(paths, text, options, opts.json);

    // Decided before anything is read or sent: edit mode with no terminal to ask on is refused.
    if (confirmSetting({ mode: modeOf(opts, paths), yes: opts.yes === true, stdinIsTTY: process.stdin.isTTY === true })) options.confirm = true;
    const piped = await readPipedStdin();
    if (piped?.truncated) stderrLine(`relay: stdin is over ${PIPED_INPUT_MAX_BYTES / 1024 / 1024} MiB; only its first ${PIPED_INPUT_MAX_BYTES / 1024 / 1024} MiB is sent as context`);

    const stream = new TaskStream({ stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) }, { json: opts.json === true });
    // `relay "task" | head -3`: once nobody reads the answer, stop paying for it.
    const stop = new AbortController();
    const onStdoutError = (): void => stop.abort();
    process.stdout.on('error', onStdoutError);
    let outcome: TaskRunOutcome;
    try {
      outcome = await runTask(
        paths,
        {
          text,
          ...(piped ? { context: piped.text } : {}),
          ...(opts.session ? { sessionId: opts.session } : {}),
          ...(opts.new ? { newSession: true } : {}),
          options,
          env: clientEnv(),
          cwd: process.cwd(),
        },
        { view: stream, ask: (_m, signal) => askYesNo('run it? [y/N] ', signal), notice: stderrLine, stop: stop.signal },
      );
    } catch (e) {
      stream.abandon();
      if (isRelayError(e) && e.code === 'E_NO_PROVIDER') await explainNoProvider(paths);
      throw e;
    } finally {
      process.stdout.off('error', onStdoutError);
    }

    const failure = failureOf(outcome);
    if (failure?.code === 'E_NO_PROVIDER') await explainNoProvider(paths);
    if (opts.json) {
      // The last JSON line is the result, the failure in it: an error record after it would be one more.
      printJson({ kind: 'result', ...stream.record({ ...outcome.result, ...(failure ? { failure } : {}) }) });
      return failure ? taskFailureError(failure).exitCode : undefined;
    }
    if (failure) throw taskFailureError(failure);
  });
}
