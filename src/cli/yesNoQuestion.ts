/**
 * One y/N question on the terminal (edit mode's `run it? [y/N]`). The line is read with the
 * terminal left in its normal (cooked) mode, so Ctrl+C stays a SIGINT the task's cancel handles
 * and Ctrl+D is an answer (no). Only a yes is a yes.
 */
import { createInterface } from 'node:readline';

export function askYesNo(
  question: string,
  signal: AbortSignal,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    // terminal: false keeps the TTY out of raw mode (readline would turn Ctrl+C into its own event).
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    const done = (yes: boolean): void => {
      if (answered) return;
      answered = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(yes);
    };
    const onAbort = (): void => {
      output.write('\n');
      done(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => done(/^\s*y(es)?\s*$/i.test(line)));
    rl.once('close', () => done(false));
    output.write(question);
  });
}
