/**
 * `relay` on a terminal: the workspace. The first frame comes first — the layout, the input
 * line and "connecting…" — and only then is the rest loaded (config.yaml, the bus and ZeroMQ,
 * the agent pane's terminal emulator), so the screen is there in about the time node takes to
 * start. Then it connects to the daemon (starting it, as any command would) and draws the
 * controller until the user quits; quitting leaves running work running in the daemon. Every
 * way out — quit, Ctrl+C, an error, SIGTERM/SIGHUP, the daemon killed under it — gives the
 * terminal back as it was; an error is one line after that.
 */
import { clientEnv } from '../../client/clientEnv.js';
import { newTaskId } from '../../client/taskId.js';
import type { RelayMode } from '../../config/modeSetting.js';
import type { SetupChoice } from '../../config/setupChoice.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths, userHome } from '../../platform/paths.js';
import { createLocalization, pickLanguage } from '../i18n/i18n.js';
import { appendHistory, readHistory } from './inputHistory.js';
import { WorkspaceController } from './workspaceController.js';
import type { SetupOption } from './workspaceTypes.js';
import type { WorkspaceLink } from './workspaceLink.js';
import { WorkspaceScreen } from './workspaceScreen.js';

export interface WorkspaceOptions {
  lang?: string;
}

const SETUP_PROVIDER = { Openai: 'openai', Anthropic: 'anthropic', Google: 'google', Deepseek: 'deepseek' } as const;

export async function runWorkspace(opts: WorkspaceOptions = {}): Promise<number> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new RelayError('E_USAGE', 'the workspace needs a terminal', { hint: 'relay "task" works without one; relay --help lists the commands' });
  }
  const paths = relayPaths();
  const l10n = createLocalization(pickLanguage(process.env, opts.lang));

  let screen: WorkspaceScreen | undefined;
  let controller: WorkspaceController | undefined;
  let link: WorkspaceLink | undefined;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let failure: unknown;
  let historyFailed = false;
  // Loaded after the first frame; commands that need them before that say so.
  let config: { writeMode: (mode: RelayMode) => RelayMode; writeSetup: (option: Exclude<SetupOption, 'Skip'>) => { file: string; envVar?: string } } | undefined;

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
  const notLoaded = (): never => {
    throw new RelayError('E_USAGE', l10n.t('errors.starting'));
  };

  try {
    screen = new WorkspaceScreen({ stdin, stdout });
    const s = screen;
    controller = new WorkspaceController(
      {
        link: {
          get state() {
            return link?.state ?? 'connecting';
          },
          request: (type, payload, timeoutMs) => (link ? link.request(type, payload, timeoutMs) : Promise.reject(new RelayError('E_DAEMON_UNAVAILABLE', l10n.t('errors.notConnected')))),
          close: async () => link?.close(),
        },
        l10n,
        env: clientEnv(),
        cwd: process.cwd(),
        home: userHome(process.env),
        now: Date.now,
        newTaskId,
        writeMode: (mode) => (config ?? notLoaded()).writeMode(mode),
        writeSetup: (option) => (config ?? notLoaded()).writeSetup(option),
        openAgent: async (agentId, onEnd) => {
          const { agents } = await link!.request('agent.list', {});
          const agent = agents.find((a) => a.id === agentId);
          if (!agent) throw new RelayError('E_USAGE', l10n.t('errors.noSuchAgent', { agent: agentId }));
          // The terminal emulator is loaded the first time an agent is opened.
          const { AgentPane } = await import('./agentPane.js');
          return AgentPane.open({
            paths,
            agent,
            size: () => s.agentSize,
            changed: () => s.changed(),
            ended: (end) => {
              const agentName = end.agentId ?? agentId;
              if (end.kind === 'exited') onEnd(l10n.t('ui.agents.ended', { agent: agentName, why: end.exit.reason ?? l10n.t('ui.side.exited') }));
              else if (end.kind === 'daemonStopped') onEnd(l10n.t('ui.agents.ended', { agent: agentName, why: l10n.t('errors.daemonStopped') }));
              else if (end.kind === 'lost') onEnd(l10n.t('ui.agents.ended', { agent: agentName, why: l10n.t('ui.status.daemonLost') }));
            },
          });
        },
        history: readHistory(paths.workspaceHistory),
        remember: (line) => {
          try {
            appendHistory(paths.workspaceHistory, line);
          } catch (e) {
            // A full disk or a read-only home loses the history, never the line just sent.
            if (!historyFailed) controller?.say(l10n.t('errors.generic', { message: (e as Error).message }), 'error');
            historyFailed = true;
          }
        },
        changed: () => s.changed(),
        quit: () => finish(0),
      },
      s.conversationCols,
    );
    const c = controller;
    s.attach(c);

    // After the first frame: config.yaml (a broken one ends the workspace with its one line).
    const [{ loadConfig }, { writeMode }, setup, { WorkspaceLink }] = await Promise.all([
      import('../../config/relayConfig.js'),
      import('../../config/modeFile.js'),
      import('../../config/setupChoice.js'),
      import('./workspaceLink.js'),
    ]);
    c.mode = loadConfig(paths).mode;
    config = {
      writeMode: (mode) => writeMode(paths, mode).mode,
      writeSetup: (option) => {
        const choice: SetupChoice =
          option === 'Local'
            ? { kind: 'ollama', baseUrl: setup.OLLAMA_DEFAULT_URL }
            : option === 'Cli'
              ? { kind: 'cli' }
              : { kind: 'key', provider: SETUP_PROVIDER[option], envVar: setup.SETUP_KEY_VARS[SETUP_PROVIDER[option]] };
        setup.writeSetupChoice(paths, choice);
        return { file: paths.config, ...(choice.kind === 'key' ? { envVar: choice.envVar } : {}) };
      },
    };
    s.changed();
    link = new WorkspaceLink(paths, {
      task: (topic, value) => c.onTask(topic, value),
      event: (e) => c.onEvent(e),
      state: (state, why) => void c.linkChanged(state, why),
    });
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
