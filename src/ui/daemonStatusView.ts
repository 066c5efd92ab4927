/** Text views of the daemon's status for the terminal. */
import type { DaemonStatus } from '../protocol/requests.js';
import { formatDuration } from '../platform/duration.js';

export function formatDaemonStatus(s: DaemonStatus): string {
  const lines = [
    `relay daemon running (pid ${s.pid}, version ${s.version})`,
    `  home     ${s.home}`,
    `  uptime   ${formatDuration(s.uptimeMs)}`,
    `  memory   ${(s.rssBytes / 1024 / 1024).toFixed(1)} MB RSS`,
    `  events   ${s.lastSeq}`,
  ];
  for (const c of s.children) {
    lines.push(`  child    ${c.id} ${c.state}${c.pid ? ` pid ${c.pid}` : ''} restarts ${c.restarts}`);
  }
  return lines.join('\n');
}
