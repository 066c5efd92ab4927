/**
 * What `--explain` prints: for each worker call, every candidate the router looked at, whether
 * it was kept (and where in the try order) or dropped, each with its reason, and why the pick won.
 */
import type { RouteCandidate, RouteDecision } from '../protocol/providerProtocol.js';
import { formatMicros } from './money.js';
import { formatTable } from './textTable.js';

/** A call's estimated cost on a candidate: free ones say how they are paid for, not `$0.00`. */
function estimateOf(c: RouteCandidate): string {
  if (c.billing === 'local') return 'free (local)';
  if (c.billing === 'subscription') return 'subscription';
  return c.estimateMicros === undefined ? 'unpriced' : `~${formatMicros(c.estimateMicros)}`;
}

const sameModel = (a: { provider: string; model: string }, b: { provider: string; model: string }): boolean =>
  a.provider === b.provider && a.model === b.model;

/** `picked`, `kept #2` (the second to try), `dropped`. */
function verdictOf(c: RouteCandidate, d: RouteDecision): string {
  if (!c.kept) return 'dropped';
  if (d.pick && sameModel(c, d.pick)) return 'picked';
  const at = d.order.findIndex((o) => sameModel(o, c));
  return at < 0 ? 'kept' : `kept #${at + 1}`;
}

function decisionLines(d: RouteDecision): string[] {
  const head = d.pick
    ? `[${d.worker}] → ${d.pick.provider}/${d.pick.model}: ${d.why}`
    : `[${d.worker}] no candidate fits: ${d.why}`;
  const rows = d.candidates.map((c) => [verdictOf(c, d), `${c.provider}/${c.model}`, c.tier, estimateOf(c), c.why]);
  const lines = [head];
  if (rows.length === 0) lines.push('  no candidates: no usable provider (relay providers shows what was looked for)');
  else lines.push(...formatTable(['', 'MODEL', 'TIER', 'ESTIMATE', 'WHY'], rows).map((l) => `  ${l}`));
  const fallbacks = d.order.filter((o) => !d.pick || !sameModel(o, d.pick));
  if (d.pick) lines.push(`  then, if it fails: ${fallbacks.length > 0 ? fallbacks.map((o) => `${o.provider}/${o.model}`).join(', ') : 'nothing else fits'}`);
  return lines;
}

/**
 * The explanation of a plan: one block per worker call, in order. `task` is what the classifier
 * made of the text (intent and size), printed first when given.
 */
export function formatRouteExplain(steps: readonly RouteDecision[], task?: { intent: string; size: string }): string[] {
  const lines: string[] = [];
  if (task) lines.push(`task: ${task.intent}, ${task.size}; ${steps.length} step${steps.length === 1 ? '' : 's'}: ${steps.map((s) => s.worker).join(' → ')}`);
  steps.forEach((d, i) => {
    if (i > 0 || task) lines.push('');
    lines.push(...decisionLines(d));
  });
  return lines;
}
