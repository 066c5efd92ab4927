/** `relay cost report`: today and this month against the limits, then by provider, model, worker and day. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatCostReport } from '../../ui/costReportView.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

interface CostReportOptions extends CommonOptions {
  /** How many days back the by-day table goes (the daemon's default when absent). */
  days?: number;
}

export function costReport(opts: CostReportOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const report = await withDaemonClient(relayPaths(), (client) =>
      client.request('cost.report', opts.days !== undefined ? { days: opts.days } : {}),
    );
    if (opts.json) printJson(report);
    else printLine(formatCostReport(report).join('\n'));
  });
}
