/**
 * `relay hook <arg>` (each CLI's descriptor names its argument: claude, opencode-event, …): what the agent CLIs run from their hook
 * settings (and the OpenCode plugin for its bus events). It reads the payload the way that CLI
 * passes it, turns it into at most one hook event, sends it to the daemon, and spools it when
 * the daemon cannot take it.
 *
 * It runs inside the agent's own loop, so it must never slow or break the agent: it loads only
 * the hook modules (main.ts routes here before commander, ZeroMQ, SQLite or xstate load), always
 * exits 0 within {@link HARD_DEADLINE_MS} of being routed here (nothing it opens under
 * RELAY_HOME can block it: see hooks/regularFile.ts), prints nothing on stdout (Gemini requires
 * a hook's stdout to be empty or JSON, Claude shows it for some events; `--help` is the one
 * exception) and nothing on stderr unless RELAY_DEBUG=1.
 * What it drops (malformed JSON, unknown agent names, payloads over the cap) is noted in
 * `logs/hook.log`.
 */
import type { HookBinding } from '../adapters/agentDescriptor.js';
import { readHookTable, type HookTableEntry } from '../adapters/hookTable.js';
import { MAX_HOOK_PAYLOAD_BYTES, type HookEvent } from '../hooks/hookEvent.js';
import { newHookEventId } from '../hooks/hookEventId.js';
import { appendHookLog } from '../hooks/hookLog.js';
import { parseHookPayload, type HookParseContext } from '../hooks/hookParse.js';
import { readStdinPayload } from '../hooks/readPayload.js';
import { relayPaths, resolveHome, type RelayPaths } from '../platform/paths.js';

/**
 * Whatever happens, the hook is gone this long after {@link runHook} starts: the agent waits for
 * it, and 1 s in all is the promise (Node's own start-up comes first, some 40 ms). Counted from
 * here rather than from the process start, so that a machine too loaded to start Node quickly
 * still gets its event spooled. The budgets below fit inside it one after the other.
 */
const HARD_DEADLINE_MS = 850;
/**
 * The CLIs write the payload into the pipe as they spawn the hook (milliseconds); a caller that
 * leaves stdin open without a complete payload costs this, and the payload is dropped.
 */
const STDIN_TIMEOUT_MS = 450;
/**
 * The daemon answers once the event is committed (milliseconds); past this the hook stops
 * waiting and spools the event, which the daemon drains (logged once: the event's id).
 */
const SEND_TIMEOUT_MS = 300;
/** Kept for the spool write (and the hook log) after a send that timed out. */
const SPOOL_RESERVE_MS = 100;

/** When {@link runHook} started, by `performance.now()`. */
let startedAt = 0;
const elapsed = (): number => performance.now() - startedAt;

/**
 * The event being delivered, and how to spool it without awaiting anything: the deadline spools
 * it rather than lose it (a copy the daemon also got is logged once, by its id).
 */
let inHand: (() => void) | undefined;

/** The CLIs with hooks: the table written at build time, else the registry itself (slower to load). */
async function hookTable(): Promise<HookTableEntry[]> {
  return readHookTable() ?? (await import('../adapters/registry.js')).hookTable();
}

/** `relay hook --help`: what the command is for, and its arguments as the hook table has them. */
function helpText(table: readonly HookTableEntry[]): string {
  const width = Math.max(...table.map((e) => e.arg.length));
  const rows = table.map((e) => {
    const from = e.payloadInLastArg ? 'JSON on stdin, or as the last argument' : 'JSON on stdin';
    return `  ${e.arg.padEnd(width)}  ${e.kind}'s hooks; payload: ${from}`;
  });
  return [
    `usage: relay hook <${table.map((e) => e.arg).join('|')}>`,
    '',
    "Run by an agent CLI's hooks (relay install registers them), not by hand: it reads the hook",
    'payload, and when it reports a rate limit (or a retry) tells the Relay daemon, which hands',
    'the relay session on. While the daemon is down the event waits in $RELAY_HOME/spool.',
    'As a hook it always exits 0 within a second and prints nothing; what it drops is noted in',
    '$RELAY_HOME/logs/hook.log (RELAY_DEBUG=1 also says it on stderr).',
    '',
    'Arguments (one per CLI with hooks):',
    ...rows,
    '',
  ].join('\n');
}

const isHelp = (arg: string | undefined): boolean => arg === '--help' || arg === '-h';

type Payload = { text: string } | { drop: string };

async function readPayload(hook: HookBinding, args: readonly string[]): Promise<Payload> {
  // Codex `notify` appends the JSON as the last argument; its hooks use stdin like the others.
  if (hook.payloadInLastArg && args.length >= 2) {
    const arg = args[args.length - 1]!;
    const bytes = Buffer.byteLength(arg);
    return bytes > MAX_HOOK_PAYLOAD_BYTES ? { drop: `payload of ${bytes} bytes is over the ${MAX_HOOK_PAYLOAD_BYTES}-byte cap` } : { text: arg };
  }
  if (process.stdin.isTTY) return { drop: 'no payload: stdin is a terminal' };
  const got = await readStdinPayload(process.stdin, MAX_HOOK_PAYLOAD_BYTES, STDIN_TIMEOUT_MS);
  switch (got.kind) {
    case 'read':
      return got.text.trim() ? { text: got.text } : { drop: 'empty payload' };
    case 'too-big':
      return { drop: `payload over the ${MAX_HOOK_PAYLOAD_BYTES}-byte cap; dropped` };
    case 'timeout':
      return { drop: `no complete payload within ${STDIN_TIMEOUT_MS} ms (${got.bytes} bytes read)` };
  }
}

/** Deliver `event`: to the daemon if it answers in time, else to the spool. */
async function deliver(paths: RelayPaths, event: HookEvent, note: (what: string, text: string) => void): Promise<void> {
  const [{ sendHookEvent }, { appendToSpool }] = await Promise.all([import('../hooks/hookClient.js'), import('../hooks/spool.js')]);
  const what = `${event.agent} ${event.event}${event.limit ? ` ${event.limit.rule}` : ''}`;
  const spool = (): void => {
    inHand = undefined;
    try {
      appendToSpool(paths, event);
      note('spooled', what);
    } catch (e) {
      const text = `${what} lost: ${(e as Error).message}`;
      appendHookLog(paths, 'spool failed', text);
      note('spool failed', text);
    }
  };
  inHand = spool;
  // Whatever the start-up and the payload took, the spool write still fits before the deadline.
  const sendMs = Math.max(0, Math.min(SEND_TIMEOUT_MS, HARD_DEADLINE_MS - SPOOL_RESERVE_MS - elapsed()));
  if (sendMs > 0 && (await sendHookEvent(paths, event, sendMs))) {
    inHand = undefined;
    note('sent', what);
    return;
  }
  spool();
}

async function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const debug = env.RELAY_DEBUG === '1';
  const note = (what: string, text: string): void => {
    if (debug) process.stderr.write(`relay hook: ${what}: ${text}\n`);
  };
  const paths = relayPaths(resolveHome(env));
  const drop = (what: string, text: string): void => {
    appendHookLog(paths, what, text);
    note(what, text);
  };

  const table = await hookTable();
  if (isHelp(args[0])) {
    process.stdout.write(helpText(table));
    return;
  }
  const hook = table.find((e) => e.arg === args[0]);
  if (!hook) {
    const known = table.map((e) => e.arg);
    if (process.stdin.isTTY && args.length === 0) {
      // Typed by hand: say what it is (stderr: stdout stays a hook's, empty).
      process.stderr.write(helpText(table));
      return;
    }
    return drop('unknown agent', `relay hook ${String(args[0] ?? '(none)').slice(0, 60)}: expected ${known.slice(0, -1).join(', ')} or ${known.at(-1)}`);
  }
  const agent = hook.kind;

  const payload = await readPayload(hook, args);
  if ('drop' in payload) return drop(`${agent} dropped`, payload.drop);
  let json: unknown;
  try {
    json = JSON.parse(payload.text);
  } catch (e) {
    return drop(`${agent} dropped`, `not JSON (${(e as Error).message}): ${payload.text.slice(0, 120)}`);
  }

  const ctx: HookParseContext = { now: Date.now(), env };
  if (hook.countsAttempts) ctx.geminiAttempts = (await import('../hooks/geminiAttempts.js')).fileAttemptStore(paths);
  const result = await parseHookPayload(hook.parserModule, json, ctx);
  if (!result.event) {
    if (result.skip === 'malformed') drop(`${agent} dropped`, `malformed payload: ${result.reason}`);
    else note('ignored', result.reason);
    return;
  }
  // One id for every copy: sent, spooled, or both (a send that timed out after the daemon took it).
  await deliver(paths, { ...result.event, id: result.event.id ?? newHookEventId() }, note);
}

/**
 * Run `relay hook` with the arguments after `hook`, then exit 0: never a stack trace, never a
 * non-zero code, never a hang.
 */
export async function runHook(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<never> {
  startedAt = performance.now();
  const bail = (e: unknown): never => {
    // Synchronous, non-blocking file writes only: it still fits in the deadline.
    inHand?.();
    if (env.RELAY_DEBUG === '1') process.stderr.write(`relay hook: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(0);
  };
  process.on('uncaughtException', bail);
  process.on('unhandledRejection', bail);
  // unref: it must not keep an otherwise finished hook alive, only end a stuck one. Nothing on
  // the hook path blocks the event loop (no open can wait on a FIFO), so this timer does fire.
  setTimeout(() => bail(new Error(`still running after ${HARD_DEADLINE_MS} ms`)), HARD_DEADLINE_MS).unref();
  try {
    await run(args, env);
  } catch (e) {
    try {
      appendHookLog(relayPaths(resolveHome(env)), 'hook failed', e instanceof Error ? e.message : String(e));
    } catch {
      // No home to log into.
    }
    bail(e);
  }
  // Explicitly: an open stdin left by the caller would otherwise keep the process alive.
  process.exit(0);
}
