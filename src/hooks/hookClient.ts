/**
 * The hook's end of the hook socket (`run/hook.sock`): one connection, one line out
 * (`JSON.stringify(event)`), one line back (`ok`, or `error <reason>`). Plain `node:net`: a hook
 * runs inside an agent's loop and cannot afford to load ZeroMQ.
 */
import { createConnection } from 'node:net';
import type { RelayPaths } from '../platform/paths.js';
import type { HookEvent } from './hookEvent.js';

/** An answer longer than this is not the daemon's `ok`/`error` line. */
const MAX_ANSWER_BYTES = 4096;

/**
 * Send `event` to the daemon. True once it answered `ok` (the event is logged); false on any
 * error, an `error …` answer, or no answer within `timeoutMs` (ENOENT/ECONNREFUSED when the
 * daemon is down): the caller then spools the event. Never rejects.
 */
export function sendHookEvent(paths: RelayPaths, event: HookEvent, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const socket = createConnection(paths.hookSocket);
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(event)}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      const nl = answer.indexOf('\n');
      if (nl >= 0) finish(answer.slice(0, nl).trim() === 'ok');
      else if (answer.length > MAX_ANSWER_BYTES) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}
