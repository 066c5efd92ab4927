/**
 * `relay` on a terminal: the workspace. Connects to the daemon (starting it, as any command
 * would), then draws the controller until the user quits. Quitting leaves running work running
 * in the daemon. Every way out — quit, Ctrl+C, an error, SIGTERM/SIGHUP, the daemon killed
 * under it — gives the terminal back as it was; an error is one line after that.
 */
import { writeMode } from '../../config/modeFile.js';
import { loadConfig } from '../../config/relayConfig.js';
import { OLLAMA_DEFAULT_URL, SETUP_KEY_VARS, writeSetupChoice, type SetupChoice } from '../../config/setupChoice.js';
import { clientEnv } from '../../client/clientEnv.js';
import { newTaskId } from '../../client/taskRun.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths, userHome } from '../../platform/paths.js';
import { createLocalization, pickLanguage } from '../i18n/i18n.js';
import { AgentPane } from './agentPane.js';
import { WorkspaceController } from './workspaceController.js';
import { WorkspaceLink } from './workspaceLink.js';
import { WorkspaceScreen } from './workspaceScreen.js';

const SETUP_PROVIDER = { Openai: 'openai', Anthropic: 'anthropic', Google: 'google', Deepseek: 'deepseek' } as const;

export interface WorkspaceOptions {
  lang?: string;
}

function endLine(kind: string, agentId: string | null, reason?: string): string {
  return `${agentId ?? 'agent'}: ${kind}${reason ? ` (${reason})` : ''}`;
}

export async function runWorkspace(opts: WorkspaceOptions = {}): Promise<number> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new RelayError('E_USAGE', 'the workspace needs a terminal', { hint: 'relay "task" works without one; relay --help lists the commands' });
  }
  const paths = relayPaths();
  const l10n = createLocalization(pickLanguage(process.env, opts.lang));
  // A broken config.yaml is one line now, before the screen takes the terminal.
  loadConfig(paths);

  let screen: WorkspaceScreen | undefined;
  let controller: WorkspaceController | undefined;
  let link: WorkspaceLink | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let failure: unknown;

  const restore = (): void => screen?.destroy();
  const fail = (e: unknown): void => {
    failure = e;
    finish(1);
  };
  const onSignal = (): void => finish(130);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // The last resort: whatever happens, the terminal is not left raw on the alternate screen.
  process.on('exit', restore);

  try {
    screen = new WorkspaceScreen({ stdin, stdout });
    const s = screen;
    controller = new WorkspaceController(
      {
        link: {
          get state() {
            return link!.state;
          },
          request: (type, payload, timeoutMs) => link!.request(type, payload, timeoutMs),
          close: () => link!.close(),
        },
        l10n,
        env: clientEnv(),
        cwd: process.cwd(),
        home: userHome(process.env),
        now: Date.now,
        newTaskId,
        readMode: () => loadConfig(paths).mode,
        writeMode: (mode) => writeMode(paths, mode).mode,
        openAgent: async (agentId, onEnd) => {
          const { agents } = await link!.request('agent.list', {});
          const agent = agents.find((a) => a.id === agentId);
          if (!agent) throw new RelayError('E_USAGE', `no agent ${agentId}`, { hint: 'relay ps lists them' });
          return AgentPane.open({
            paths,
            agent,
            size: () => s.agentSize,
            changed: () => s.changed(),
            ended: (end) => {
              if (end.kind === 'exited') onEnd(endLine('exited', end.agentId, end.exit.reason));
              else if (end.kind === 'daemonStopped') onEnd(endLine('daemon stopped', end.agentId, end.reason));
              else if (end.kind === 'lost') onEnd(endLine('daemon lost', end.agentId));
            },
          });
        },
        writeSetup: (option) => {
          const choice: SetupChoice =
            option === 'Local'
              ? { kind: 'ollama', baseUrl: OLLAMA_DEFAULT_URL }
              : option === 'Cli'
                ? { kind: 'cli' }
                : { kind: 'key', provider: SETUP_PROVIDER[option], envVar: SETUP_KEY_VARS[SETUP_PROVIDER[option]] };
          writeSetupChoice(paths, choice);
          return { file: paths.config, ...(choice.kind === 'key' ? { envVar: choice.envVar } : {}) };
        },
        changed: () => s.changed(),
        quit: () => finish(0),
      },
      s.conversationCols,
    );
    const c = controller;
    link = new WorkspaceLink(paths, {
      task: (topic, value) => c.onTask(topic, value),
      event: (e) => c.onEvent(e),
      state: (state) => void c.linkChanged(state),
    });
    s.attach(c);
    await link.open();
    const code = await done;
    if (failure) throw failure;
    return code;
  } finally {
    controller?.dispose();
    restore();
    await link?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', fail);
    process.off('unhandledRejection', fail);
    process.off('exit', restore);
  }
}
