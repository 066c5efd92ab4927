/** `relay workers`: the roles a task can go to, what each needs from a model, and where it is defined. */
import type { WorkerInfo } from '../protocol/providerProtocol.js';
import { formatTable, formatTokens } from './textTable.js';

export function formatWorkerTable(workers: readonly WorkerInfo[]): string[] {
  if (workers.length === 0) return ['no workers'];
  const rows = workers.map((w) => [
    w.name,
    w.tier,
    formatTokens(w.minContextTokens),
    w.intents.length > 0 ? w.intents.join(',') : '-',
    w.source,
    w.description,
  ]);
  const lines = formatTable(['WORKER', 'TIER', 'CONTEXT', 'INTENTS', 'SOURCE', 'DESCRIPTION'], rows, [2]);
  lines.push('', 'TIER and CONTEXT: the least a model must offer; add or change workers under workers: in config.yaml');
  return lines;
}
