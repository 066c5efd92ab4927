/**
 * How many input tokens a prompt is, before it is sent: what the budget guard reserves for the
 * prompt and the router checks against a model's context size. One real tokenizer for every
 * model (OpenAI's o200k_base, via gpt-tokenizer): exact for OpenAI's current models, within
 * some percent for Claude, Gemini and DeepSeek, whose own tokenizers are not published for
 * offline use. The reservation's output part (the maximum output) is far larger than that error.
 */
import { createRequire } from 'node:module';
import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from '../protocol/providerProtocol.js';

/**
 * Tokens each message adds around its content (OpenAI's chat format: `<|im_start|>`, the role,
 * `<|im_sep|>` or a newline, `<|im_end|>`), and the tokens that prime the reply. Anthropic and
 * Gemini frame turns with a similar handful.
 */
export const TOKENS_PER_MESSAGE = 4;
export const TOKENS_PER_REPLY = 3;

type Tokenizer = typeof O200k;
let tokenizer: Tokenizer | undefined;

/**
 * The o200k ranks take ~180 ms to load: loaded on the first count, not when the daemon starts.
 * Its CommonJS build, because a count is synchronous.
 */
function o200k(): Tokenizer {
  tokenizer ??= createRequire(import.meta.url)('gpt-tokenizer/cjs/encoding/o200k_base') as Tokenizer;
  return tokenizer;
}

/**
 * Text that looks like a special token (`<|endoftext|>` in a pasted file) is counted as the
 * plain text it is: the tokenizer would otherwise throw on it, and a provider sends it as text.
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Input tokens of `messages` as a model will count them (content plus framing). */
export function countTokens(messages: readonly ChatMessage[]): number {
  if (messages.length === 0) return 0;
  const { countTokens: count } = o200k();
  let total = TOKENS_PER_REPLY;
  for (const m of messages) total += TOKENS_PER_MESSAGE + (m.content === '' ? 0 : count(m.content, AS_TEXT));
  return total;
}
