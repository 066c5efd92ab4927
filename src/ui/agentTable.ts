/** `relay ps` as a table. */
import type { AgentInfo } from '../protocol/agentProtocol.js';
import { formatDuration } from '../platform/duration.js';

export function formatAgentTable(agents: AgentInfo[], now: number): string {
  if (agents.length === 0) return 'no agents';
  const rows = agents.map((a) => [
    a.id,
    a.state + (a.exit ? ` (${a.exit.reason}${a.exit.code !== null ? ` ${a.exit.code}` : ''})` : ''),
    a.pid === null ? '-' : String(a.pid),
    formatDuration(now - a.startedAt),
    a.attached > 0 ? String(a.attached) : '-',
    a.relaySession ?? '-',
    [a.command, ...a.args].join(' ').slice(0, 60),
  ]);
  const head = ['AGENT', 'STATE', 'PID', 'UP', 'ATTACHED', 'RELAY', 'COMMAND'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
