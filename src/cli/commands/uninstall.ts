/**
 * `relay uninstall [--dry-run] [--json]`: remove exactly what `relay install` added
 * (src/install/runUninstall.ts does the work; this file prints the result).
 */
import { runUninstall, type UninstallReport } from '../../install/runUninstall.js';
import { printJson, printLine, runCommand } from '../output.js';

interface UninstallCliOptions {
  dryRun?: boolean;
  json?: boolean;
}

function formatUninstallReport(r: UninstallReport): string {
  const lines: string[] = [];
  lines.push(r.dryRun ? `relay uninstall --dry-run (nothing is written) — RELAY_HOME ${r.relayHome}` : `relay uninstall — RELAY_HOME ${r.relayHome}`);
  if (!r.found) {
    lines.push('nothing to uninstall: no install record and no Relay hooks found');
    return lines.join('\n');
  }
  for (const f of r.files) lines.push(`  ${f.path}  ${f.action === 'unchanged' ? 'unchanged' : r.dryRun ? `would be ${f.summary}` : f.summary}`);
  const s = r.autostart;
  if (s.status !== 'not installed') lines.push(`autostart: ${s.status}${s.reason ? ` — ${s.reason}` : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.dryRun && r.diff) lines.push('', r.diff.trimEnd());
  return lines.join('\n');
}

export function uninstall(opts: UninstallCliOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const report = await runUninstall({ dryRun: opts.dryRun === true }, process.env);
    if (opts.json) printJson(report);
    else printLine(formatUninstallReport(report));
  });
}
