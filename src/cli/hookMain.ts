/**
 * `relay hook <arg>` (each CLI's descriptor names its argument: claude, opencode-event, …): what the agent CLIs run from their hook
 * settings (and the OpenCode plugin for its bus events). It reads the payload the way that CLI
 * passes it, turns it into at most one hook event, sends it to the daemon, and spools it when
 * the daemon cannot take it.
 *
 * It runs inside the agent's own loop, so it must never slow or break the agent: it loads only
 * the hook modules (main.ts routes here before commander, ZeroMQ, SQLite or xstate load), always
 * exits 0 within a bounded time, prints nothing on stdout (Gemini requires a hook's stdout to be
 * empty or JSON, Claude shows it for some events) and nothing on stderr unless RELAY_DEBUG=1.
 * What it drops (malformed JSON, unknown agent names, payloads over the cap) is noted in
 * `logs/hook.log`.
 */
import type { HookBinding } from '../adapters/agentDescriptor.js';
import { readHookTable, type HookTableEntry } from '../adapters/hookTable.js';
import { MAX_HOOK_PAYLOAD_BYTES, type HookEvent } from '../hooks/hookEvent.js';
import { appendHookLog } from '../hooks/hookLog.js';
import { parseHookPayload, type HookParseContext } from '../hooks/hookParse.js';
import { readStdinPayload } from '../hooks/readPayload.js';
import { relayPaths, resolveHome, type RelayPaths } from '../platform/paths.js';

/** Long enough for any CLI to write a payload into a pipe; a caller that leaves stdin open costs this. */
const STDIN_TIMEOUT_MS = 2_000;
/**
 * The daemon answers once the event is committed (milliseconds); past this the hook stops
 * waiting and spools the event, which the daemon drains (the event may then arrive twice).
 */
const SEND_TIMEOUT_MS = 300;
/** Whatever happens, the hook is gone by then: the agent waits for it. */
const HARD_DEADLINE_MS = 4_000;

/** The CLIs with hooks: the table written at build time, else the registry itself (slower to load). */
async function hookTable(): Promise<HookTableEntry[]> {
  return readHookTable() ?? (await import('../adapters/registry.js')).hookTable();
}

function usage(args: readonly string[]): string {
  return `usage: relay hook <${args.join('|')}>  (run by the agent CLIs; payload on stdin, or for codex notify as the last argument)\n`;
}

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
  const { sendHookEvent } = await import('../hooks/hookClient.js');
  if (await sendHookEvent(paths, event, SEND_TIMEOUT_MS)) {
    note('sent', `${event.agent} ${event.event}${event.limit ? ` ${event.limit.rule}` : ''}`);
    return;
  }
  const { appendToSpool } = await import('../hooks/spool.js');
  try {
    appendToSpool(paths, event);
    note('spooled', `${event.agent} ${event.event}${event.limit ? ` ${event.limit.rule}` : ''}`);
  } catch (e) {
    const text = `${event.agent} ${event.event} lost: ${(e as Error).message}`;
    appendHookLog(paths, 'spool failed', text);
    note('spool failed', text);
  }
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
  const hook = table.find((e) => e.arg === args[0]);
  if (!hook) {
    const known = table.map((e) => e.arg);
    if (process.stdin.isTTY && (args.length === 0 || args[0] === '--help' || args[0] === '-h')) {
      process.stderr.write(usage(known));
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
  await deliver(paths, result.event, note);
}

/**
 * Run `relay hook` with the arguments after `hook`, then exit 0: never a stack trace, never a
 * non-zero code, never a hang.
 */
export async function runHook(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<never> {
  const bail = (e: unknown): never => {
    if (env.RELAY_DEBUG === '1') process.stderr.write(`relay hook: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(0);
  };
  process.on('uncaughtException', bail);
  process.on('unhandledRejection', bail);
  // unref: it must not keep an otherwise finished hook alive, only end a stuck one.
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
