/** The terminal view of `relay doctor`: one line per check, its fix beneath it, then a tally. */
import type { CheckResult, CheckStatus } from '../client/doctorCheck.js';

const STATUS_WIDTH = 6;
/** Wide enough for every current id; a longer one widens the column instead of breaking it. */
const MIN_ID_WIDTH = 12;
const STATUSES: readonly CheckStatus[] = ['ok', 'warn', 'fail'];

/** How many results have each status. */
function countByStatus(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/**
 * The report, e.g.
 * ```
 *   ok    daemon      running (pid 123, up 5m 2s)
 *   warn  agents      no agent CLI on PATH …
 *                     → install an agent CLI …
 *
 * 6 ok, 1 warn, 0 fail
 * ```
 */
export function formatDoctorReport(results: readonly CheckResult[]): string {
  const idWidth = Math.max(MIN_ID_WIDTH, ...results.map((r) => r.id.length + 2));
  const fixIndent = ' '.repeat(2 + STATUS_WIDTH + idWidth);
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`  ${r.status.padEnd(STATUS_WIDTH)}${r.id.padEnd(idWidth)}${r.detail}`);
    if (r.status !== 'ok' && r.fix) lines.push(`${fixIndent}→ ${r.fix}`);
  }
  const counts = countByStatus(results);
  lines.push('', STATUSES.map((s) => `${counts[s]} ${s}`).join(', '));
  return lines.join('\n');
}
