/**
 * `relay logs <agent> [-f]`: what an agent printed, from its log under RELAY_HOME/logs/agents
 * (redacted, rotated at 5 MB: the older parts first). With -f, follow it until the agent exits
 * or Ctrl+C.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BusClient } from '../../bus/busClient.js';
import { EventSubscriber } from '../../bus/eventSubscriber.js';
import { relayPaths } from '../../platform/paths.js';
import { TOPIC } from '../../protocol/requests.js';
import type { EventRecord } from '../../protocol/eventRecord.js';
import { ensureDaemon } from '../../client/daemonLauncher.js';
import { runCommand } from '../output.js';

interface LogsOptions {
  follow?: boolean;
}

/** How often -f looks for new output. */
const POLL_MS = 200;
const CHUNK = 64 * 1024;

/** The rotated parts (`<yyyymmdd-hhmm-nn>-<id>.log`, oldest first), then the current file. */
function logParts(file: string): string[] {
  const dir = dirname(file);
  const name = basename(file);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const rotated = names.filter((n) => /^\d{8}-\d{4}-\d{2}-/.test(n) && n.slice(17) === name).sort();
  return [...rotated, ...(names.includes(name) ? [name] : [])].map((n) => join(dir, n));
}

/** Copy `file` from `offset` to stdout; returns the new offset (0 again after a rotation). */
function copyFrom(file: string, offset: number): number {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return 0;
  }
  // Rotated away and started anew: read the new file from its start.
  let at = size < offset ? 0 : offset;
  if (size === at) return at;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, at);
      if (n === 0) break;
      process.stdout.write(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return at;
}

export function logs(name: string, opts: LogsOptions): Promise<number> {
  return runCommand(false, async () => {
    const paths = relayPaths();
    await ensureDaemon(paths);
    const client = new BusClient(paths);
    let exited = false;
    let wake: (() => void) | undefined;
    let target = '';
    // Every exit heard, so one between the lookup's answer and `target` being set is not missed.
    const exits = new Set<string>();
    // Subscribed before the agent is looked up, so an exit in between is not missed.
    const sub = opts.follow
      ? new EventSubscriber(paths, [TOPIC.eventPrefix('agent.exited')], (_topic, value) => {
          const actor = (value as EventRecord).actor;
          exits.add(actor);
          if (actor === `agent:${target}`) {
            exited = true;
            wake?.();
          }
        })
      : undefined;
    const stop = (): void => {
      exited = true;
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.on('error', stop);
    try {
      if (sub) await sub.live(client);
      const { agent, logFile } = await client.request('agent.resolve', { name });
      target = agent.id;
      if (exits.has(`agent:${target}`)) exited = true;
      const parts = logParts(logFile);
      for (const part of parts.slice(0, -1)) copyFrom(part, 0);
      let offset = copyFrom(logFile, 0);
      if (!opts.follow || agent.exit || agent.previousRun) return;
      // The subscription was live before the lookup: an exit after it is heard.
      while (!exited) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, POLL_MS).unref();
        });
        offset = copyFrom(logFile, offset);
      }
      // The last output is written just before the exit is recorded; one more look gets it.
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      copyFrom(logFile, offset);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await sub?.close();
      await client.close();
    }
  });
}
