/**
 * The command tree. Each action imports its command module only when that command runs.
 * Usage errors exit with EXIT.usage and one line, like every other error.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT } from '../platform/errors.js';
import { relayVersion } from '../platform/packageInfo.js';

function parseSeq(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--since takes a sequence number (0 or more).');
  return n;
}

export async function runCli(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('relay')
    .description('Supervise AI coding agents and hand work on when one hits its limit.')
    .version(relayVersion(), '-V, --version')
    // One line, like every other error: what is wrong, and where to look.
    .configureOutput({ outputError: (text, write) => write(`relay: ${text.trim().replace(/^error: /, '')} — see relay --help\n`) })
    .exitOverride();

  const daemon = program.command('daemon').description('start, stop and inspect the per-user daemon');
  const lifecycle = [
    ['start', 'start the daemon if it is not running', 'daemonStart'],
    ['stop', 'stop the daemon and everything it supervises', 'daemonStop'],
    ['restart', 'stop the daemon, then start it again', 'daemonRestart'],
    ['status', 'show whether the daemon runs, its uptime and its children (exit 3 when stopped)', 'daemonStatus'],
  ] as const;
  for (const [name, description, fn] of lifecycle) {
    daemon
      .command(name)
      .description(description)
      .option('--json', 'print a JSON record')
      .action(async (opts) => {
        exitCode = await (await import('./commands/daemon.js'))[fn](opts);
      });
  }
  daemon
    .command('tail')
    .description('print recent events, then follow new ones live (Ctrl+C ends)')
    .addOption(new Option('--since <seq>', 'replay every event after this sequence number').argParser(parseSeq))
    .option('--type <prefix>', 'only events whose type starts with this (e.g. handoff.)')
    .option('-n, --lines <count>', 'without --since, how many recent events to replay', '20')
    .option('--no-follow', 'print the replay and exit')
    .option('--json', 'one JSON record per line')
    .action(async (opts) => {
      exitCode = await (await import('./commands/tail.js')).daemonTail(opts);
    });

  program
    .command('doctor')
    .description('check the installation, RELAY_HOME, the daemon and the database')
    .option('--json', 'print the checks as JSON')
    .action(async (opts) => {
      exitCode = await (await import('./commands/doctor.js')).doctor(opts);
    });

  if (argv.length === 0) {
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
