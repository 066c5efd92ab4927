/**
 * A private Relay world per test: RELAY_HOME and HOME in a fresh temp dir, the real built CLI
 * run as a child process, and a cleanup that stops the daemon and then proves nothing was left
 * behind: no process mentioning the dir, no fd of this process into it, no unix socket bound
 * under it by any process, and the dir itself gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { relayPaths, type RelayPaths } from '../../src/platform/paths.js';
import { fdsUnder, processesMentioning, socketsUnder } from './leaks.js';
import { makeTempDir, removeTempDir } from './tempDir.js';
import { waitFor } from './waitFor.js';

/** How long a closed in-process ZeroMQ socket may stay bound (it unbinds on its I/O thread). */
const SOCKET_RELEASE_MS = 2_000;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface TempHome {
  root: string;
  home: string;
  env: NodeJS.ProcessEnv;
  paths: RelayPaths;
  /** Run `relay <args>` to completion. */
  relay(args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult>;
  /** Start `relay <args>` and return the running child (the caller ends it). */
  spawnRelay(args: string[]): ChildProcess;
  cleanup(): Promise<void>;
}


export function collect(child: ChildProcess, timeoutMs = 30_000): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function makeTempHome(): TempHome {
  // Short prefix: ipc socket paths must stay under 107 bytes.
  const root = makeTempDir('t');
  const home = join(root, 'rh');
  const userHome = join(root, 'home');
  mkdirSync(userHome);
  const env: NodeJS.ProcessEnv = { ...process.env, RELAY_HOME: home, HOME: userHome };
  delete env.RELAY_DEBUG;
  const paths = relayPaths(home);

  const spawnRelay = (args: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess =>
    spawn(process.execPath, [CLI_ENTRY, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });

  return {
    root,
    home,
    env,
    paths,
    relay: (args, opts = {}) => collect(spawnRelay(args, opts.env), opts.timeoutMs),
    spawnRelay: (args) => spawnRelay(args),
    async cleanup() {
      if (existsSync(paths.pidFile)) await collect(spawnRelay(['daemon', 'stop']));
      const left = processesMentioning(root);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // Read before the dir goes: a socket file removed while bound still shows in /proc/net/unix.
      // ZeroMQ closes a socket (its fd, its binding) on its I/O thread after close() returns:
      // give an in-process server a bounded moment to let go, then whatever is still open or
      // bound is a leak.
      const open = (): { fds: string[]; sockets: string[] } => ({ fds: fdsUnder(root), sockets: socketsUnder(root) });
      const { fds, sockets } = await waitFor(() => {
        const o = open();
        return o.fds.length + o.sockets.length === 0 ? o : undefined;
      }, 'fds and sockets under the dir to be released', SOCKET_RELEASE_MS).catch(open);
      removeTempDir(root);
      assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`);
      assert.deepEqual(fds, [], `file descriptors left open: ${fds.join('; ')}`);
      assert.deepEqual(sockets, [], `unix sockets still bound: ${sockets.join('; ')}`);
    },
  };
}
