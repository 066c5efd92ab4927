/**
 * What each part of the workspace says, as plain rows cut to a width in display columns: the
 * status bar, the side list, the input line and every overlay. Pure functions of the controller's
 * state, so they are tested without a terminal; the screen only paints them.
 */
import { formatMicros } from '../../platform/money.js';
import { formatCount, formatTable } from '../textTable.js';
import { cutToWidth, oneLine } from '../sessionViews.js';
import { MAX_DRAWN_LANES } from '../sessionGraphView.js';
import { COMMANDS, commandKeys } from './commandTable.js';
import type { WorkspaceController } from './workspaceController.js';
import { SETUP_OPTIONS, type Overlay } from './workspaceTypes.js';
import { displayWidth } from './wrappedText.js';
import type { CostReport, CostRow } from '../../protocol/providerProtocol.js';

/** A row and how to paint it. */
export interface ViewRow {
  text: string;
  style?: 'title' | 'selected' | 'dim' | 'error' | 'accent';
}

/** `text` padded with spaces to exactly `width` columns (cut first when wider). */
export function padToWidth(text: string, width: number): string {
  const cut = cutToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** `sess #31 · Derived: #12 #25 │ AUTO │ $0.12 / $5.00 today │ auto │ daemon ok`, cut to `width`. */
export function statusBar(c: WorkspaceController, width: number): string {
  const mode = c.mode === undefined ? '…' : tr(c, c.mode === 'edit' ? 'ui.status.modeEdit' : 'ui.status.modeAuto');
  const b = c.budget;
  const spent = b ? formatMicros(b.todayMicros) : undefined;
  const spend = !b ? undefined : b.limits.dailyMicros !== undefined ? tr(c, 'ui.status.spendOfLimit', { spent, limit: formatMicros(b.limits.dailyMicros) }) : tr(c, 'ui.status.spend', { spent });
  const provider = c.provider ?? tr(c, 'ui.status.providerAuto');
  const streaming = c.running ? tr(c, c.running.cancelling ? 'ui.status.cancelling' : 'ui.status.streaming') : undefined;
  const daemon = tr(c, c.linkState === 'up' ? 'ui.status.daemonUp' : c.linkState === 'lost' ? 'ui.status.daemonLost' : 'ui.status.daemonConnecting');
  const full = c.sessionLabel();
  const short = c.session ? tr(c, 'ui.status.session', { number: c.session.number }) : full;
  // From the whole bar to the least of it: the lineage goes first, then the provider, then the
  // streaming hint; the session number, mode, spend and the daemon's state stay to the end.
  const candidates = [
    [full, mode, spend, provider, streaming, daemon],
    [short, mode, spend, provider, streaming, daemon],
    [short, mode, spend, streaming, daemon],
    [short, mode, spend, streaming ? '…' : undefined, daemon],
    [short, mode, spend, daemon],
  ];
  for (const parts of candidates) {
    const text = ` ${parts.filter((p) => p !== undefined).join(' │ ')}`;
    if (displayWidth(text) <= width) return padToWidth(text, width);
  }
  return padToWidth(` ${candidates.at(-1)!.filter((p) => p !== undefined).join(' │ ')}`, width);
}

function tr(c: WorkspaceController, key: string, vars?: Record<string, unknown>): string {
  return c.translate(key, vars);
}

/** The side list: the daemon's agents with their states, then the workers. */
export function sideList(c: WorkspaceController, width: number, height: number): ViewRow[] {
  const rows: ViewRow[] = [{ text: padToWidth(tr(c, 'ui.side.agents'), width), style: 'title' }];
  const live = c.agents.filter((a) => !a.previousRun && a.state !== 'exited' && a.state !== 'crashed');
  if (live.length === 0) rows.push({ text: padToWidth(` ${tr(c, 'ui.side.noAgents')}`, width), style: 'dim' });
  for (const a of live) rows.push(...twoColumns(a.id, c.agentState(a), width, a.state === 'limited' ? 'error' : undefined));
  rows.push({ text: '' });
  rows.push({ text: padToWidth(tr(c, 'ui.side.workers'), width), style: 'title' });
  for (const w of c.workers) rows.push(...twoColumns(w.name, c.workerState(w), width, c.running?.worker === w.name ? 'accent' : 'dim'));
  return rows.slice(0, height);
}

/** A name and its state on one row, or the state on a row of its own under a name it does not fit beside. */
function twoColumns(name: string, state: string, width: number, style?: ViewRow['style']): ViewRow[] {
  const left = ` ${name}`;
  const fits = displayWidth(left) + 1 + displayWidth(state) <= width;
  if (!fits) {
    return [
      { text: cutToWidth(left, width), ...(style ? { style } : {}) },
      { text: padToWidth(`   ${cutToWidth(state, width - 3)}`, width), ...(style ? { style } : {}) },
    ];
  }
  const gap = width - displayWidth(left) - displayWidth(state);
  return [{ text: `${left}${' '.repeat(gap)}${state}`, ...(style ? { style } : {}) }];
}

/** A centred overlay: its title and rows (the screen draws the border). */
export interface OverlayContent {
  title: string;
  rows: ViewRow[];
  hint: string;
}

export function overlayContent(c: WorkspaceController, o: Overlay, width: number, height: number): OverlayContent {
  const t = (k: string, v?: Record<string, unknown>): string => tr(c, k, v);
  const room = Math.max(1, height - 2);
  switch (o.kind) {
    case 'palette': {
      const rows: ViewRow[] = [{ text: `> ${o.query.text}`, style: 'accent' }];
      if (o.items.length === 0) rows.push({ text: t('ui.palette.none'), style: 'dim' });
      for (const [i, item] of window(o.items, o.selected, room - 1)) {
        const keys = item.keys;
        const gap = Math.max(1, width - displayWidth(item.title) - displayWidth(keys) - 2);
        rows.push({ text: cutToWidth(` ${item.title}${' '.repeat(gap)}${keys}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) });
      }
      return { title: t('ui.palette.title'), rows, hint: t('ui.palette.filter') };
    }
    case 'sessions': {
      const rows: ViewRow[] = [{ text: t('ui.sessions.search', { query: o.query.text }), style: 'accent' }];
      if (o.shown.length === 0) rows.push({ text: t('ui.sessions.none'), style: 'dim' });
      for (const [i, s] of window(o.shown, o.selected, room - 1)) {
        const name = s.name ? ` ${oneLine(s.name, 24)}` : '';
        const current = s.current ? ` (${t('ui.sessions.current')})` : '';
        const text = `#${s.number}${name} · ${t('ui.sessions.messages', { count: s.messages })}${s.lineage ? ` · ${s.lineage}` : ''}${current}`;
        rows.push({ text: cutToWidth(` ${text}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) });
      }
      return { title: t('ui.sessions.title'), rows, hint: t('ui.sessions.hint') };
    }
    case 'graph': {
      if (!o.rows.some((r) => r.node)) return { title: t('ui.graph.title'), rows: [{ text: t('ui.graph.none'), style: 'dim' }], hint: t('ui.graph.hint') };
      const rows: ViewRow[] = [];
      const laneCols = Math.min(2 * MAX_DRAWN_LANES, Math.max(...o.rows.map((r) => r.glyphs.length)) + 1);
      for (const [i, r] of window(o.rows, o.selected, room)) {
        const glyphs = r.glyphs.slice(0, 2 * MAX_DRAWN_LANES - 1).padEnd(laneCols);
        if (!r.node) {
          rows.push({ text: glyphs.trimEnd(), style: 'dim' });
          continue;
        }
        const n = r.node;
        const name = n.name ? ` ${oneLine(n.name, 20)}` : '';
        const current = n.id === c.session?.id ? `  ◀` : '';
        const label = `#${n.number}${name} · ${t('ui.sessions.messages', { count: n.messages })}${r.lineage ? ` · ${r.lineage}` : ''}${current}`;
        rows.push({ text: cutToWidth(`${glyphs}${label}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) });
      }
      return { title: t('ui.graph.title'), rows, hint: t('ui.graph.hint') };
    }
    case 'knowledge': {
      const rows: ViewRow[] = [{ text: `> ${o.query.text}`, style: 'accent' }];
      if (o.facts.length === 0) rows.push({ text: t('ui.knowledge.none'), style: 'dim' });
      for (const [i, f] of window(o.facts, o.selected, room - 1)) {
        const scope = f.scope === 'global' ? '' : `[${f.scope.replace(/^project:/, '')}] `;
        rows.push({ text: cutToWidth(` ${scope}${oneLine(f.text, width * 2)}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) });
      }
      return { title: t('ui.knowledge.title'), rows, hint: t('ui.knowledge.hint') };
    }
    case 'cost': {
      const limit = (m: number | undefined): string => (m === undefined ? t('ui.cost.noLimit') : formatMicros(m));
      const l = o.budget.limits;
      const rows: ViewRow[] = [
        { text: `${t('ui.cost.today')}: ${formatMicros(o.report.todayMicros)}   ${t('ui.cost.daily')}: ${limit(l.dailyMicros)}`, style: 'accent' },
        { text: `${t('ui.cost.month')}: ${formatMicros(o.report.monthMicros)}   ${t('ui.cost.monthly')}: ${limit(l.monthlyMicros)}`, style: 'accent' },
        { text: `${t('ui.cost.task')}: ${limit(l.taskMicros)}` },
        ...costTables(o.report, t).map((line) => ({ text: cutToWidth(line, width) })),
      ];
      return { title: t('ui.cost.title'), rows: rows.slice(0, room), hint: t('ui.cost.hint') };
    }
    case 'help':
      return { title: t('ui.help.title'), rows: helpRows(c, width).slice(0, room), hint: t('ui.help.hint') };
    case 'confirm': {
      const p = o.plan;
      const rows: ViewRow[] = [
        { text: `${t('ui.confirm.worker')}: ${p.worker}` },
        { text: `${t('ui.confirm.provider')}: ${p.provider}` },
        { text: `${t('ui.confirm.model')}: ${p.model}` },
        { text: `${t('ui.confirm.tokens')}: ${p.inputTokens}` },
        { text: `${t('ui.confirm.estimate')}: ${c.conversation.costText(p.provider, p.model, p.estimateMicros)}`, style: 'accent' },
      ];
      return { title: t('ui.confirm.title'), rows, hint: t('ui.confirm.keys') };
    }
    case 'agents': {
      const rows: ViewRow[] = [];
      for (const [i, a] of window(o.agents, o.selected, room)) {
        rows.push({ text: cutToWidth(` ${a.id}  ${c.agentState(a)}  ${a.cwd}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) });
      }
      return { title: t('ui.agents.title'), rows, hint: t('ui.agents.hint') };
    }
    case 'setup': {
      const rows: ViewRow[] = [{ text: t('ui.setup.lookedFor'), style: 'title' }];
      for (const l of o.lookedFor) rows.push({ text: cutToWidth(` ${l.found ? '✓' : '✗'} ${l.what}${l.found ? '' : ` — ${l.howToAdd}`}`, width), style: l.found ? 'accent' : 'dim' });
      rows.push({ text: t('ui.setup.found'), style: 'title' });
      if (o.found.length === 0) rows.push({ text: ` ${t('ui.setup.nothingFound')}`, style: 'dim' });
      for (const p of o.found) rows.push({ text: cutToWidth(` ${p.name}: ${p.why}`, width), style: 'dim' });
      rows.push({ text: '' }, { text: t('ui.setup.choose'), style: 'title' });
      SETUP_OPTIONS.forEach((name, i) => rows.push({ text: cutToWidth(` ${i === o.selected ? '›' : ' '} ${t(`ui.setup.option${name}`)}`, width), ...(i === o.selected ? { style: 'selected' as const } : {}) }));
      // The choices matter most: when the list is long, the looked-for rows give way.
      const extra = rows.length - room;
      return { title: t('ui.setup.title'), rows: extra > 0 ? rows.slice(extra) : rows, hint: t('ui.setup.keys') };
    }
    case 'agent':
      return { title: o.name, rows: [], hint: t('ui.agents.attached', { agent: o.name }) };
  }
}

/** Where the money went, by provider, model, worker and day, with the headings in the user's language. */
function costTables(report: CostReport, t: (k: string) => string): string[] {
  const groups = [
    ['ui.cost.byProvider', report.byProvider],
    ['ui.cost.byModel', report.byModel],
    ['ui.cost.byWorker', report.byWorker],
    ['ui.cost.byDay', report.byDay],
  ] as const;
  if (groups.every(([, rows]) => rows.length === 0)) return ['', t('ui.cost.noCalls')];
  const head = ['', t('ui.cost.calls'), t('ui.cost.inputTokens'), t('ui.cost.outputTokens'), t('ui.cost.amount')];
  const cost = (r: CostRow): string => (r.unpricedCalls === r.calls && r.calls > 0 ? t('ui.conversation.unpriced') : formatMicros(r.costMicros));
  return groups.flatMap(([title, rows]) =>
    rows.length === 0
      ? []
      : ['', t(title), ...formatTable(head, rows.map((r) => [r.key, formatCount(r.calls), formatCount(r.inputTokens), formatCount(r.outputTokens), cost(r)]), [1, 2, 3, 4]).map((l) => `  ${l}`)],
  );
}

/** Help: the keys, then every command with its chord, key and slash form (from the one table). */
export function helpRows(c: WorkspaceController, width: number): ViewRow[] {
  const t = (k: string): string => tr(c, k);
  const rows: ViewRow[] = [{ text: cutToWidth(t('help.intro'), width) }, { text: '' }, { text: t('ui.help.keys'), style: 'title' }];
  for (const k of ['enter', 'palette', 'chords', 'tab', 'scroll', 'quit']) rows.push({ text: cutToWidth(` ${t(`help.${k}`)}`, width) });
  rows.push({ text: '' }, { text: t('ui.help.commands'), style: 'title' });
  const forms = COMMANDS.map((command) => {
    const args = 'args' in command ? ` ${t(`help.args.${command.id}`)}` : '';
    return { command, form: `${commandKeys(command).join('  ')}${args}` };
  });
  // One column for how to run each command, as wide as the widest (up to half the screen).
  const keyCols = Math.min(Math.floor(width / 2), Math.max(...forms.map((f) => displayWidth(f.form))));
  for (const { command, form } of forms) {
    const lead = displayWidth(form) > keyCols ? form : padToWidth(form, keyCols);
    rows.push({ text: cutToWidth(` ${lead}  ${t(`ui.commands.${command.id}`)}`, width) });
  }
  return rows;
}

/** The items around `selected` that fit in `room` rows, with their indexes. */
function window<T>(items: readonly T[], selected: number, room: number): Array<[number, T]> {
  const n = Math.max(1, room);
  const start = Math.max(0, Math.min(selected - Math.floor(n / 2), items.length - n));
  return items.slice(start, start + n).map((item, i) => [start + i, item]);
}
