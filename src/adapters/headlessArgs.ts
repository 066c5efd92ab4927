/**
 * What the four headless modes share when they build a command line: when a prompt is too long
 * for argv, and how a model choice becomes a flag.
 */
import { CLI_DEFAULT_MODEL } from './agentDescriptor.js';

/**
 * Prompts longer than this go on stdin. Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN)
 * and the whole argv plus environment at ARG_MAX; a quarter of the first leaves room for a large
 * environment, and a prompt in argv is visible to every user in `ps`, so big contexts never are.
 */
export const HEADLESS_ARGV_MAX_BYTES = 32 * 1024;

/** True when `prompt` is too long to pass as an argument. */
export function isLongPrompt(prompt: string): boolean {
  return Buffer.byteLength(prompt, 'utf8') > HEADLESS_ARGV_MAX_BYTES;
}

/** `[flag, model]`, or nothing for the CLI's own default. */
export function modelArgs(flag: string, model: string | undefined): string[] {
  return model === undefined || model === CLI_DEFAULT_MODEL ? [] : [flag, model];
}
