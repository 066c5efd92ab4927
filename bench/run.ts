/**
 * `npm run bench`: measure Relay's start-up, bus, event log, memory, agent (handoff, wrap
 * throughput, keystroke echo), conversation-graph (fork, import, context assembly, recall) and
 * workspace TUI (cold start, keystroke to render, a streamed answer's fps) figures and print them
 * as ONE JSON object on stdout (progress goes to stderr). Each measurement gets its own temp
 * RELAY_HOME and HOME and stops its daemon and removes them however it ends. A measurement
 * that fails is reported as `{ "error": ... }` and makes the exit code 1; a missed goal does
 * not (goals are reported, not enforced). `npm run -s bench` keeps npm's banner off stdout.
 */
import { cpus } from 'node:os';
import { disposeAllBenchHomes, withBenchHome } from './benchHome.js';
import { measureBusPing, type BusPing } from './busPingBench.js';
import { measureDaemonStart } from './daemonStartBench.js';
import { measureEventEmit } from './eventEmitBench.js';
import { measureEventLog, type EventLogThroughput } from './eventLogBench.js';
import { atLeast, atMost, below, type Goal } from './goal.js';
import { measureHandoff, type HandoffLatency } from './handoffBench.js';
import { measureIdleRss, type IdleRss } from './idleRssBench.js';
import { measureKeystrokeEcho, type KeystrokeEcho } from './keystrokeEchoBench.js';
import { measureVersionStartup, type VersionStartup } from './versionStartupBench.js';
import { measureHookStartup, type HookStartup } from './hookStartupBench.js';
import { measureHookBareListener } from './hookBareListenerBench.js';
import { measureHookFaults, type HookFaults } from './hookFaultBench.js';
import { measureSpoolKills, type SpoolKills } from './spoolKillBench.js';
import { measureWrapThroughput, type WrapThroughput } from './wrapThroughputBench.js';
import { measureRouter } from './routerBench.js';
import { measureBudget } from './budgetBench.js';
import { measureWorkspacePath, type WorkspacePath } from './workspaceBench.js';
import { measureFork } from './graphBench.js';
import { measureImport } from './importBench.js';
import { measureContextAssembly } from './contextBench.js';
import { measureRecall } from './recallBench.js';
import { measureTui, type TuiFigures } from './tuiBench.js';
import { measureDashboardLatency, type DashboardLatency } from './dashboardBench.js';

/**
 * Sizes chosen so the whole bench stays under about two and a half minutes on a loaded two-core
 * machine; the 100 MB wrap stream (3 runs through Relay, 3 through script) is most of it.
 */
const SIZES = {
  versionRuns: 30,
  hookRuns: 20,
  pingWarmUp: 500,
  pings: 10_000,
  events: 200_000,
  /** Bounded wait for the in-process subscriber; what it got by then is reported. */
  subscriberWaitMs: 10_000,
  emits: 20_000,
  emitsInFlight: 64,
  daemonStartRuns: 5,
  /** The definition of idle: this long after start with nothing asked of the daemon. */
  idleMs: 2_000,
  handoffs: 100,
  /** Handoffs before the measured ones: the first loads code in the daemon (reported apart). */
  handoffWarmUp: 3,
  wrapStreamMb: 100,
  wrapRunsEach: 3,
  keystrokes: 1_000,
  spoolKills: 20,
  /** 50,000 events in all: the figure of issue 8 was 100,000 (about 60 s here); this keeps the bench short. */
  spoolEventsPerRound: 2_500,
  /** Tasks through the daemon for the time to first token (and a quarter as many CLI runs). */
  workspaceTasks: 40,
  workspaceStreamMb: 8,
  tuiColdRuns: 10,
  dashboardHooks: 40,
  tuiKeys: 60,
  tuiStreamMb: 1,
} as const;

type Failed = { error: string };

const progress = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

let failures = 0;

async function section<T>(name: string, fn: () => Promise<T> | T): Promise<T | Failed> {
  progress(`${name}…`);
  const t0 = Date.now();
  try {
    const r = await fn();
    progress(`${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  } catch (e) {
    failures++;
    const error = e instanceof Error ? e.message : String(e);
    progress(`${name} FAILED: ${error}`);
    return { error };
  }
}

const ok = <T extends object>(r: T | Failed): T | undefined => ('error' in r ? undefined : r);

async function main(): Promise<void> {
  // A signal ends the bench part-way: still stop its daemons and remove its temp dirs.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      disposeAllBenchHomes();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  const started = Date.now();

  const versionStartup = await section('relay --version vs node -e 0', () =>
    withBenchHome((h) => measureVersionStartup(h.env, SIZES.versionRuns)),
  );
  const hookStartup = await section('relay hook claude vs node -e 0', () =>
    withBenchHome((h) => measureHookStartup(h, SIZES.hookRuns)),
  );
  const hookBareListener = await section('relay hook claude to a bare hook.sock listener vs node -e 0', () =>
    withBenchHome((h) => measureHookBareListener(h, SIZES.hookRuns)),
  );
  const hookFaults = await section('relay hook over the fault corpus (FIFOs, symlinks, dirs, huge or open stdin, a silent hook.sock)', () =>
    measureHookFaults(),
  );
  const spoolKills = await section(`spool deliveries after ${SIZES.spoolKills} kill -9s during drains`, () =>
    withBenchHome((h) => measureSpoolKills(h, SIZES.spoolKills, SIZES.spoolEventsPerRound)),
  );
  const nodeE0 = ok<VersionStartup>(versionStartup)?.node_e0_median_ms;
  const daemonStart = await section('daemon start to ready', () =>
    withBenchHome((h) => {
      if (nodeE0 === undefined) throw new Error('no node -e 0 baseline: figure 1 failed');
      return measureDaemonStart(h, SIZES.daemonStartRuns, nodeE0);
    }),
  );
  const idleRss = await section('idle RSS', () => withBenchHome((h) => measureIdleRss(h, SIZES.idleMs)));
  const busPing = await section('bus ping round trip', () =>
    withBenchHome((h) => measureBusPing(h, SIZES.pingWarmUp, SIZES.pings)),
  );
  const eventLog = await section('event append+persist, in process', () =>
    withBenchHome((h) => measureEventLog(h, SIZES.events, SIZES.subscriberWaitMs)),
  );
  const eventEmit = await section('events.emit over the bus', () =>
    withBenchHome((h) => measureEventEmit(h, SIZES.emits, SIZES.emitsInFlight)),
  );
  const handoff = await section('limit line to next agent spawned', () =>
    withBenchHome((h) => measureHandoff(h, SIZES.handoffs, SIZES.handoffWarmUp)),
  );
  const wrapThroughput = await section(`relay wrap vs script -qfec, ${SIZES.wrapStreamMb} MB`, () =>
    withBenchHome((h) => measureWrapThroughput(h, SIZES.wrapStreamMb, SIZES.wrapRunsEach)),
  );
  const keystrokeEcho = await section('keystroke echo through daemon and PTY', () =>
    withBenchHome((h) => measureKeystrokeEcho(h, SIZES.keystrokes)),
  );
  const router = await section('router decision over 100 models', () => measureRouter());
  const budget = await section('budget reservations, 50 in flight, and the tokenizer on 100k tokens', () => measureBudget());
  const workspace = await section(`relay "task" through the daemon vs direct undici (TTFT, ${SIZES.workspaceStreamMb} MB stream)`, () =>
    withBenchHome((h) => measureWorkspacePath(h, SIZES.workspaceTasks, SIZES.workspaceStreamMb)),
  );
  // Issue 10, in process on temp relay.db files of their own (about 15 s together).
  const fork = await section('fork of a 100k-message session vs a 10-message one', () => measureFork());
  const importClaude = await section('relay session import claude, ~20 MB transcript', () => measureImport());
  const context = await section('context assembly, 1,000 messages with a merge, 24k-token budget', () => measureContextAssembly());
  const recall = await section('recall over 100,000 facts', () => measureRecall());
  const tui = await section(`the workspace TUI: cold start, keystroke to render, a ${SIZES.tuiStreamMb} MB answer`, () =>
    withBenchHome((h) => measureTui(h, { coldRuns: SIZES.tuiColdRuns, keys: SIZES.tuiKeys, streamMb: SIZES.tuiStreamMb })),
  );
  const dashboard = await section(`dashboard event latency, relay hook to the page in headless chromium, ${SIZES.dashboardHooks} hooks`, () =>
    withBenchHome((h) => measureDashboardLatency(h, SIZES.dashboardHooks)),
  );
  const num = (r: Record<string, number> | Failed, key: string): number | null => ('error' in r ? null : (r[key] ?? null));

  const goals: Record<string, Goal> = {
    version_ratio_of_medians: atMost(ok<VersionStartup>(versionStartup)?.ratio_of_medians ?? null, 1.5),
    hook_ratio_daemon_up: atMost(ok<HookStartup>(hookStartup)?.ratio_daemon_up ?? null, 1.5),
    hook_ratio_daemon_down: atMost(ok<HookStartup>(hookStartup)?.ratio_daemon_down ?? null, 1.5),
    bus_ping_p99_ms: below(ok<BusPing>(busPing)?.p99_ms ?? null, 1, 'ms'),
    event_append_persist_per_s: atLeast(ok<EventLogThroughput>(eventLog)?.append_persist_per_s ?? null, 50_000, 'events/s'),
    idle_rss_mb: below(ok<IdleRss>(idleRss)?.rss_mb ?? null, 80, 'MB'),
    handoff_p99_ms: below(ok<HandoffLatency>(handoff)?.p99_ms ?? null, 100, 'ms'),
    wrap_throughput_ratio_to_script: atLeast(ok<WrapThroughput>(wrapThroughput)?.throughput_ratio ?? null, 0.9),
    hook_fault_worst_ms: below(
      (() => {
        const f = ok<HookFaults>(hookFaults);
        // Exit 0 and silence are part of the goal: a miss there is reported as no figure.
        return f && f.all_exit_0 && f.all_silent ? f.worst_ms : null;
      })(),
      1_000,
      'ms',
    ),
    spool_kill_duplicates: atMost(ok<SpoolKills>(spoolKills)?.duplicates ?? null, 0),
    spool_kill_missing: atMost(ok<SpoolKills>(spoolKills)?.missing ?? null, 0),
    keystroke_echo_p99_ms: below(ok<KeystrokeEcho>(keystrokeEcho)?.p99_ms ?? null, 5, 'ms'),
    task_ttft_added_p50_ms: below(ok<WorkspacePath>(workspace)?.ttft_added_p50_ms ?? null, 5, 'ms'),
    task_stream_throughput_ratio: atLeast(ok<WorkspacePath>(workspace)?.stream_throughput_ratio ?? null, 0.8),
    router_p99_us: below(num(router, 'routerP99Us'), 1_000, 'µs'),
    budget_reservations_per_s: atLeast(num(budget, 'reservePairsPerS'), 10_000, '/s'),
    fork_100k_vs_10_ratio: atMost(num(fork, 'fork100kVs10Ratio'), 1.2),
    context_marker_p99_ms: below(num(context, 'contextMarkerP99Ms'), 10, 'ms'),
    context_summary_p99_ms: below(num(context, 'contextSummaryP99Ms'), 10, 'ms'),
    recall_p99_ms: below(num(recall, 'recallP99Ms'), 2, 'ms'),
    tui_keystroke_p99_ms: below(ok<TuiFigures>(tui)?.keystroke_idle.p99_ms ?? null, 16, 'ms'),
    tui_keystroke_streaming_p99_ms: below(ok<TuiFigures>(tui)?.keystroke_streaming.p99_ms ?? null, 16, 'ms'),
    tui_stream_fps: atLeast(ok<TuiFigures>(tui)?.stream_fps ?? null, 30, 'fps'),
    tui_cold_start_ratio_to_node_e0: atMost(ok<TuiFigures>(tui)?.cold_start.ratio_to_node_e0 ?? null, 2),
    // The test says "within a second"; the page's part of it is after_hook_exit.
    dashboard_hook_to_page_p99_ms: below(ok<DashboardLatency>(dashboard)?.hook_to_page_p99_ms ?? null, 1_000, 'ms'),
  };
  const report = {
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString(),
    version_startup: versionStartup,
    hook_startup: hookStartup,
    hook_bare_listener: hookBareListener,
    hook_faults: hookFaults,
    spool_kills: spoolKills,
    bus_ping: busPing,
    event_log: eventLog,
    event_emit: eventEmit,
    daemon_start: daemonStart,
    idle_rss: idleRss,
    handoff,
    wrap_throughput: wrapThroughput,
    keystroke_echo: keystrokeEcho,
    router,
    budget,
    workspace,
    fork,
    import_claude: importClaude,
    context,
    recall,
    tui,
    dashboard,
    goals,
    all_goals_met: Object.values(goals).every((g) => g.met),
    bench_wall_s: Math.round((Date.now() - started) / 100) / 10,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = failures > 0 ? 1 : 0;
}

await main();
