/**
 * `relay install [--handoff-order a b …|--no-handoff-order] [--no-autostart] [--warp] [--dry-run] [--json]`:
 * register Relay's hooks with every agent CLI found, write the handoff order, set up autostart
 * (src/install/runInstall.ts does the work; this file parses options and prints the result).
 */
import { parseHandoffOrderArgs, type HandoffOrderChoice } from '../../install/handoffOrder.js';
import { runInstall, type InstallReport } from '../../install/runInstall.js';
import { printJson, printLine, runCommand } from '../output.js';

interface InstallCliOptions {
  /** Commander: a list with --handoff-order, false with --no-handoff-order, undefined otherwise. */
  handoffOrder?: string[] | boolean;
  /** False with --no-autostart. */
  autostart?: boolean;
  warp?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

function orderChoice(value: string[] | boolean | undefined): HandoffOrderChoice {
  if (value === false) return { kind: 'skip' };
  if (Array.isArray(value)) return { kind: 'explicit', order: parseHandoffOrderArgs(value) };
  return { kind: 'infer' };
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s.padEnd(n);
}

/** The human-readable report, one line per agent and per decision. */
function formatInstallReport(r: InstallReport): string {
  const lines: string[] = [];
  lines.push(r.dryRun ? `relay install --dry-run (nothing is written) — RELAY_HOME ${r.relayHome}` : `relay install — RELAY_HOME ${r.relayHome}`);
  for (const a of r.agents) {
    if (!a.found) {
      lines.push(`  ${pad(a.agent, 9)}not found (not on the PATH)`);
      continue;
    }
    const what = a.status === 'already installed' ? 'already installed' : r.dryRun ? `would be ${a.status}: ${a.summary}` : a.summary;
    lines.push(`  ${pad(a.agent, 9)}${pad(a.version ?? 'unknown version', 10)}${a.file}  ${what}`);
  }
  const o = r.handoffOrder;
  const order = o.order ? o.order.join(' → ') : '';
  switch (o.status) {
    case 'written':
      lines.push(`handoff order: ${order} (${r.dryRun ? 'would be written to' : 'written to'} ${o.file})`);
      break;
    case 'unchanged':
      lines.push(`handoff order: ${order} (already in ${o.file})`);
      break;
    case 'kept':
      lines.push(`handoff order: ${order} kept (${o.reason ?? ''})`);
      break;
    default:
      lines.push(`handoff order: not written (${o.reason ?? o.status})`);
  }
  const s = r.autostart;
  if (s.status === 'skipped' || s.status === 'failed') lines.push(`autostart: ${s.status} — ${s.reason ?? ''}`);
  else lines.push(`autostart: ${s.status} (${s.unit ?? ''})`);
  if (r.warp) lines.push(r.warp.instructions);
  for (const n of r.notes) lines.push(`note: ${n}`);
  const backups = r.files.filter((f) => f.backup);
  if (backups.length > 0) lines.push(`backups of the files changed: ${backups.map((f) => f.backup).join(', ')}`);
  if (!r.changed) lines.push('nothing to change: Relay is already installed');
  if (r.dryRun && r.diff) lines.push('', r.diff.trimEnd());
  return lines.join('\n');
}

export function install(opts: InstallCliOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const report = await runInstall(
      { handoffOrder: orderChoice(opts.handoffOrder), autostart: opts.autostart !== false, warp: opts.warp === true, dryRun: opts.dryRun === true },
      process.env,
    );
    if (opts.json) printJson(report);
    else printLine(formatInstallReport(report));
  });
}
