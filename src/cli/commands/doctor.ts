/**
 * `relay doctor [--json]`: check the installation, RELAY_HOME, the daemon and the database.
 * It only looks: it never starts the daemon and never creates RELAY_HOME.
 */
import { EXIT } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { runChecks } from '../../client/doctorChecks.js';
import { formatDoctorReport } from '../../ui/doctorReport.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** Print the report (or `{ ok, checks }` with --json); exit EXIT.checkFailed when a check fails. */
export function doctor(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const checks = await runChecks(relayPaths());
    const ok = !checks.some((c) => c.status === 'fail');
    if (opts.json) printJson({ ok, checks });
    else printLine(formatDoctorReport(checks));
    return ok ? EXIT.ok : EXIT.checkFailed;
  });
}
