/**
 * `relay session …`: the conversation graph, like git branches. A session is a head over a chain
 * of messages; fork, merge and attach make edges; import brings in an agent CLI's own transcript;
 * context shows what a model is sent. The daemon owns the store; these are its views.
 */
import { resolve } from 'node:path';
import { descriptorOf, isKnownKind, KNOWN_KINDS, unavailableOnPath } from '../../adapters/registry.js';
import type { BusClient } from '../../bus/busClient.js';
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { contextPrompt } from '../../conversation/contextPrompt.js';
import { EXIT, RelayError } from '../../platform/errors.js';
import { relayPaths, userHome } from '../../platform/paths.js';
import type { ImportableAgent, SessionInfo } from '../../protocol/sessionProtocol.js';
import { renderSessionGraph } from '../../ui/sessionGraphView.js';
import { renderSessionLog } from '../../ui/sessionLogView.js';
import { formatContextPlan, formatSessionCreated, formatSessionDiff, formatSessionList, formatSessionShow, sessionLabel } from '../../ui/sessionViews.js';
import { clientEnv } from '../../client/clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';
import { askYesNo } from '../yesNoQuestion.js';
import { runAttached } from './wrap.js';

const IMPORTABLE: readonly ImportableAgent[] = ['claude', 'codex', 'gemini', 'opencode'];

/** Views fit the terminal they are printed on; piped output is 80 columns, like a terminal's default. */
function width(): number {
  return process.stdout.isTTY ? Math.max(40, process.stdout.columns || 80) : 80;
}

/** The colours of the graph only on a terminal, and never with NO_COLOR. */
function color(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

function request<R>(body: (c: BusClient) => Promise<R>): Promise<R> {
  return withDaemonClient(relayPaths(), body);
}

/** The one-line answer of a command that makes or changes a session, or its record with --json. */
function created(verb: string, json: boolean | undefined, session: SessionInfo, extra: Record<string, unknown> = {}): void {
  if (json) return printJson({ ...session, ...extra });
  printLine(formatSessionCreated(verb, session));
}

export function sessionList(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { sessions } = await request((c) => c.request('session.list', {}));
    if (opts.json) return printJson({ sessions });
    printLine(formatSessionList(sessions, Date.now(), width()));
  });
}

export function sessionShow(ref: string | undefined, opts: CommonOptions & { limit?: number }): Promise<number> {
  return runCommand(opts.json, async () => {
    const r = await request((c) => c.request('session.show', { ...(ref ? { ref } : {}), ...(opts.limit ? { limit: opts.limit } : {}) }));
    if (opts.json) return printJson(r);
    printLine(formatSessionShow(r, Date.now(), width()));
  });
}

export function sessionLog(ref: string | undefined, opts: CommonOptions & { limit?: number }): Promise<number> {
  return runCommand(opts.json, async () => {
    const r = await request((c) => c.request('session.show', { ...(ref ? { ref } : {}), ...(opts.limit ? { limit: opts.limit } : {}) }));
    if (opts.json) return printJson(r);
    printLine(renderSessionLog(r, { width: width(), color: color() }));
  });
}

export function sessionNew(words: string[], opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const name = words.join(' ').trim();
    const { session } = await request((c) => c.request('session.new', name ? { name } : {}));
    created('started', opts.json, session);
  });
}

export function sessionFork(ref: string | undefined, opts: CommonOptions & { at?: string; name?: string }): Promise<number> {
  return runCommand(opts.json, async () => {
    const { session } = await request((c) =>
      c.request('session.fork', { ...(ref ? { ref } : {}), ...(opts.at ? { at: opts.at } : {}), ...(opts.name ? { name: opts.name } : {}) }),
    );
    created('forked', opts.json, session);
  });
}

export function sessionMerge(refs: string[], opts: CommonOptions & { name?: string }): Promise<number> {
  return runCommand(opts.json, async () => {
    const { session } = await request((c) => c.request('session.merge', { refs, ...(opts.name ? { name: opts.name } : {}) }));
    created('merged into', opts.json, session);
  });
}

export function sessionAttach(source: string, opts: CommonOptions & { to?: string }): Promise<number> {
  return runCommand(opts.json, async () => {
    const r = await request((c) => c.request('session.attach', { source, ...(opts.to ? { target: opts.to } : {}) }));
    if (opts.json) return printJson(r);
    printLine(`attached #${r.edge.parentNumber ?? source} to ${sessionLabel(r.session)}: its context goes with #${r.session.number}'s from now on`);
  });
}

export function sessionImport(agent: string, id: string | undefined, opts: CommonOptions & { latest?: boolean; cwd?: string }): Promise<number> {
  return runCommand(opts.json, async () => {
    if (!IMPORTABLE.includes(agent as ImportableAgent)) {
      throw new RelayError('E_USAGE', `cannot import from ${agent}`, { hint: `relay session import ${IMPORTABLE.join('|')} [ID | --latest]` });
    }
    if (id && opts.latest) throw new RelayError('E_USAGE', 'give a session id or --latest, not both');
    const env = clientEnv();
    const r = await request((c) =>
      c.request('session.import', {
        agent: agent as ImportableAgent,
        ...(id ? { id } : {}),
        cwd: resolve(opts.cwd ?? process.cwd()),
        home: userHome(process.env),
        env,
      }),
    );
    if (opts.json) return printJson({ ...r.session, turns: r.turns, source: r.source, existed: r.existed });
    const what = r.existed
      ? r.turns > 0
        ? `added ${r.turns} new turn${r.turns === 1 ? '' : 's'} to`
        : 'already imported, nothing new:'
      : `imported ${r.turns} turn${r.turns === 1 ? '' : 's'} into`;
    printLine(formatSessionCreated(what, r.session));
  });
}

export function sessionContext(ref: string | undefined, opts: CommonOptions & { tokens?: number; request?: string }): Promise<number> {
  return runCommand(opts.json, async () => {
    const { plan } = await request((c) =>
      c.request('session.context', {
        ...(ref ? { ref } : {}),
        ...(opts.tokens ? { budgetTokens: opts.tokens } : {}),
        ...(opts.request ? { request: opts.request } : {}),
        cwd: process.cwd(),
      }),
    );
    if (opts.json) return printJson({ plan });
    printLine(formatContextPlan(plan, width()));
  });
}

export function sessionDiff(a: string, b: string, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const r = await request((c) => c.request('session.diff', { a, b }));
    if (opts.json) return printJson(r);
    printLine(formatSessionDiff(r, Date.now(), width()));
  });
}

export function sessionGraph(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const graph = await request((c) => c.request('session.graph', {}));
    if (opts.json) return printJson(graph);
    printLine(renderSessionGraph(graph, { width: width(), color: color() }));
  });
}

export function sessionRename(ref: string, words: string[], opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { session } = await request((c) => c.request('session.rename', { ref, name: words.join(' ') }));
    created('renamed', opts.json, session);
  });
}

/**
 * Deleting a conversation cannot be undone, so it is asked on a terminal and needs --yes
 * elsewhere. What other sessions were made from stays: their history never breaks.
 */
export function sessionDelete(ref: string, opts: CommonOptions & { yes?: boolean }): Promise<number> {
  return runCommand(opts.json, async () => {
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new RelayError('E_USAGE', `deleting session ${ref} cannot be undone`, { hint: `relay session delete ${ref} --yes` });
      const { session } = await request((c) => c.request('session.show', { ref, limit: 1 }));
      const yes = await askYesNo(`delete ${sessionLabel(session)} (${session.messages} messages)? [y/N] `, new AbortController().signal);
      if (!yes) {
        process.stderr.write('kept\n');
        return EXIT.usage;
      }
    }
    const { deleted } = await request((c) => c.request('session.delete', { ref }));
    if (opts.json) return printJson({ deleted });
    printLine(`deleted ${sessionLabel(deleted)}; what other sessions were made from it stays`);
  });
}

/**
 * Continue a session in an agent CLI: the assembled context becomes its first prompt, and it
 * runs supervised with this terminal attached, exactly as `relay wrap` runs it (limits, hooks,
 * handoff to the next in the order).
 */
export function sessionOpen(ref: string | undefined, opts: { in?: string; order?: string }): Promise<number> {
  return runCommand(false, async () => {
    const agent = opts.in;
    if (!agent || !isKnownKind(agent)) {
      throw new RelayError('E_USAGE', agent ? `cannot open a session in ${agent}` : 'open it in which agent?', {
        hint: `relay session open ${ref ?? '<session>'} --in ${KNOWN_KINDS.join('|')}`,
      });
    }
    const gap = unavailableOnPath(agent, process.env.PATH ?? '');
    if (gap) {
      const d = descriptorOf(agent);
      throw new RelayError('E_USAGE', gap.why === 'not_executable' ? `${gap.detail} is not executable` : `${agent} is not on this PATH`, {
        hint: `install it: npm install -g ${d.packages[0] ?? agent}`,
      });
    }
    const { plan } = await request((c) => c.request('session.context', { ...(ref ? { ref } : {}), cwd: process.cwd() }));
    const spec = descriptorOf(agent).launch({ prompt: contextPrompt(plan), cwd: process.cwd() });
    return runAttached({
      command: spec.command,
      args: spec.args,
      env: { ...clientEnv(), ...spec.env },
      ...(opts.order ? { order: opts.order } : {}),
      name: `session #${plan.session}`,
    });
  });
}
