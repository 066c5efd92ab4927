/**
 * `relay remember | recall | forget | knowledge`: facts Relay keeps across sessions and puts in
 * front of every task they are relevant to. A fact belongs to the current project (its git root)
 * when there is one, else it is global; `--global` makes it global. `key: value` facts are
 * updated by remembering the key again. The daemon owns the store (the MCP tools use the same).
 */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { projectRoot } from '../../client/projectRoot.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import type { KnowledgeFact, StoredFact } from '../../protocol/knowledgeProtocol.js';
import { formatTable } from '../../ui/textTable.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

interface ScopeOptions extends CommonOptions {
  global?: boolean;
}

/** Where a fact goes: the git root as the project, or global (asked, or outside any project). */
function target(opts: ScopeOptions): { scope: 'global' | 'project'; cwd: string; where: string } {
  const root = opts.global ? undefined : projectRoot(process.cwd());
  return root ? { scope: 'project', cwd: root, where: `project ${root}` } : { scope: 'global', cwd: process.cwd(), where: 'global' };
}

function scopeText(scope: string): string {
  return scope === 'global' ? 'global' : scope.replace(/^project:/, '');
}

export function remember(words: string[], opts: ScopeOptions & { tag?: string[] }): Promise<number> {
  return runCommand(opts.json, async () => {
    const text = words.join(' ').trim();
    if (text === '') throw new RelayError('E_USAGE', 'nothing to remember', { hint: 'relay remember "deploy: make ship"' });
    const t = target(opts);
    const r = await withDaemonClient(relayPaths(), (c) =>
      c.request('knowledge.remember', { text, scope: t.scope, cwd: t.cwd, ...(opts.tag?.length ? { tags: opts.tag } : {}) }),
    );
    if (opts.json) return printJson(r);
    const what = r.updated ? `updated ${r.key}` : r.existed ? 'already known' : r.key ? `remembered ${r.key}` : 'remembered';
    printLine(`${what} (${t.where}, #${r.id})`);
  });
}

export function recall(words: string[], opts: CommonOptions & { limit?: number }): Promise<number> {
  return runCommand(opts.json, async () => {
    const query = words.join(' ').trim();
    if (query === '') throw new RelayError('E_USAGE', 'recall what?', { hint: 'relay recall deploy' });
    const { facts } = await withDaemonClient(relayPaths(), (c) =>
      c.request('knowledge.recall', { query, cwd: process.cwd(), ...(opts.limit ? { limit: opts.limit } : {}) }),
    );
    if (opts.json) return printJson({ facts });
    if (facts.length === 0) return printLine(`nothing remembered matches "${query}"`);
    printLine(factLines(facts).join('\n'));
  });
}

export function forget(key: string, opts: ScopeOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const t = target(opts);
    const r = await withDaemonClient(relayPaths(), (c) => c.request('knowledge.forget', { key, scope: t.scope, cwd: t.cwd }));
    if (opts.json) return printJson(r);
    if (r.forgotten === 0) {
      throw new RelayError('E_USAGE', `no fact named "${key}" in ${t.where}`, { hint: 'relay knowledge lists them (--global for the global ones)' });
    }
    printLine(`forgot ${key} (${t.where})`);
  });
}

export function knowledge(opts: CommonOptions & { all?: boolean }): Promise<number> {
  return runCommand(opts.json, async () => {
    const { facts } = await withDaemonClient(relayPaths(), (c) => c.request('knowledge.list', { cwd: process.cwd(), ...(opts.all ? { all: true } : {}) }));
    if (opts.json) return printJson({ facts });
    if (facts.length === 0) return printLine('nothing remembered here yet (relay remember "key: value")');
    printLine(factLines(facts).join('\n'));
  });
}

function factLines(facts: ReadonlyArray<StoredFact | KnowledgeFact>): string[] {
  return formatTable(
    ['ID', 'SCOPE', 'FACT'],
    facts.map((f) => [`#${f.id}`, scopeText(f.scope), f.text.replace(/\s+/g, ' ').slice(0, 200)]),
  );
}
