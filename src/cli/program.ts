/**
 * The command tree. Each action imports its command module only when that command runs.
 * Usage errors exit with EXIT.usage and one line, like every other error.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AGENT_NAMES_HINT } from '../adapters/registry.js';
import { EXIT } from '../platform/errors.js';
import { PS_DEFAULT_EXITED } from '../protocol/agentProtocol.js';
import { relayVersion } from '../platform/packageInfo.js';
import { RelayError } from '../platform/errors.js';
import { commandTypo } from './commandTypo.js';
import { runCommand } from './output.js';

function parseSeq(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--since takes a sequence number (0 or more).');
  return n;
}

function parseCount(value: string): string {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('-n takes a count of events (0 or more).');
  return value.trim();
}

/** A TCP port for a server Relay runs on 127.0.0.1 (below 1024 needs root, so it is refused). */
function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1024 || n > 65535) throw new InvalidArgumentError('--port takes a port number from 1024 to 65535.');
  return n;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 366) throw new InvalidArgumentError('--days takes a whole number of days from 1 to 366.');
  return n;
}

/** The options of a task, on the root (`relay "task"`) and on `relay ask`. */
function withTaskOptions(cmd: Command): Command {
  return cmd
    .option('--worker <name>', 'send it to this worker (relay workers lists them)')
    .option('--provider <name>', 'use this provider (relay providers lists them)')
    .option('--model <id>', 'use this model (relay models lists them)')
    .option('--premium', 'allow premium models even when a cheaper one fits')
    .option('--explain', 'show how it would be routed (every candidate and why), and call nothing')
    .addOption(new Option('--edit', 'ask before each call (edit mode) for this run').conflicts('auto'))
    .option('--auto', 'run each call at once (auto mode) for this run')
    .option('-y, --yes', 'answer yes to the edit-mode questions')
    .addOption(new Option('--session <id>', 'continue this conversation (#12, 12 or its id) instead of the current one').conflicts('new'))
    .option('--new', 'start a new conversation (default: continue the current one, the last one worked in)')
    .option('--json', 'print one JSON line per event, the result last (with --explain: the plan)');
}

/** How the agent commands take an agent, as `relay handoff` does. */
const AGENT_ARG = 'agent id (claude-1), agent name (claude) or relay session id, as relay ps shows them';

export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('relay')
    .description('Supervise AI coding agents and hand work on when one hits its limit.')
    .version(relayVersion(), '-V, --version')
    // One line, like every other error: what is wrong, and where to look.
    .configureOutput({ outputError: (text, write) => write(`relay: ${text.trim().replace(/^error: /, '')} — see relay --help\n`) })
    .exitOverride()
    // `relay wrap claude --resume` passes --resume to claude, not to relay.
    .enablePositionalOptions()
    // The root's own action (the task) would otherwise turn `relay help` into a task.
    .helpCommand(true)
    .usage('"<task>" [options]  |  <command> [options]')
    .argument('[task...]', 'a task for a model when the first word is not a command (as relay ask); none: the workspace')
    .option('--lang <code>', 'the workspace\'s language: en, zh, de, fr, es, ja, ko (default: from LC_ALL, LC_MESSAGES, LANG)');
  // A word that is a command runs that command (commander dispatches it before this action); any
  // other words are a task, unless they are a single command name misspelt.
  withTaskOptions(program).action(async (task: string[], opts) => {
    // No task on a terminal: the workspace. Without a terminal, ask() says a task is needed.
    if (task.length === 0 && process.stdin.isTTY && process.stdout.isTTY) {
      exitCode = await runCommand(false, async () => (await import('../ui/workspace/runWorkspace.js')).runWorkspace({ ...(opts.lang ? { lang: opts.lang as string } : {}) }));
      return;
    }
    const word = task.join(' ');
    const meant = commandTypo(task, program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
    if (meant !== undefined) {
      exitCode = await runCommand(opts.json, () => {
        throw new RelayError('E_USAGE', `unknown command ${word}`, { hint: `did you mean ${meant}? (relay ask ${word} sends it to a model)` });
      });
      return;
    }
    exitCode = await (await import('./commands/ask.js')).ask(task, opts);
  });

  const daemon = program.command('daemon').description('start, stop and inspect the per-user daemon');
  const lifecycle = [
    ['start', 'start the daemon if it is not running', 'daemonStart'],
    ['stop', 'stop the daemon and everything it supervises', 'daemonStop'],
    ['restart', 'stop the daemon, then start it again', 'daemonRestart'],
    ['status', 'show whether the daemon runs, its uptime and its children (exit 3 when stopped)', 'daemonStatus'],
  ] as const;
  for (const [name, description, fn] of lifecycle) {
    const sub = daemon.command(name).description(description).option('--json', 'print a JSON record');
    // Agents are the daemon's PTY children: a restart cannot keep them, so stopping them is asked for.
    if (name === 'restart') sub.option('--force', 'also stop the agents that are running (a restart cannot keep them)');
    sub.action(async (opts) => {
      exitCode = await (await import('./commands/daemon.js'))[fn](opts);
    });
  }
  daemon
    .command('tail')
    .description('print recent events, then follow new ones live (Ctrl+C ends)')
    .addOption(new Option('--since <seq>', 'replay every event after this sequence number').argParser(parseSeq))
    .option('--type <prefix>', 'only events whose type starts with this (e.g. handoff.)')
    .option('-n, --lines <count>', 'without --since, how many recent events to replay (of --type, when given)', parseCount, '20')
    .option('--no-follow', 'print the replay and exit')
    .option('--json', 'one JSON record per line')
    .action(async (opts) => {
      exitCode = await (await import('./commands/tail.js')).daemonTail(opts);
    });

  program
    .command('wrap')
    .description('run a command as a supervised agent, attached to this terminal; hands off when it hits its limit')
    .usage('[--order a,b,...] [--name N] -- <command> [args...]')
    .argument('<command...>', 'the agent CLI and its arguments')
    .option('--order <agents>', 'fallback order, comma-separated (claude,codex,gemini,opencode,cli:<name>)')
    .option('--name <name>', 'a name for the relay session')
    .passThroughOptions()
    .action(async (argv: string[], opts) => {
      exitCode = await (await import('./commands/wrap.js')).wrap(argv, opts);
    });
  program
    .command('attach')
    .description('attach this terminal to a running agent (the detach key leaves it running)')
    .argument('<agent>', AGENT_ARG)
    .action(async (agent: string) => {
      exitCode = await (await import('./commands/attach.js')).attach(agent);
    });
  program
    .command('ps')
    .description(`list the agents: running, parked, and the ${PS_DEFAULT_EXITED} most recent exited ones, also from earlier daemon runs`)
    .option('-a, --all', 'every exited agent the store knows, not only the most recent')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/ps.js')).ps(opts);
    });
  program
    .command('stop')
    .description('stop a running or parked agent and the processes it started (SIGTERM, SIGKILL after 5 s)')
    .argument('<agent>', AGENT_ARG)
    .option('--json', 'print the stopped agent as JSON')
    .action(async (agent: string, opts) => {
      exitCode = await (await import('./commands/stop.js')).stop(agent, opts);
    });
  program
    .command('rm')
    .description('remove an exited agent from relay ps and delete its logs (a running one: relay stop first)')
    .argument('<agent>', AGENT_ARG)
    .option('--json', 'print the removed id as JSON')
    .action(async (agent: string, opts) => {
      exitCode = await (await import('./commands/rm.js')).rm(agent, opts);
    });
  program
    .command('logs')
    .description("print an agent's output as logged under RELAY_HOME/logs/agents (redacted)")
    .argument('<agent>', AGENT_ARG)
    .option('-f, --follow', 'keep printing new output until the agent exits (or Ctrl+C)')
    .action(async (agent: string, opts) => {
      exitCode = await (await import('./commands/logs.js')).logs(agent, opts);
    });

  const snapshots = program
    .command('snapshots')
    .description('list the handoff snapshots, the newest first')
    .option('--json', 'print them as JSON')
    .action(async (opts) => {
      exitCode = await (await import('./commands/snapshots.js')).snapshotsList(opts);
    });
  snapshots
    .command('show <id>')
    .description('print one snapshot (its id or a unique prefix)')
    .option('--json', 'print the record and its Markdown as JSON')
    // optsWithGlobals: commander would otherwise give show's --json to the parent command.
    .action(async (id: string, _opts, cmd: Command) => {
      exitCode = await (await import('./commands/snapshots.js')).snapshotsShow(id, cmd.optsWithGlobals());
    });
  program
    .command('handoff [agent]')
    .description('hand a relay session on now (agent id, agent name or session id; default: the most recent)')
    .option('--to <name>', `the agent to hand to: ${AGENT_NAMES_HINT}`)
    .option('--json', 'print the result as JSON')
    .action(async (agent: string | undefined, opts) => {
      exitCode = await (await import('./commands/handoff.js')).handoff(agent, opts);
    });

  program
    .command('install')
    .description("register Relay's hooks in each installed agent CLI, the handoff order, and start at login")
    .option('--handoff-order <agents...>', 'the fallback order (e.g. claude codex gemini); default: inferred from what is installed')
    .option('--no-handoff-order', 'leave the handoff order in config.yaml alone')
    .option('--no-autostart', 'do not register the daemon to start at login')
    .option('--warp', 'also write the MCP snippet for Warp and say where to paste it')
    .option('--dry-run', 'print the changes as diffs; write nothing')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/install.js')).install(opts);
    });
  program
    .command('uninstall')
    .description('remove exactly what relay install added (files left byte-identical when nothing else changed)')
    .option('--dry-run', 'print the changes as diffs; write nothing')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/uninstall.js')).uninstall(opts);
    });

  program
    .command('mcp')
    .description('serve Relay to an agent as an MCP server on stdio (status, snapshots, handoff, remember, recall)')
    .action(async () => {
      exitCode = await (await import('./commands/mcp.js')).mcp();
    });

  withTaskOptions(
    program
      .command('ask')
      .description('send a task to the cheapest worker and model that fit; the answer streams to stdout (relay "task" does the same)')
      .argument('<task...>', 'the task; piped stdin is added as context'),
  ).action(async (task: string[], opts) => {
    exitCode = await (await import('./commands/ask.js')).ask(task, opts);
  });
  program
    .command('providers')
    .description('what Relay looked for (API keys, base URLs, Ollama, agent CLIs, config.yaml), what it found, and why each is usable or not')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/providers.js')).providers(opts);
    });
  program
    .command('models')
    .description('the models Relay can route to, with tier, billing, context size and price')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/models.js')).models(opts);
    });
  program
    .command('workers')
    .description('the worker roles a task can go to (architect, coder, reviewer, ...) and what each needs from a model')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/workers.js')).workers(opts);
    });
  program
    .command('cost')
    .description('what the calls cost')
    .command('report', { isDefault: true })
    .description('spend today and this month against the limits, by provider, model, worker and day')
    .addOption(new Option('--days <n>', 'how many days the by-day table goes back').argParser(parseDays))
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/cost.js')).costReport(opts);
    });
  program
    .command('dashboard')
    .description('serve the dashboard on 127.0.0.1 and print its address (events, agents, handoffs, the graph, spend, snapshots)')
    .option('--open', 'open it in the browser too')
    .option('--port <port>', 'serve it on this port (default: the one it had, else a free one)', parsePort)
    .option('--stop', 'stop serving it and forget its address and token')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/dashboard.js')).dashboard(opts);
    });

  const budget = program
    .command('budget')
    .description('show the spending limits (per task, per day, per month) and what is spent against them')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/budget.js')).budgetShow(opts);
    });
  budget
    .command('show')
    .description('show the limits and what is spent against them (the same as relay budget)')
    .option('--json', 'print a JSON record')
    // optsWithGlobals: commander would otherwise give show's --json to the parent command.
    .action(async (_opts, cmd: Command) => {
      exitCode = await (await import('./commands/budget.js')).budgetShow(cmd.optsWithGlobals());
    });
  budget
    .command('set')
    .description('set spending limits in US dollars (e.g. relay budget set --daily 1 --monthly 20)')
    .option('--task <usd>', 'the most one task may spend')
    .option('--daily <usd>', 'the most all calls may spend in a day')
    .option('--monthly <usd>', 'the most all calls may spend in a month')
    .option('--json', 'print a JSON record')
    .action(async (_opts, cmd: Command) => {
      exitCode = await (await import('./commands/budget.js')).budgetSet(cmd.optsWithGlobals());
    });
  budget
    .command('clear')
    .description('remove spending limits: the ones named, or all of them')
    .option('--task', 'the per-task limit')
    .option('--daily', 'the daily limit')
    .option('--monthly', 'the monthly limit')
    .option('--json', 'print a JSON record')
    .action(async (_opts, cmd: Command) => {
      exitCode = await (await import('./commands/budget.js')).budgetClear(cmd.optsWithGlobals());
    });

  program
    .command('mode')
    .description('show the mode in force, or set it in config.yaml: auto runs each call at once, edit asks first')
    .addArgument(new Argument('[mode]', 'auto or edit').choices(['auto', 'edit']))
    .option('--json', 'print a JSON record')
    .action(async (wanted: 'auto' | 'edit' | undefined, opts) => {
      exitCode = await (await import('./commands/mode.js')).mode(wanted, opts);
    });

  program
    .command('remember')
    .description('remember a fact for later tasks ("key: value" facts are updated by their key); in this project (its git root), else global')
    .argument('<fact...>', 'the fact, e.g. "deploy: make ship"')
    .option('--global', 'remember it everywhere, not only in this project')
    .option('--tag <tag...>', 'tags to find it by')
    .option('--json', 'print a JSON record')
    .action(async (words: string[], opts) => {
      exitCode = await (await import('./commands/knowledge.js')).remember(words, opts);
    });
  program
    .command('recall')
    .description('the remembered facts that match, the most relevant first (global ones and this project\'s)')
    .argument('<query...>', 'any words')
    .option('-n, --limit <n>', 'at most this many', (v) => Number(v))
    .option('--json', 'print a JSON record')
    .action(async (words: string[], opts) => {
      exitCode = await (await import('./commands/knowledge.js')).recall(words, opts);
    });
  program
    .command('forget')
    .description('forget the fact with this key in this project (or with --global, the global one)')
    .argument('<key>', 'the key before the colon, e.g. deploy')
    .option('--global', 'the global fact, not this project\'s')
    .option('--json', 'print a JSON record')
    .action(async (key: string, opts) => {
      exitCode = await (await import('./commands/knowledge.js')).forget(key, opts);
    });
  program
    .command('knowledge')
    .description('the facts remembered for here (global and this project\'s), the newest first')
    .option('--all', 'every scope')
    .option('--json', 'print a JSON record')
    .action(async (opts) => {
      exitCode = await (await import('./commands/knowledge.js')).knowledge(opts);
    });

  addSessionCommands(program, (code) => {
    exitCode = code;
  });

  program
    .command('doctor')
    .description('check the installation, RELAY_HOME, the daemon and the database')
    .option('--json', 'print the checks as JSON')
    .action(async (opts) => {
      exitCode = await (await import('./commands/doctor.js')).doctor(opts);
    });

  // No arguments: the workspace on a terminal (the root action), the help anywhere else.
  if (argv.length === 0 && !(process.stdin.isTTY && process.stdout.isTTY)) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
  return exitCode;
}

function parsePositive(flag: string, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError(`${flag} takes ${what} (1 or more).`);
    return n;
  };
}

/** `relay session …`: the conversation graph (the module loads only when one of them runs). */
function addSessionCommands(program: Command, done: (code: number) => void): void {
  const run = async <K extends keyof typeof import('./commands/session.js')>(
    fn: K,
    ...args: Parameters<(typeof import('./commands/session.js'))[K]>
  ): Promise<void> => {
    const mod = await import('./commands/session.js');
    done(await (mod[fn] as (...a: typeof args) => Promise<number>)(...args));
  };
  const session = program
    .command('session')
    .description('conversations as a graph, like git branches: list, show, fork, merge, attach, import, open, context, log, diff, graph')
    .option('--json', 'print a JSON record')
    .action((opts) => run('sessionList', opts));
  const json = (cmd: Command): Command => cmd.option('--json', 'print a JSON record');
  json(session.command('list').description('every session, the newest first; * marks the current one')).action((_o, cmd: Command) =>
    run('sessionList', cmd.optsWithGlobals()),
  );
  json(
    session
      .command('show [session]')
      .description('a session (default: the current one) with its messages')
      .option('-n, --limit <n>', 'the newest this many messages (default 200)', parsePositive('-n', 'a count of messages')),
  ).action((ref: string | undefined, _o, cmd: Command) => run('sessionShow', ref, cmd.optsWithGlobals()));
  json(
    session
      .command('log [session]')
      .description('a session\'s chain, newest first, with where it forked, merged and handed off (like git log --graph)')
      .option('-n, --limit <n>', 'the newest this many messages (default 200)', parsePositive('-n', 'a count of messages')),
  ).action((ref: string | undefined, _o, cmd: Command) => run('sessionLog', ref, cmd.optsWithGlobals()));
  json(session.command('new [name...]').description('start an empty session; relay "task" continues it')).action((words: string[], _o, cmd: Command) =>
    run('sessionNew', words, cmd.optsWithGlobals()),
  );
  json(
    session
      .command('fork [session]')
      .description('a new session that continues one (default: the current one) from its head or --at a message; nothing is copied')
      .option('--at <message>', 'fork at this message (its id or a prefix, as log shows it)')
      .option('--name <name>', 'a name for the new session'),
  ).action((ref: string | undefined, _o, cmd: Command) => run('sessionFork', ref, cmd.optsWithGlobals()));
  json(
    session
      .command('merge <sessions...>')
      .description('a new session derived from two or more; a model sees their shared part once, then each side')
      .option('--name <name>', 'a name for the merged session'),
  ).action((refs: string[], _o, cmd: Command) => run('sessionMerge', refs, cmd.optsWithGlobals()));
  json(
    session
      .command('attach <source>')
      .description('add a session\'s context to the current one (or --to another)')
      .option('--to <session>', 'the session that takes it (default: the current one)'),
  ).action((source: string, _o, cmd: Command) => run('sessionAttach', source, cmd.optsWithGlobals()));
  json(
    session
      .command('import <agent> [id]')
      .description('bring in a conversation from claude, codex, gemini or opencode (its own transcript; default: the newest for this directory)')
      .option('--latest', 'the newest session of that agent for the directory (the default)')
      .option('--cwd <dir>', 'the project directory the agent ran in (default: this one)'),
  ).action((agent: string, id: string | undefined, _o, cmd: Command) => run('sessionImport', agent, id, cmd.optsWithGlobals()));
  json(
    session
      .command('context [session]')
      .description('what a model is sent for a session, in order, with token counts and why each part is in')
      .option('--tokens <n>', 'the token budget (default 24000: what a task carries)', parsePositive('--tokens', 'a number of tokens'))
      .option('--request <text>', 'a request to assemble it for (facts are chosen by it)'),
  ).action((ref: string | undefined, _o, cmd: Command) => run('sessionContext', ref, cmd.optsWithGlobals()));
  json(session.command('diff <a> <b>').description('each side\'s messages since the two sessions\' common ancestor')).action(
    (a: string, b: string, _o, cmd: Command) => run('sessionDiff', a, b, cmd.optsWithGlobals()),
  );
  session
    .command('open [session]')
    .description('continue a session in an agent CLI, supervised like relay wrap: its context is the first prompt')
    .requiredOption('--in <agent>', 'the agent: claude, codex, gemini or opencode')
    .option('--order <a,b,...>', 'who takes over when it hits its limit (default: the configured order)')
    .action((ref: string | undefined, opts) => run('sessionOpen', ref, opts));
  json(session.command('graph').description('every session as a DAG (a merge once, with all its parents); --json: nodes and edges')).action(
    (_o, cmd: Command) => run('sessionGraph', cmd.optsWithGlobals()),
  );
  json(session.command('rename <session> <name...>').description('name a session')).action((ref: string, words: string[], _o, cmd: Command) =>
    run('sessionRename', ref, words, cmd.optsWithGlobals()),
  );
  json(
    session
      .command('delete <session>')
      .description('delete a session; what other sessions were made from it stays')
      .option('-y, --yes', 'do not ask'),
  ).action((ref: string, _o, cmd: Command) => run('sessionDelete', ref, cmd.optsWithGlobals()));
}
