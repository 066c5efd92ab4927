/**
 * How an agent's end is said, the same words in the daemon's errors (`relay stop` of an exited
 * agent) and the client's (`relay attach` to one): when, why and with which exit code.
 */
import type { AgentInfo } from './agentProtocol.js';

/** ` at 16:42:03` today, else with the date; empty when the time is not known. */
function endedWhen(a: AgentInfo): string {
  if (a.endedAt === undefined) return '';
  const at = new Date(a.endedAt);
  const today = new Date().toDateString() === at.toDateString();
  return ` at ${today ? at.toLocaleTimeString() : at.toLocaleString()}`;
}

/** `claude-1 exited at 16:42:03 (done, exit code 0)`, or that its daemon ended while it ran. */
export function describeAgentEnd(a: AgentInfo): string {
  if (a.exit) {
    const how = a.exit.code !== null ? `exit code ${a.exit.code}` : a.exit.signal ? `signal ${a.exit.signal}` : 'no exit code';
    return `${a.id} exited${endedWhen(a)} (${a.exit.reason}, ${how})`;
  }
  return `${a.id} ran under an earlier daemon, which ended while it was ${a.state} (last seen${endedWhen(a) || ' at an unknown time'})`;
}
