/** Waiting on conditions, with a bound, instead of on time. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `cond` every `everyMs` until it holds or `timeoutMs` passes.
 * @returns whether it held; the caller decides if not holding is an error.
 */
export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
