/**
 * Diagnostic, not part of `npm run bench`: where the daemon's time goes while `relay wrap`
 * streams a large output. Starts the daemon under `node --cpu-prof` in a bench home, runs one
 * `relay wrap -- sh -c "<writer of N MB of text lines>"` with stdout drained, stops the daemon
 * with SIGTERM (the profile is written at exit) and prints one JSON object: CPU by component
 * (inclusive, so nested parts overlap their callers) and the top functions by self time.
 *
 *   npm run build && node --import tsx bench/profileWrapDaemon.ts [MB, default 100]
 *
 * The .cpuprofile is kept (its path is in the output) for Chrome DevTools or speedscope.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY, DAEMON_ENTRY } from '../src/platform/packageInfo.js';
import { createBenchHome, disposeBenchHome } from './benchHome.js';
import { round } from './stats.js';
import { waitFor } from './waitFor.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A component of the output path and how to recognise its frames (function name @ file). */
const COMPONENTS: Array<[string, RegExp]> = [
  ['pty output handler (all of it)', /^output@.*actors\/agent\/ptySession\.js$/],
  ['limit detector feed', /^feed@.*limits\/limitDetector\.js$/],
  ['limit detector screen check', /^checkScreen@.*limits\/limitDetector\.js$/],
  ['xterm parse (screen model)', /^_innerWrite@.*@xterm\/headless/],
  ['redact (agent log)', /^redactText@/],
  ['agent log file write', /@.*rotating-file-stream/],
  ['publish: msgpack encode', /@.*msgpackr\/pack\.js$/],
  ['publish: zeromq send queue', /@.*bus\/sendQueue\.js$/],
  ['agent timers (quiet, screen check)', /^scheduleQuiet@/],
  ['event log', /@.*supervisor\/eventLog\.js$/],
  ['garbage collector', /^\(garbage collector\)@$/],
  ['idle', /^\(idle\)@$/],
];

const frameKey = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}@${n.callFrame.url}`;
const shortUrl = (url: string): string => url.replace(/^.*node_modules\//, '').replace(/^.*\/(dist|src)\//, '$1/');

function analyse(profile: CpuProfile): { total_ms: number; components: Record<string, { ms: number; pct: number }>; top_self: Array<{ fn: string; ms: number; pct: number }> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  });
  const component = new Map<string, number>();
  const self = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const label = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    self.set(label, (self.get(label) ?? 0) + us);
    // Each component counts a sample once, however deep its frames recurse.
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = frameKey(byId.get(cur)!);
      for (const [name, re] of COMPONENTS) if (re.test(key)) hit.add(name);
    }
    for (const name of hit) component.set(name, (component.get(name) ?? 0) + us);
  }
  const share = (us: number) => ({ ms: round(us / 1000, 0), pct: round((100 * us) / total, 1) });
  return {
    total_ms: round(total / 1000, 0),
    components: Object.fromEntries(COMPONENTS.map(([name]) => [name, share(component.get(name) ?? 0)])),
    top_self: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([fn, us]) => ({ fn: fn.length > 140 ? `${fn.slice(0, 140)}…` : fn, ...share(us) })),
  };
}

async function main(): Promise<void> {
  const mb = Number(process.argv[2] ?? 100);
  const home = createBenchHome();
  const profDir = mkdtempSync(join(tmpdir(), 'relay-prof-'));
  const env: NodeJS.ProcessEnv = { ...home.env };
  delete env.RELAY_READY_FD;
  try {
    const daemon = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, DAEMON_ENTRY, '--home', home.paths.home], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
    if (!(await waitFor(() => existsSync(home.paths.pidFile), 15_000, 20))) throw new Error('the daemon wrote no pid file in 15 s');
    const writer = `yes 'the quick brown fox jumps over the lazy dog 0123456789' | head -c ${mb * 1024 * 1024}`;
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const wrap = spawn(process.execPath, [CLI_ENTRY, 'wrap', '--', 'sh', '-c', writer], { env, cwd: home.root, stdio: ['ignore', 'pipe', 'inherit'] });
      wrap.stdout.on('data', (c: Buffer) => (bytes += c.length));
      wrap.on('error', reject);
      wrap.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`relay wrap exited ${code}`))));
    });
    const wrapS = Number(process.hrtime.bigint() - t0) / 1e9;
    daemon.kill('SIGTERM');
    await exited;
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written in ${profDir}`);
    const result = analyse(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile);
    process.stdout.write(
      `${JSON.stringify({ stream_mb: mb, wrap_s: round(wrapS, 2), wrap_bytes: bytes, profile: join(profDir, file), ...result }, null, 2)}\n`,
    );
  } finally {
    disposeBenchHome(home);
  }
}

await main();
