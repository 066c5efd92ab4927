/** `relay ps` as a table. */
import type { AgentInfo } from '../protocol/agentProtocol.js';
import { formatDuration } from '../platform/duration.js';

/** `16:42` today, `Dec 1 16:42` another day. */
function clockTime(at: number, now: number): string {
  const d = new Date(at);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  return d.toDateString() === new Date(now).toDateString() ? hm : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}`;
}

function stateOf(a: AgentInfo): string {
  if (a.previousRun && !a.exit) return 'unknown (its daemon ended)';
  const exit = a.exit ? ` (${a.exit.reason}${a.exit.code !== null ? ` ${a.exit.code}` : a.exit.signal ? ` ${a.exit.signal}` : ''})` : '';
  return a.state + exit;
}

/** A live agent's uptime; for one that ended, how long it ran and when it ended. */
function timeOf(a: AgentInfo, now: number): string {
  const ended = a.endedAt ?? (a.exit || a.previousRun ? undefined : null);
  if (ended === null) return `up ${formatDuration(now - a.startedAt)}`;
  if (ended === undefined) return 'ended';
  return `ran ${formatDuration(Math.max(0, ended - a.startedAt))}, ended ${clockTime(ended, now)}`;
}

/** `omitted`: exited agents left out (`relay ps` without `--all`), said below the table. */
export function formatAgentTable(agents: AgentInfo[], now: number, omitted = 0): string {
  const more = omitted > 0 ? [`(${omitted} older exited agent${omitted === 1 ? '' : 's'} not shown: relay ps --all)`] : [];
  if (agents.length === 0) return ['no agents', ...more].join('\n');
  const rows = agents.map((a) => [
    a.id + (a.previousRun ? '*' : ''),
    stateOf(a),
    a.pid === null || a.previousRun ? '-' : String(a.pid),
    timeOf(a, now),
    a.attached > 0 ? String(a.attached) : '-',
    a.relaySession ?? '-',
    [a.command, ...a.args].join(' ').slice(0, 60),
  ]);
  const head = ['AGENT', 'STATE', 'PID', 'TIME', 'ATTACHED', 'RELAY', 'COMMAND'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const earlier = agents.some((a) => a.previousRun) ? ['* ran under an earlier daemon (known from the store)'] : [];
  return [line(head), ...rows.map(line), ...earlier, ...more].join('\n');
}
