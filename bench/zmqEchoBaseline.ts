/** The client side of {@link ./zmqEchoServer.ts}: one DEALER, one message in flight. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Dealer } from 'zeromq';

const SERVER = fileURLToPath(new URL('./zmqEchoServer.ts', import.meta.url));
/** Loading tsx and zeromq takes a second or two on a loaded machine; 15 s means it is stuck. */
const READY_TIMEOUT_MS = 15_000;

export interface ZmqEcho {
  /** One round trip: send a frame, wait for it to come back. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

async function readyOrExit(child: ChildProcess): Promise<void> {
  const signal = AbortSignal.timeout(READY_TIMEOUT_MS);
  const exited = once(child, 'exit', { signal }).then(([code]) => {
    throw new Error(`the zmq echo server exited (${String(code)}) before it was ready`);
  });
  await Promise.race([once(child, 'message', { signal }), exited]);
  exited.catch(() => undefined);
}

/** Start the echo server on `endpoint` (an ipc path inside the caller's temp dir) and connect. */
export async function startZmqEcho(endpoint: string): Promise<ZmqEcho> {
  const child = fork(SERVER, [endpoint], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    await readyOrExit(child);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const dealer = new Dealer();
  dealer.linger = 0;
  dealer.connect(endpoint);
  const frame = Buffer.from('ping');
  return {
    async ping() {
      await dealer.send(frame);
      await dealer.receive();
    },
    async close() {
      dealer.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
