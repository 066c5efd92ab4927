/**
 * The text each tool returns, written for a model to read: short, labelled lines, ids it can
 * pass back to another tool, and what to do next when there is nothing to show.
 */
import type { AgentInfo } from '../protocol/agentProtocol.js';
import type { KnowledgeFact } from '../protocol/knowledgeProtocol.js';
import type { DaemonStatus } from '../protocol/requests.js';
import type { HandoffResult, RelaySessionInfo } from '../protocol/relayProtocol.js';
import { formatDuration } from '../platform/duration.js';
import type { KnowledgeScope } from '../protocol/knowledgeProtocol.js';
import { formatAgentTable } from '../ui/agentTable.js';
import { formatDaemonStatus } from '../ui/daemonStatusView.js';
import type { LatestSnapshot } from './snapshotReader.js';

/** Long tasks are cut in the status overview; the snapshot has the whole text. */
const TASK_PREVIEW_CHARS = 120;

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function relaySessionLine(s: RelaySessionInfo, now: number): string {
  const parts = [
    `${s.id}  ${s.state}`,
    `active ${s.activeAgent ?? '-'}${s.activeName ? ` (${s.activeName})` : ''}`,
    `order ${s.order.join(' → ')}`,
    `cwd ${s.cwd}`,
    `started ${formatDuration(Math.max(0, now - s.createdAt))} ago`,
  ];
  if (s.resumeAt !== null) parts.push(`resumes ${new Date(s.resumeAt).toISOString()}`);
  if (s.task) parts.push(`task "${oneLine(s.task, TASK_PREVIEW_CHARS)}"`);
  return `  ${parts.join('  ')}`;
}

/** The `status` tool: the daemon, its agents and the relay sessions. */
export function statusText(daemon: DaemonStatus, agents: AgentInfo[], sessions: RelaySessionInfo[], now: number): string {
  return [
    formatDaemonStatus(daemon),
    '',
    `agents (${agents.length}):`,
    formatAgentTable(agents, now),
    '',
    `relay sessions (${sessions.length}):`,
    ...(sessions.length === 0 ? ['  none (relay wrap <agent> starts one)'] : sessions.map((s) => relaySessionLine(s, now))),
  ].join('\n');
}

/** The `latest_snapshot` tool: what the snapshot is about, where it lives, then its Markdown. */
export function snapshotText(found: LatestSnapshot, now: number): string {
  const s = found.snapshot;
  const head = [
    `Snapshot ${s.id} of relay session ${s.relaySession}: ${s.fromAgent} → ${s.toAgent ?? '(waiting for an agent)'}, reason ${s.reason}`,
    `Written ${new Date(s.createdAt).toISOString()} (${formatDuration(Math.max(0, now - s.createdAt))} ago)` +
      (s.limitedUntil === null ? '' : `; ${s.fromAgent} is limited until ${new Date(s.limitedUntil).toISOString()}`),
    `File: ${s.path}`,
  ];
  const tail = found.truncated ? `\n\n[… cut here; the whole snapshot is in ${s.path}]` : '';
  return `${head.join('\n')}\n\n${found.markdown.trimEnd()}${tail}`;
}

/** The `latest_snapshot` tool when there is none: a plain answer and where one comes from. */
export function noSnapshotText(relaySession: string | undefined): string {
  return relaySession
    ? `No handoff snapshot for relay session ${relaySession}. The status tool lists the relay sessions; a snapshot is written each time one hands off.`
    : 'No handoff snapshot yet: Relay writes one each time a relay session hands off (on a limit, or through handoff_now).';
}

/** The `handoff_now` tool: who took over (or when the session resumes) and the snapshot. */
export function handoffText(r: HandoffResult): string {
  if (r.stranded) {
    const when = r.resumeAt === null ? 'when an agent becomes available' : `at ${new Date(r.resumeAt).toISOString()}`;
    return `Relay session ${r.relaySession}: no agent can take over now; it resumes ${when}. Snapshot ${r.snapshot.id} (${r.snapshot.path}).`;
  }
  return `Relay session ${r.relaySession} handed off: ${r.from} → ${r.to} (${r.toName}). Snapshot ${r.snapshot.id} (${r.snapshot.path}); the user can attach with: relay attach ${r.to}`;
}

function scopeLabel(scope: KnowledgeScope): string {
  return scope === 'global' ? 'global' : `project ${scope.slice('project:'.length)}`;
}

/** The `remember` tool: the fact's id and scope, and whether it was known already. */
export function rememberedText(r: { id: number; scope: KnowledgeScope; existed: boolean }): string {
  return r.existed
    ? `Already remembered as fact #${r.id} (${scopeLabel(r.scope)}); any new tags were added to it.`
    : `Remembered as fact #${r.id} (${scopeLabel(r.scope)}).`;
}

/** The `recall` tool: the facts, best first, or what was searched when nothing matched. */
export function factsText(query: string, facts: KnowledgeFact[], cwd: string): string {
  if (facts.length === 0) {
    return `No remembered fact matches "${oneLine(query, 200)}" (searched the global facts and those of the projects containing ${cwd}).`;
  }
  const lines = facts.map((f) => {
    const tags = f.tags.length > 0 ? ` (tags: ${f.tags.join(', ')})` : '';
    // Continuation lines are indented so each fact stays one visible block.
    return `#${f.id} [${scopeLabel(f.scope)}]${tags}\n  ${f.text.replace(/\n/g, '\n  ')}`;
  });
  return `${facts.length} remembered fact${facts.length === 1 ? '' : 's'}, most relevant first:\n${lines.join('\n')}`;
}
