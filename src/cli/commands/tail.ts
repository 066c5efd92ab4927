/** `relay daemon tail`: replay recent events, then follow live until Ctrl+C. */
import { followEvents } from '../../bus/followEvents.js';
import { relayPaths } from '../../platform/paths.js';
import { ensureDaemon } from '../../client/daemonLauncher.js';
import { formatEventLine } from '../../ui/eventLine.js';
import { runCommand } from '../output.js';

interface TailOptions {
  since?: number;
  type?: string;
  lines: string;
  follow: boolean;
  json?: boolean;
}

export function daemonTail(opts: TailOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    await ensureDaemon(paths);
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A closed pipe (`relay daemon tail | head`) ends the tail quietly, like Ctrl+C.
    process.stdout.on('error', stop);
    const recent = Math.max(0, Number(opts.lines) || 0);
    try {
      for await (const e of followEvents(paths, {
        ...(opts.since !== undefined ? { since: opts.since } : { last: recent }),
        ...(opts.type ? { typePrefix: opts.type } : {}),
        follow: opts.follow,
        signal: controller.signal,
      })) {
        process.stdout.write(`${opts.json ? JSON.stringify(e) : formatEventLine(e)}\n`);
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}
