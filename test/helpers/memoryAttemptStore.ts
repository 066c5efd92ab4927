/** Gemini's BeforeModel attempts kept in memory: parser tests, and replaying recorded payloads in order. */
import type { GeminiAttempts, GeminiAttemptStore } from '../../src/hooks/geminiAttempts.js';

export function memoryAttemptStore(): GeminiAttemptStore & { states: Map<string, GeminiAttempts> } {
  const states = new Map<string, GeminiAttempts>();
  return {
    states,
    load: (c) => states.get(c),
    save: (c, s) => void states.set(c, s),
    clear: (c) => void states.delete(c),
    prune: () => undefined,
  };
}
