/**
 * `relay dashboard [--open] [--port N] [--stop] [--json]`: have the daemon serve the dashboard
 * on 127.0.0.1 and print its address (the token is in it: the page moves it into a cookie).
 * It stays on for the daemon's life and across its restarts, until `--stop`.
 */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export interface DashboardFlags extends CommonOptions {
  open?: boolean;
  port?: number;
  stop?: boolean;
}

export function dashboard(opts: DashboardFlags): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    if (opts.stop) {
      const { stopped } = await withDaemonClient(paths, (c) => c.request('dashboard.stop', {}));
      if (opts.json) printJson({ stopped });
      else printLine(stopped ? 'dashboard: stopped' : 'dashboard: was not running');
      return;
    }
    const info = await withDaemonClient(paths, (c) => c.request('dashboard.open', opts.port === undefined ? {} : { port: opts.port }));
    if (opts.json) printJson(info);
    else printLine(`dashboard: ${info.url}\n(only this user and this machine can open it; relay dashboard --stop turns it off)`);
    if (opts.open) {
      try {
        const { default: openUrl } = await import('open');
        await openUrl(info.url, { wait: false });
      } catch (e) {
        throw new RelayError('E_USAGE', `could not open a browser: ${(e as Error).message}`, { hint: 'open the address above yourself' });
      }
    }
  });
}
