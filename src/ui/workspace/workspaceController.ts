/**
 * The workspace's behaviour, without a terminal: what a key does, how the screen follows the
 * daemon's sessions and tasks, and what it shows (read by the renderer after each change; what
 * each command does is workspaceCommands.ts). Everything that
 * matters lives in the daemon — the sessions, the running tasks, the agents — so this holds
 * only what is on screen, and a second workspace, or this one reopened, shows the same thing.
 */
import type { RelayMode } from '../../config/modeSetting.js';
import { formatClockTime } from '../../platform/duration.js';
import { RelayError } from '../../platform/errors.js';
import type { AgentInfo } from '../../protocol/agentProtocol.js';
import type { EventRecord } from '../../protocol/eventRecord.js';
import {
  TOPIC_TASKS,
  type BudgetState,
  type LiveTask,
  type ProviderInfo,
  type ProviderLookup,
  type TaskAnnouncement,
  type TaskMessage,
  type TaskResult,
  type WorkerInfo,
} from '../../protocol/providerProtocol.js';
import type { SessionInfo } from '../../protocol/sessionProtocol.js';
import type { Localization } from '../i18n/i18n.js';
import type { GraphRow } from '../sessionGraphView.js';
import { COMMANDS, commandByChord, parseSlash, type Command, type CommandActions, type CommandId } from './commandTable.js';
import { ConversationModel } from './conversationModel.js';
import { filterCommands, filterSessions } from './fuzzyFilter.js';
import { InputLine } from './inputLine.js';
import { commandActions } from './workspaceCommands.js';
import type { LinkState } from './workspaceLink.js';
import { SETUP_OPTIONS, type CommandHost, type Key, type Overlay, type SetupOption, type WorkspaceEnv } from './workspaceTypes.js';

/** How long a task may run; a team of slow calls can take hours. */
const TASK_TIMEOUT_MS = 6 * 60 * 60 * 1000;
/** Messages of tasks not known yet (heard before their announcement) kept at most. */
const UNKNOWN_TASK_MESSAGES = 10_000;

interface Running {
  taskId: string;
  /** Started by this workspace (its Esc cancels it; its result replaces nothing). */
  mine: boolean;
  worker?: string;
  cancelling?: boolean;
}

function isTaskMessage(value: unknown): value is TaskMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { kind?: unknown; seq?: unknown };
  return typeof m.kind === 'string' && typeof m.seq === 'number';
}

function errorText(e: unknown, l10n: Localization): string {
  const err = e as { code?: string; message?: string; hint?: string };
  const message = err.message ?? String(e);
  const key = `errors.${err.code ?? ''}`;
  const text = err.code && l10n.t(key, { message }) !== key ? l10n.t(key, { message }) : l10n.t('errors.generic', { message });
  return err.hint ? `${text} (${err.hint})` : text;
}

export class WorkspaceController implements CommandHost {
  readonly conversation: ConversationModel;
  readonly input: InputLine;
  overlay: Overlay | null = null;
  session: SessionInfo | undefined;
  /** The mode in config.yaml; undefined until it has been read (just after the first frame). */
  mode: RelayMode | undefined;
  /** undefined: auto (the router picks). */
  provider: string | undefined;
  providers: ProviderInfo[] = [];
  budget: BudgetState | undefined;
  agents: AgentInfo[] = [];
  workers: WorkerInfo[] = [];
  /** Agent id → when its limit lifts (from `rate_limited` events). */
  readonly limitedUntil = new Map<string, number>();
  running: Running | undefined;
  /** Waiting for the key after Ctrl+X. */
  chord = false;
  /** One line under the conversation: what the last action did. */
  notice: { text: string; kind: 'info' | 'error' } | undefined;
  linkState: LinkState = 'connecting';
  /** Rows of the conversation pane (the screen sets it): what PageUp/PageDown move by. */
  pageRows = 20;
  private readonly actions: CommandActions;
  /** Tasks of the shown session that run now, by id (their messages are drawn). */
  private readonly live = new Map<string, { startedAt: number }>();
  private readonly unknown = new Map<string, TaskMessage[]>();
  private unknownCount = 0;
  private agentsRefresh: NodeJS.Timeout | undefined;
  /** The first-run screen was offered (once per run). */
  private setupShown = false;
  private readonly t: Localization['t'];

  constructor(
    private readonly w: WorkspaceEnv,
    width: number,
  ) {
    this.t = w.l10n.t;
    this.conversation = new ConversationModel(this.t, width);
    this.input = new InputLine(w.history ?? []);
    this.actions = commandActions(this, w);
  }

  // ---- the daemon's side ----

  /** The link came up (load everything) or went down (say so; keep what is on screen). */
  async linkChanged(state: LinkState, why?: string): Promise<void> {
    const was = this.linkState;
    this.linkState = state;
    if (state === 'lost') {
      if (this.running) this.running = undefined;
      this.say(why ? `${this.t('errors.daemonLost')}: ${why}` : this.t('errors.daemonLost'), 'error');
    }
    if (state === 'up') {
      if (was === 'lost') this.say(this.t('errors.daemonBack'));
      await this.reload();
    }
    this.w.changed();
  }

  /** Everything shown, read again: the session and its live tasks, agents, workers, budget, providers. */
  async reload(): Promise<void> {
    const { link } = this.w;
    try {
      const [{ sessions }, { workers }] = await Promise.all([link.request('session.list', {}), link.request('workers.list', {})]);
      this.workers = workers;
      const keep = this.session && sessions.find((s) => s.id === this.session!.id);
      const current = keep ?? sessions.find((s) => s.current);
      await this.show(current?.id);
      const [, , detection] = await Promise.all([this.refreshAgents(), this.refreshBudget(), this.refreshProviders()]);
      // Nothing can answer a task yet: say what was looked for and how to add something.
      if (detection && this.providers.length === 0 && !this.setupShown && !this.overlay) {
        this.setupShown = true;
        this.overlay = { kind: 'setup', lookedFor: detection.lookedFor, found: detection.providers, selected: 0 };
      }
    } catch (e) {
      this.say(errorText(e, this.w.l10n), 'error');
    }
    this.w.changed();
  }

  /** Show a session (`12`, `#12`, an id; undefined: none yet, the next task starts one) with its running tasks. */
  async show(ref: string | undefined): Promise<void> {
    const { link } = this.w;
    if (!ref) {
      this.live.clear();
      this.session = undefined;
      this.conversation.reset();
      return;
    }
    // Read first: a ref that names nothing leaves what is shown as it was.
    const shown = await link.request('session.show', { ref });
    const { tasks } = await link.request('task.list', { session: shown.session.id });
    this.live.clear();
    this.session = shown.session;
    // A running task's request and finished steps are stored already: drawn from its replay instead.
    const firstLive = Math.min(...tasks.map((x) => x.startedAt));
    this.conversation.load(shown.messages.filter((m) => m.createdAt < firstLive));
    for (const task of tasks.sort((a, b) => a.startedAt - b.startedAt)) this.follow(task, true);
  }

  /**
   * Draw a running task from now on. `replay`: its request is drawn again (the view was rebuilt
   * from the store without it); otherwise only another client's task needs its request drawn —
   * this workspace drew its own when it sent it.
   */
  private follow(task: LiveTask | Omit<LiveTask, 'messages'>, replay = false): void {
    if (this.live.has(task.taskId)) return;
    this.live.set(task.taskId, { startedAt: task.startedAt });
    if (replay || this.running?.taskId !== task.taskId) this.conversation.addUser(task.text);
    if (!this.running) this.running = { taskId: task.taskId, mine: false };
    for (const m of 'messages' in task ? task.messages : []) this.taskMessage(task.taskId, m);
    for (const m of this.unknown.get(task.taskId) ?? []) this.taskMessage(task.taskId, m);
    this.unknownCount -= this.unknown.get(task.taskId)?.length ?? 0;
    this.unknown.delete(task.taskId);
  }

  /** A message on `tasks` or `task:<id>`. */
  onTask(topic: string, value: unknown): void {
    if (topic === TOPIC_TASKS) return this.announcement(value as TaskAnnouncement);
    if (!topic.startsWith('task:') || !isTaskMessage(value)) return;
    const taskId = topic.slice('task:'.length);
    if (!this.live.has(taskId)) {
      // Heard before its announcement (the two travel apart): kept until it says whose it is.
      if (this.unknownCount >= UNKNOWN_TASK_MESSAGES) return;
      const list = this.unknown.get(taskId) ?? [];
      list.push(value);
      this.unknown.set(taskId, list);
      this.unknownCount++;
      return;
    }
    this.taskMessage(taskId, value);
    this.w.changed();
  }

  private announcement(a: TaskAnnouncement): void {
    if (a.kind === 'started') {
      if (a.task.session && this.session?.id === a.task.session.id) this.follow(a.task);
      else if (a.task.session && !this.session && this.running?.taskId === a.task.taskId) {
        // This workspace's first task made the session: it is the one shown from now on.
        this.follow(a.task);
        void this.refreshSession(a.task.session.id);
      }
      else {
        this.unknownCount -= this.unknown.get(a.task.taskId)?.length ?? 0;
        this.unknown.delete(a.task.taskId);
      }
    } else {
      this.unknownCount -= this.unknown.get(a.taskId)?.length ?? 0;
      this.unknown.delete(a.taskId);
      if (this.live.delete(a.taskId) && this.running?.taskId === a.taskId && !this.running.mine) {
        this.running = undefined;
        void this.refreshSession();
      }
      void this.refreshBudget();
    }
    this.w.changed();
  }

  private taskMessage(taskId: string, m: TaskMessage): void {
    if (m.seq <= this.conversation.lastSeq(taskId)) return;
    if (m.kind === 'confirm' && this.running?.taskId === taskId) this.overlay = { kind: 'confirm', taskId, step: m.step, plan: m.plan };
    if (this.running?.taskId === taskId) {
      if (m.kind === 'call') this.running.worker = m.worker;
      if (m.kind === 'step-done') delete this.running.worker;
    }
    this.conversation.apply(taskId, m);
  }

  onEvent(e: EventRecord): void {
    if (e.type === 'rate_limited') {
      const p = e.payload as { agent?: unknown; resetAt?: unknown };
      if (typeof p.agent === 'string' && typeof p.resetAt === 'number') this.limitedUntil.set(p.agent, p.resetAt);
    }
    if (/^(agent|pty|relay|handoff|rate_limited|supervisor)/.test(e.type)) this.scheduleAgents();
    if (e.type.startsWith('budget.')) void this.refreshBudget();
  }

  /** Events come in bursts (a handoff is a dozen): one agent.list for the burst. */
  private scheduleAgents(): void {
    if (this.agentsRefresh) return;
    this.agentsRefresh = setTimeout(() => {
      this.agentsRefresh = undefined;
      void this.refreshAgents().then(() => this.w.changed());
    }, 100);
    this.agentsRefresh.unref();
  }

  /** Read the daemon's agents again. */
  async refreshAgents(): Promise<void> {
    try {
      this.agents = (await this.w.link.request('agent.list', {})).agents;
    } catch {
      // The next event or reconnect reads them again.
    }
  }

  private async refreshBudget(): Promise<void> {
    try {
      this.budget = await this.w.link.request('budget.show', {});
      this.w.changed();
    } catch {
      // Shown as unknown until the next read.
    }
  }

  /** Detect the providers again (with this workspace's environment); what was looked for and found. */
  async refreshProviders(): Promise<{ providers: ProviderInfo[]; lookedFor: ProviderLookup[] } | undefined> {
    try {
      const detection = await this.w.link.request('providers.list', { env: this.w.env });
      this.providers = detection.providers.filter((p) => p.usable);
      return detection;
    } catch {
      this.providers = [];
      return undefined;
    }
  }

  /**
   * Read a session's header again (its message count, lineage). It becomes the shown one only
   * when none was (the first task made it); a session switched away from is left alone.
   */
  private async refreshSession(id: string | undefined = this.session?.id): Promise<void> {
    if (!id || (this.session && this.session.id !== id)) return;
    try {
      const { session } = await this.w.link.request('session.show', { ref: id, limit: 1 });
      if (!this.session || this.session.id === session.id) this.session = session;
    } catch {
      // Still shown as it was.
    }
    this.w.changed();
  }

  // ---- keys ----

  key(k: Key): void {
    const o = this.overlay;
    if (o?.kind === 'agent') return this.agentKey(o, k);
    if (k.full === 'C-c') return this.actions['app.quit']('') as void;
    if (this.chord) {
      this.chord = false;
      const command = commandByChord(k.ch ?? k.full);
      if (command) this.run(command, '');
      else if (k.full !== 'escape') this.say(this.t('ui.chord.unknown', { key: k.ch ?? k.full }), 'error');
      return this.w.changed();
    }
    if (k.full === 'C-x') {
      this.chord = true;
      this.say(this.t('ui.chord.pending'));
      return this.w.changed();
    }
    if (k.full === 'C-p') {
      this.openPalette();
      return this.w.changed();
    }
    this.notice = undefined;
    if (o) this.overlayKey(o, k);
    else this.mainKey(k);
    this.w.changed();
  }

  /** A bracketed paste: the whole text, newlines and all, to whatever has the focus. */
  paste(text: string): void {
    const o = this.overlay;
    if (o?.kind === 'agent') return o.view.send(`\u001b[200~${text}\u001b[201~`);
    if (o && 'query' in o) {
      o.query.insert(text.replace(/\n/g, ' '));
      this.filterOverlay(o);
    } else if (!o) this.input.insert(text);
    this.w.changed();
  }

  private mainKey(k: Key): void {
    const input = this.input;
    switch (k.full) {
      case 'enter':
      case 'return':
        return this.submit();
      case 'escape':
        if (this.running) this.cancel();
        else input.clear();
        return;
      case 'up':
        return input.previous();
      case 'down':
        return input.next();
      case 'pageup':
        return this.conversation.scroll(Math.max(1, this.pageRows - 1), this.pageRows);
      case 'pagedown':
        return this.conversation.scroll(-Math.max(1, this.pageRows - 1), this.pageRows);
      case 'tab':
        return this.run(COMMANDS.find((c) => c.id === 'provider.next')!, '');
      default:
        if (!editKey(input, k)) this.typed(input, k);
    }
  }

  private typed(input: InputLine, k: Key): void {
    const ch = k.ch;
    if (ch && !/^[\u0000-\u001f\u007f]/.test(ch) && !k.full.startsWith('C-') && !k.full.startsWith('M-')) input.insert(ch);
  }

  private overlayKey(o: Overlay, k: Key): void {
    if (k.full === 'escape') {
      this.overlay = null;
      if (o.kind === 'confirm') this.answer(o, false);
      return;
    }
    switch (o.kind) {
      case 'confirm':
        if (k.ch === 'y' || k.ch === 'Y') return this.answer(o, true);
        if (k.ch === 'n' || k.ch === 'N' || k.full === 'enter' || k.full === 'return') return this.answer(o, false);
        return;
      case 'setup':
        if (k.full === 'up') o.selected = Math.max(0, o.selected - 1);
        else if (k.full === 'down') o.selected = Math.min(SETUP_OPTIONS.length - 1, o.selected + 1);
        else if (k.full === 'enter' || k.full === 'return') this.chooseSetup(SETUP_OPTIONS[o.selected]!);
        return;
      case 'help':
      case 'cost':
        if (k.full === 'enter' || k.full === 'return' || k.ch === 'q') this.overlay = null;
        return;
      case 'graph':
        if (k.full === 'up' || k.full === 'down') o.selected = nextNodeRow(o.rows, o.selected, k.full === 'up' ? -1 : 1);
        else if (k.full === 'enter' || k.full === 'return') {
          const node = o.rows[o.selected]?.node;
          this.overlay = null;
          if (node) void this.switchTo(String(node.number));
        }
        return;
      case 'agents':
        if (k.full === 'up') o.selected = Math.max(0, o.selected - 1);
        else if (k.full === 'down') o.selected = Math.min(o.agents.length - 1, o.selected + 1);
        else if (k.full === 'enter' || k.full === 'return') {
          const agent = o.agents[o.selected];
          if (agent) void this.openAgent(agent);
        }
        return;
      case 'palette':
      case 'sessions':
      case 'knowledge':
        return this.listKey(o, k);
      case 'agent':
        return;
    }
  }

  private listKey(o: Extract<Overlay, { query: InputLine }>, k: Key): void {
    const count = o.kind === 'palette' ? o.items.length : o.kind === 'sessions' ? o.shown.length : o.facts.length;
    if (k.full === 'up') o.selected = Math.max(0, o.selected - 1);
    else if (k.full === 'down') o.selected = Math.min(Math.max(0, count - 1), o.selected + 1);
    else if (k.full === 'enter' || k.full === 'return') this.choose(o);
    else {
      if (!editKey(o.query, k)) this.typed(o.query, k);
      this.filterOverlay(o);
    }
  }

  private filterOverlay(o: Overlay): void {
    if (o.kind === 'palette') o.items = filterCommands(o.query.text, this.t);
    else if (o.kind === 'sessions') o.shown = filterSessions(o.query.text, o.all);
    else if (o.kind === 'knowledge') void this.searchKnowledge(o);
    if ('selected' in o) o.selected = 0;
  }

  private choose(o: Extract<Overlay, { query: InputLine }>): void {
    this.overlay = null;
    if (o.kind === 'palette') {
      const item = o.items[o.selected];
      if (!item) return;
      const c = item.command;
      if ('pick' in c) return void this.pickSession(c.id === 'session.merge' ? 'merge' : c.id === 'session.attach' ? 'attach' : 'switch');
      if ('prefill' in c) return this.input.set(`/${c.slash} `);
      return this.run(c, '');
    }
    if (o.kind === 'sessions') {
      const s = o.shown[o.selected];
      if (!s) return;
      const ref = String(s.number);
      if (o.purpose === 'switch') void this.switchTo(ref);
      else void this.act(o.purpose === 'merge' ? 'session.merge' : 'session.attach', ref);
      return;
    }
    const fact = o.facts[o.selected];
    if (fact) this.conversation.addLine('note', `${fact.scope === 'global' ? '' : `[${fact.scope}] `}${fact.text}`);
  }

  private chooseSetup(option: SetupOption): void {
    this.overlay = null;
    if (option === 'Skip' || !this.w.writeSetup) return;
    try {
      const { file, envVar } = this.w.writeSetup(option);
      const next = envVar ? this.t('ui.setup.nextKey', { envVar }) : option === 'Local' ? this.t('ui.setup.nextOllama') : this.t('ui.setup.nextCli');
      this.conversation.addLine('note', `${this.t('ui.setup.written', { file })} — ${next}`);
      void this.refreshProviders().then(() => this.w.changed());
    } catch (e) {
      this.say(errorText(e, this.w.l10n), 'error');
    }
  }

  private agentKey(o: Extract<Overlay, { kind: 'agent' }>, k: Key): void {
    // Ctrl+] returns to the workspace, as it detaches `relay attach`; everything else is the agent's.
    if (k.full === 'C-]' || k.sequence === '\u001d' || k.ch === '\u001d') {
      this.overlay = null;
      void o.view.close();
      this.w.changed();
      return;
    }
    o.view.send(k.sequence ?? k.ch ?? '');
  }

  // ---- what Enter, Esc and the commands do ----

  private submit(): void {
    const line = this.input.text;
    if (line.trim() === '') return;
    const slash = line.trimStart().startsWith('/') ? parseSlash(line) : null;
    if (slash && 'unknown' in slash) return this.say(this.t('errors.unknownSlash', { name: slash.unknown }), 'error');
    if (slash) {
      if ('args' in slash.command && slash.command.args === 'required' && slash.arg === '') {
        return this.say(this.t('errors.usage', { command: `/${slash.command.slash}`, args: this.t(`help.args.${slash.command.id}`) }), 'error');
      }
      // Not inside `remember?.(…)`: an optional call does not evaluate its arguments when absent.
      const sent = this.input.submit();
      this.w.remember?.(sent);
      return this.run(slash.command, slash.arg);
    }
    // Sent while an answer streams: the line stays in the input, nothing typed is lost.
    if (this.running) return this.say(this.t('errors.busy'), 'error');
    const text = this.input.submit();
    this.w.remember?.(text);
    void this.ask(text);
  }

  /** Send a task to the daemon; its messages arrive on the task topic like anyone's. */
  async ask(text: string): Promise<void> {
    const taskId = this.w.newTaskId();
    this.running = { taskId, mine: true };
    this.conversation.addUser(text);
    if (this.session) this.live.set(taskId, { startedAt: this.w.now() });
    this.w.changed();
    try {
      const result = await this.w.link.request(
        'task.run',
        {
          taskId,
          text,
          options: { ...(this.provider ? { provider: this.provider } : {}), ...(this.mode === 'edit' ? { confirm: true } : {}) },
          env: this.w.env,
          cwd: this.w.cwd,
          ...(this.session ? { sessionId: this.session.id } : { newSession: true }),
        },
        TASK_TIMEOUT_MS,
      );
      this.finished(result);
    } catch (e) {
      if (this.running?.taskId === taskId) this.running = undefined;
      this.conversation.addLine('error', errorText(e, this.w.l10n));
    }
    this.w.changed();
  }

  private finished(result: TaskResult): void {
    const cancelled = this.running?.cancelling;
    if (this.running?.taskId === result.taskId) this.running = undefined;
    if (this.overlay?.kind === 'confirm' && this.overlay.taskId === result.taskId) this.overlay = null;
    // Not forgotten here: the reply travels apart from the task's messages and may overtake the
    // last of them. The `ended` announcement comes after them on their own socket, and ends it.
    if (cancelled) this.conversation.addLine('note', this.t('ui.conversation.cancelled'));
    else if (result.failure) this.conversation.addLine('error', errorText(result.failure, this.w.l10n));
    // The task's session (new, or the one it continued): its message count and lineage changed.
    if (result.session.number > 0) void this.refreshSession(result.session.id);
    void this.refreshBudget();
  }

  private cancel(): void {
    const r = this.running;
    if (!r || r.cancelling) return;
    r.cancelling = true;
    this.w.link.request('task.cancel', { taskId: r.taskId }).catch((e: unknown) => this.say(errorText(e, this.w.l10n), 'error'));
  }

  private answer(o: Extract<Overlay, { kind: 'confirm' }>, yes: boolean): void {
    this.overlay = null;
    this.w.link.request('task.confirm', { taskId: o.taskId, step: o.step, yes }).catch((e: unknown) => this.say(errorText(e, this.w.l10n), 'error'));
  }

  run(command: Command, arg: string): void {
    void this.act(command.id, arg);
  }

  /** Run a command by id; an error is one line under the conversation, never a crash. */
  async act(id: CommandId, arg: string): Promise<void> {
    try {
      await this.actions[id](arg);
    } catch (e) {
      this.say(errorText(e, this.w.l10n), 'error');
    }
    this.w.changed();
  }

  /** One line under the conversation: what an action did. */
  say(text: string, kind: 'info' | 'error' = 'info'): void {
    this.notice = { text, kind };
  }

  /** The session shown; a command that needs one says so when there is none. */
  needSession(): SessionInfo {
    if (!this.session) throw new RelayError('E_USAGE', this.t('errors.noSession'));
    return this.session;
  }

  async switchTo(ref: string): Promise<void> {
    try {
      await this.show(ref);
      this.say(this.t('ui.sessions.switched', { number: this.session!.number }));
    } catch (e) {
      this.say(errorText(e, this.w.l10n), 'error');
    }
    this.w.changed();
  }


  private openPalette(): void {
    this.chord = false;
    this.overlay = { kind: 'palette', query: new InputLine(), items: filterCommands('', this.t), selected: 0 };
  }

  /** The session list as a picker: to switch to, merge with or attach the chosen one. */
  async pickSession(purpose: 'switch' | 'merge' | 'attach'): Promise<void> {
    const { sessions } = await this.w.link.request('session.list', {});
    const all = sessions.filter((s) => purpose === 'switch' || s.id !== this.session?.id);
    this.overlay = { kind: 'sessions', purpose, query: new InputLine(), all, shown: all, selected: 0 };
    this.w.changed();
  }

  private async searchKnowledge(o: Extract<Overlay, { kind: 'knowledge' }>): Promise<void> {
    const q = o.query.text.trim();
    const facts = q ? (await this.w.link.request('knowledge.recall', { query: q, cwd: this.w.cwd, limit: 50 })).facts : (await this.w.link.request('knowledge.list', { cwd: this.w.cwd })).facts;
    // A newer query may have answered first; only the one still typed counts.
    if (this.overlay === o && o.query.text.trim() === q) {
      o.facts = facts;
      o.selected = 0;
      this.w.changed();
    }
  }

  private async openAgent(agent: AgentInfo): Promise<void> {
    if (!this.w.openAgent) return;
    this.overlay = null;
    try {
      const view = await this.w.openAgent(agent.id, (line) => {
        if (this.overlay?.kind === 'agent' && this.overlay.view === view) this.overlay = null;
        this.conversation.addLine('note', line);
        this.w.changed();
      });
      this.overlay = { kind: 'agent', view, name: agent.id };
      this.say(this.t('ui.agents.attached', { agent: agent.id }));
    } catch (e) {
      this.say(errorText(e, this.w.l10n), 'error');
    }
    this.w.changed();
  }

  // ---- what the status bar and the side list say ----

  /** A string in the workspace's language. */
  translate(key: string, vars?: Record<string, unknown>): string {
    return this.t(key, vars);
  }

  /** `sess #31 · Derived: #12 #25`. */
  sessionLabel(): string {
    if (!this.session) return this.t('ui.status.noSession');
    const lineage = this.session.lineage ? ` · ${this.session.lineage}` : '';
    return `${this.t('ui.status.session', { number: this.session.number })}${lineage}`;
  }

  agentState(a: AgentInfo): string {
    const until = this.limitedUntil.get(a.id);
    switch (a.state) {
      case 'limited':
        return until ? this.t('ui.side.limitedUntil', { time: formatClockTime(until, this.w.now()) }) : this.t('ui.side.limited');
      case 'spawning':
        return this.t('ui.side.starting');
      case 'idle':
      case 'running':
        return this.t('ui.side.running');
      default:
        return this.t(`ui.side.${a.state}`);
    }
  }

  workerState(w: WorkerInfo): string {
    return this.running?.worker === w.name ? this.t('ui.side.working') : this.t('ui.side.idle');
  }

  /** Release timers (the workspace is closing). */
  dispose(): void {
    if (this.agentsRefresh) clearTimeout(this.agentsRefresh);
    if (this.overlay?.kind === 'agent') void this.overlay.view.close();
  }
}

/** The editing keys every text field shares, by key name (readline's Ctrl keys too). */
const EDIT_KEYS: Readonly<Record<string, (input: InputLine) => void>> = {
  backspace: (i) => i.backspace(),
  'C-h': (i) => i.backspace(),
  delete: (i) => i.deleteForward(),
  'C-d': (i) => i.deleteForward(),
  left: (i) => i.left(),
  'C-b': (i) => i.left(),
  right: (i) => i.right(),
  'C-f': (i) => i.right(),
  home: (i) => i.home(),
  'C-a': (i) => i.home(),
  end: (i) => i.end(),
  'C-e': (i) => i.end(),
  'C-w': (i) => i.deleteWord(),
  'C-u': (i) => i.deleteToStart(),
};

/** Apply an editing key to `input`; false when `k` is not one. */
function editKey(input: InputLine, k: Key): boolean {
  const edit = Object.hasOwn(EDIT_KEYS, k.full) ? EDIT_KEYS[k.full] : undefined;
  edit?.(input);
  return edit !== undefined;
}

/** The next row up or down that is a session (link rows are skipped). */
function nextNodeRow(rows: readonly GraphRow[], from: number, step: -1 | 1): number {
  for (let i = from + step; i >= 0 && i < rows.length; i += step) if (rows[i]!.node) return i;
  return from;
}
