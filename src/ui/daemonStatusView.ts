/** Text views of the daemon's status for the terminal. */
import type { DaemonStatus } from '../bus/protocol.js';

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

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
