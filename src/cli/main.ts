/**
 * CLI entry. `relay --version` is answered before anything else loads (it is on the start-up
 * path of scripts and shell prompts), and so is `relay hook` (run by agent CLIs on every hook
 * event); every other command loads its own module lazily, so no command pays for xstate,
 * zeromq or SQLite unless it uses them.
 */
import { relayVersion } from '../platform/packageInfo.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${relayVersion()}\n`);
} else {
  // A relative RELAY_HOME becomes absolute here, once, so the daemon, the agents and their hooks
  // (which run in other directories) all use the home this command meant.
  (await import('../platform/paths.js')).pinRelayHome();
  const workspace = (argv.length === 0 || (argv.length === 2 && argv[0] === '--lang')) && process.stdin.isTTY && process.stdout.isTTY;
  if (workspace) {
    // `relay` on a terminal: the workspace draws its first frame before commander, ZeroMQ or
    // SQLite load; its errors are printed as every command's are.
    const { runCommand } = await import('./output.js');
    const { runWorkspace } = await import('../ui/workspace/runWorkspace.js');
    const code = await runCommand(false, () => runWorkspace(argv[0] === '--lang' ? { lang: argv[1]! } : {}));
    process.stdout.write('', () => process.exit(code));
  } else if (argv[0] === 'hook') {
    // Run by the agent CLIs inside their own loop: only the hook modules load (no commander,
    // zeromq, SQLite or xstate), and it always exits 0 by itself.
    const { runHook } = await import('./hookMain.js');
    await runHook(argv.slice(1));
  } else {
    const { runCli } = await import('./program.js');
    const code = await runCli(argv);
    // A command is over when its action returns: exit once stdout is flushed, even if some handle
    // (a socket a failed command did not get to close) would keep the process alive.
    process.stdout.write('', () => process.exit(code));
  }
}
