/**
 * Which agent CLIs are installed (on the PATH, and which version) and where each keeps the
 * user-level config Relay edits (each CLI's descriptor knows, adapters/<kind>.ts). Everything
 * comes from the environment given — HOME included, never the home directory Node reports — so
 * a test (or `HOME=/tmp/x relay install`) sees only its own world.
 */
import { spawn } from 'node:child_process';
import type { AgentConfigLocation } from '../adapters/agentDescriptor.js';
import { AGENT_CLIS, descriptorOf, type KnownKind } from '../adapters/registry.js';
import { RelayError } from '../platform/errors.js';
import { findOnPath } from '../platform/findOnPath.js';
import { userHome } from '../platform/paths.js';

/** A CLI whose config `relay install` edits. */
export type InstallAgent = KnownKind;

/** The CLIs `relay install` knows how to edit, in Relay's order. */
export const INSTALL_AGENTS: readonly InstallAgent[] = AGENT_CLIS.filter((d) => d.installRole !== null).map((d) => d.kind);

/**
 * `--version` start-up measured on the real CLIs: claude and codex 0.09 s, opencode 0.64 s,
 * gemini 1.85 s. 8 s leaves room for a cold disk cache without letting a wedged CLI stall install.
 */
export const VERSION_TIMEOUT_MS = 8_000;


export interface AgentDetection {
  agent: InstallAgent;
  /** The executable found on the PATH, or null. */
  binary: string | null;
  /** `2.1.197`, or null when it could not be read (not found, failed, timed out). */
  version: string | null;
  config: AgentConfigLocation;
}

/** Where `agent` keeps the config Relay edits, honouring each CLI's own environment variables. */
export function configLocation(agent: InstallAgent, env: NodeJS.ProcessEnv): AgentConfigLocation {
  const locate = descriptorOf(agent).configLocation;
  if (!locate) throw new RelayError('E_INTERNAL', `${agent} has no config Relay edits`);
  return locate(env, userHome(env));
}

/** The version in a `--version` line: `2.1.197 (Claude Code)` → `2.1.197`, `codex-cli 0.169.0` → `0.169.0`. */
export function parseVersion(output: string): string | null {
  const m = /\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(output);
  return m?.[1] ?? null;
}

/** True when `version` (`2.1.197`) is at least `min`; null (unknown) counts as recent. */
export function versionAtLeast(version: string | null, min: readonly [number, number, number]): boolean {
  if (version === null) return true;
  const parts = version.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0;
    if (a !== min[i]) return a > min[i]!;
  }
  return true;
}

/**
 * Run `<binary> --version` with stdin on /dev/null and a timeout; null when it fails in any way.
 * It runs in its own process group, killed whole at the timeout: a wrapper script whose child
 * kept the output pipe open would otherwise hold install up however the wrapper ended.
 */
export function readVersion(binary: string, env: NodeJS.ProcessEnv, timeoutMs = VERSION_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolvePromise) => {
    let out = '';
    let settled = false;
    let child: ReturnType<typeof spawn> | undefined;
    const finish = (version: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      resolvePromise(version);
    };
    const timer = setTimeout(() => {
      try {
        if (child?.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      finish(null);
    }, timeoutMs);
    try {
      child = spawn(binary, ['--version'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch {
      finish(null);
      return;
    }
    const take = (d: Buffer): void => {
      if (out.length < 64 * 1024) out += d.toString('utf8');
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    let exitCode: number | null = null;
    child.on('error', () => finish(null));
    child.on('close', (code) => finish(code === 0 ? parseVersion(out) : null));
    child.on('exit', (code) => {
      exitCode = code;
      // 'close' waits for the pipes; a child the CLI left behind may hold them open. 200 ms is
      // ample for output written before the exit to arrive.
      setTimeout(() => finish(exitCode === 0 ? parseVersion(out) : null), 200).unref();
    });
  });
}

/** Find every known CLI on `env.PATH` and read the versions in parallel. */
export async function detectAgents(env: NodeJS.ProcessEnv, timeoutMs = VERSION_TIMEOUT_MS): Promise<AgentDetection[]> {
  return Promise.all(
    INSTALL_AGENTS.map(async (agent): Promise<AgentDetection> => {
      const names = descriptorOf(agent).binaries;
      const binary = names.map((n) => findOnPath(n, env.PATH ?? '')).find((p) => p !== null) ?? null;
      const version = binary ? await readVersion(binary, env, timeoutMs) : null;
      return { agent, binary, version, config: configLocation(agent, env) };
    }),
  );
}
