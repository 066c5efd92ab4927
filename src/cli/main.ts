/**
 * CLI entry. `relay --version` is answered before anything else loads (it is on the start-up
 * path of scripts and shell prompts); every other command loads its own module lazily, so no
 * command pays for xstate, zeromq or SQLite unless it uses them.
 */
import { relayVersion } from '../platform/packageInfo.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${relayVersion()}\n`);
} else {
  const { runCli } = await import('./program.js');
  const code = await runCli(argv);
  // A command is over when its action returns: exit once stdout is flushed, even if some handle
  // (a socket a failed command did not get to close) would keep the process alive.
  process.stdout.write('', () => process.exit(code));
}
