/**
 * The workspace engine's path, measured against the fake provider server in the same run:
 * - time to first token of a task through the daemon (bus request → detection → routing →
 *   reservation → worker thread → undici → SSE → worker port → bus topic) minus a bare undici
 *   request to the same endpoint: what Relay adds;
 * - the whole `relay "task"` CLI wall to its first answer byte, as a ratio to `node -e 0`;
 * - streaming throughput of a large answer through worker → daemon → bus → client vs the same
 *   stream read here with undici and decoded (SSE, JSON) by the same code, and vs its raw bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { BusClient } from '../src/bus/busClient.js';
import { EventSubscriber } from '../src/bus/eventSubscriber.js';
import { CLI_ENTRY } from '../src/platform/packageInfo.js';
import { TOPIC_TASK, type TaskMessage } from '../src/protocol/providerProtocol.js';
import { runHttpCall } from '../src/providers/httpCall.js';
import { DEFAULT_TIMEOUTS, MAX_ANSWER_BYTES } from '../src/providers/callSpec.js';
import type { FakeStep } from '../test/helpers/fakeProviderServer.js';
import { PACKAGE_ROOT } from '../src/platform/packageInfo.js';
import { join } from 'node:path';
import type { BenchHome } from './benchHome.js';
import { relay, timeNode } from './relayCli.js';
import { median, percentileOfSorted, round, sorted } from './stats.js';

const KEY = 'sk-bench-0123456789abcdef';

export interface WorkspacePath {
  ttft_relay_p50_ms: number;
  ttft_direct_p50_ms: number;
  /** p50 through the daemon minus p50 direct: the goal is < 5 ms. */
  ttft_added_p50_ms: number;
  ttft_relay_p99_ms: number;
  cli_first_token_median_ms: number;
  node_e0_median_ms: number;
  cli_first_token_ratio_to_node_e0: number;
  stream_mb: number;
  stream_relay_mb_s: number;
  /** Bare undici, the body's bytes only (no SSE or JSON decoding). */
  stream_direct_raw_mb_s: number;
  /** Undici plus the SSE and JSON decoding any client needs, in one process. */
  stream_direct_decoded_mb_s: number;
  /** Through worker, daemon and bus as a share of the decoded direct stream: the goal is ≥ 0.8. */
  stream_throughput_ratio: number;
  stream_ratio_to_raw: number;
}

/** The fake provider in a process of its own, so that it takes no time from the client measured here. */
export interface FakeProcess {
  url: string;
  child: ChildProcess;
}

export async function startFakeProcess(step: FakeStep, repeat = 1): Promise<FakeProcess> {
  const main = join(PACKAGE_ROOT, 'test', 'helpers', 'fakeProviderMain.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--default', JSON.stringify(step), '--repeat', String(repeat)], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => ['exited'])])) as string[];
  lines.close();
  if (!line || line === 'exited') throw new Error('the fake provider did not start');
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

export async function stopFakeProcess(f: FakeProcess): Promise<void> {
  if (f.child.exitCode !== null) return;
  const exited = once(f.child, 'exit');
  f.child.kill('SIGTERM');
  await exited;
}

export function configFor(fake: { url: string }, name = 'bench'): string {
  return [
    'routing:',
    '  useAgentClis: false',
    'providers:',
    `  ${name}:`,
    '    type: openai-compatible',
    `    baseUrl: ${fake.url}/v1`,
    '    apiKey: env:BENCH_KEY',
    '    models:',
    '      - { id: bench-model, tier: standard, contextTokens: 128000, inputPrice: 0.1, outputPrice: 0.4 }',
    '',
  ].join('\n');
}

/** The env a client sends: this home, the key, no other provider to detect or probe. */
export function clientEnv(h: BenchHome): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.env)) if (typeof v === 'string' && !/_API_KEY$|_AUTH_TOKEN$|_BASE_URL$|^OLLAMA_HOST$/.test(k)) env[k] = v;
  return { ...env, BENCH_KEY: KEY, OLLAMA_HOST: 'http://127.0.0.1:9', PATH: '/usr/bin:/bin' };
}

/** One task through the daemon: ms to the first delta on its topic, and to its end. */
/**
 * One task through the daemon: ms to the first delta on its topic, and to its last (the answer
 * fully on the client's screen; storing it in the conversation comes after, off that path).
 */
async function taskThroughDaemon(h: BenchHome, env: Record<string, string>, provider = 'bench'): Promise<{ firstMs: number; totalMs: number; chars: number }> {
  const client = new BusClient(h.paths);
  const taskId = randomUUID();
  let first: number | undefined;
  let last: number | undefined;
  let chars = 0;
  const sub = new EventSubscriber(h.paths, [TOPIC_TASK(taskId)], (_topic, value) => {
    const m = value as TaskMessage;
    if (m.kind === 'delta') {
      first ??= performance.now();
      last = performance.now();
      chars += m.text.length;
    }
  });
  try {
    await sub.live(client);
    const t0 = performance.now();
    const result = await client.request('task.run', { taskId, text: 'explain kubernetes', options: { worker: 'explainer', provider }, newSession: true, env, cwd: h.root }, 120_000);
    const end = performance.now();
    if (result.failure) throw new Error(`task failed: ${result.failure.message}`);
    // Deltas published before the reply may still be in the subscriber's socket.
    const deadline = Date.now() + 10_000;
    while (chars < result.steps[0]!.chars && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    return { firstMs: (first ?? end) - t0, totalMs: (last ?? end) - t0, chars };
  } finally {
    await sub.close();
    await client.close();
  }
}

/** The same request straight to the fake with undici: ms to the first content chunk, and to the end. */
async function direct(fake: { url: string }): Promise<{ firstMs: number; totalMs: number; bytes: number }> {
  const t0 = performance.now();
  const res = await request(`${fake.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'explain kubernetes' }] }),
  });
  let first: number | undefined;
  let bytes = 0;
  for await (const chunk of res.body) {
    first ??= performance.now();
    bytes += (chunk as Buffer).length;
  }
  return { firstMs: (first ?? performance.now()) - t0, totalMs: performance.now() - t0, bytes };
}

/**
 * The same stream read and decoded in this process by the code a worker thread runs (undici,
 * SSE framing, the wire's JSON): what a client talking to the provider itself must do to get
 * the text. The difference to the daemon path is the worker → daemon → bus → client hops.
 */
async function directDecoded(fake: { url: string }): Promise<number> {
  const t0 = performance.now();
  const outcome = await runHttpCall(
    {
      kind: 'http',
      provider: 'bench-direct',
      wire: 'openai-chat',
      baseUrl: `${fake.url}/v1`,
      apiKey: KEY,
      model: 'bench-model',
      messages: [{ role: 'user', content: 'explain kubernetes' }],
      maxOutputTokens: 4_096,
      timeouts: DEFAULT_TIMEOUTS,
      maxAnswerBytes: MAX_ANSWER_BYTES,
    },
    () => undefined,
    new AbortController().signal,
  );
  if (outcome.failure) throw new Error(`direct call failed: ${outcome.failure.message}`);
  return performance.now() - t0;
}

/** `relay "explain kubernetes"` from spawn to the first byte of the answer on stdout. */
function cliFirstToken(h: BenchHome, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI_ENTRY, '--new', 'explain kubernetes'], { env, cwd: h.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let at: number | undefined;
    // Stdout carries the answer alone (labels and notes are on stderr): its first byte is the first token.
    child.stdout.on('data', () => (at ??= performance.now() - t0));
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && at !== undefined ? resolve(at) : reject(new Error(`relay exited ${code}: ${err.trim()}`))));
  });
}

export async function measureWorkspacePath(h: BenchHome, runs: number, streamMb: number): Promise<WorkspacePath> {
  const line = 'x'.repeat(1023) + '\n';
  const fakes: FakeProcess[] = [];
  try {
    const small = await startFakeProcess({ kind: 'answer', text: 'Kubernetes schedules containers onto machines and keeps them running.', chunks: 8 });
    fakes.push(small);
    const big = await startFakeProcess({ kind: 'answer', text: line, chunks: streamMb * 256 }, streamMb * 1024);
    fakes.push(big);
    mkdirSync(h.paths.home, { recursive: true, mode: 0o700 });
    // `big` costs more, so a task that names no provider goes to `bench`.
    const config = configFor(small) + configFor(big, 'big').split('providers:\n')[1]!.replace('inputPrice: 0.1', 'inputPrice: 5');
    writeFileSync(h.paths.config, config, { mode: 0o600 });
    const env = clientEnv(h);
    relay(['daemon', 'start'], { ...h.env, ...env });
    // Warm-up: the first task loads the worker thread, the tokenizer and the price table.
    for (let i = 0; i < 3; i++) {
      await taskThroughDaemon(h, env);
      await direct(small);
    }
    const viaRelay: number[] = [];
    const viaDirect: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate so that a burst of machine noise hits both sides alike.
      viaDirect.push((await direct(small)).firstMs);
      viaRelay.push((await taskThroughDaemon(h, env)).firstMs);
    }
    const cli: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < Math.max(5, Math.floor(runs / 4)); i++) {
      node.push(timeNode(['-e', '0'], env).ms);
      cli.push(await cliFirstToken(h, env));
    }

    // Both paths (the worker thread's JIT, the fake's own encoder) warm before anything is timed.
    for (let i = 0; i < 3; i++) {
      await direct(big);
      await directDecoded(big);
      await taskThroughDaemon(h, env, 'big');
    }
    const rawTotals: number[] = [];
    const decodedTotals: number[] = [];
    const relayTotals: number[] = [];
    for (let i = 0; i < 5; i++) {
      rawTotals.push((await direct(big)).totalMs);
      decodedTotals.push(await directDecoded(big));
      relayTotals.push((await taskThroughDaemon(h, env, 'big')).totalMs);
    }
    const mbS = (ms: number[]): number => streamMb / (median(ms) / 1000);
    const relayMbS = mbS(relayTotals);
    const relayP50 = median(viaRelay);
    const directP50 = median(viaDirect);
    const cliMedian = median(cli);
    const nodeMedian = median(node);
    return {
      ttft_relay_p50_ms: round(relayP50, 2),
      ttft_direct_p50_ms: round(directP50, 2),
      ttft_added_p50_ms: round(relayP50 - directP50, 2),
      ttft_relay_p99_ms: round(percentileOfSorted(sorted(viaRelay), 99), 2),
      cli_first_token_median_ms: round(cliMedian, 1),
      node_e0_median_ms: round(nodeMedian, 1),
      cli_first_token_ratio_to_node_e0: round(cliMedian / nodeMedian, 2),
      stream_mb: streamMb,
      stream_relay_mb_s: round(relayMbS, 1),
      stream_direct_raw_mb_s: round(mbS(rawTotals), 1),
      stream_direct_decoded_mb_s: round(mbS(decodedTotals), 1),
      stream_throughput_ratio: round(relayMbS / mbS(decodedTotals), 3),
      stream_ratio_to_raw: round(relayMbS / mbS(rawTotals), 3),
    };
  } finally {
    await Promise.all(fakes.map(stopFakeProcess));
  }
}
