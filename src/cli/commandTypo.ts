/**
 * `relay porviders`: a lone word that is a command misspelt, not a task. Sending it to a model
 * would spend money on a typo, so it is a usage error that names the command. Only a single word
 * of letters counts (a real task has spaces or punctuation, or goes through `relay ask`), and
 * only within 2 edits, fewer for short names: every two-letter word is 2 edits from `ps`.
 */
import { editDistance } from '../config/nearestKey.js';

const COMMAND_LIKE = /^[a-z][a-z-]*$/i;

/** The command `words` (the task's words as typed) probably meant, or undefined for a real task. */
export function commandTypo(words: readonly string[], commands: readonly string[]): string | undefined {
  if (words.length !== 1) return undefined;
  const word = words[0]!.trim();
  if (!COMMAND_LIKE.test(word)) return undefined;
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(word, name);
    if (distance > Math.min(2, Math.floor(name.length / 2))) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name;
}
