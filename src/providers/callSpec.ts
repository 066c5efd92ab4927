/**
 * What the daemon hands a worker thread for one call, and what comes back. A spec is plain
 * data (it crosses `postMessage`), built by the daemon from the route it picked; the worker
 * (callWorker.ts) runs it and streams {@link StreamEvent}s on the MessagePort it was given,
 * then resolves with the {@link CallOutcome}.
 */
import type { ChatMessage } from '../protocol/providerProtocol.js';

/** The HTTP wire formats. DeepSeek, Ollama, LM Studio, vLLM and OpenRouter speak `openai-chat`. */
export type HttpWire = 'openai-chat' | 'anthropic-messages' | 'gemini-generate';

export interface CallTimeouts {
  /** From sending the request to the first byte of the body (or the CLI's first JSON line). */
  firstByteMs: number;
  /** Longest silence between two chunks once the answer has started. */
  idleMs: number;
}

/** Longest answer a call may stream before it is cut (`too_large`); 64 MiB. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export const DEFAULT_TIMEOUTS: CallTimeouts = { firstByteMs: 60_000, idleMs: 60_000 };

export interface HttpCallSpec {
  kind: 'http';
  /** The provider's name (`openai`, `ollama`, a config name): one pooled dispatcher per name. */
  provider: string;
  wire: HttpWire;
  /** Without the path the wire adds (`https://api.openai.com/v1`, `https://api.anthropic.com`). */
  baseUrl: string;
  /** Never logged, never in an event; absent for a local model. */
  apiKey?: string;
  /**
   * How the key is sent; by wire when absent: `bearer` (openai-chat), `x-api-key`
   * (anthropic-messages; `bearer` for ANTHROPIC_AUTH_TOKEN), `x-goog-api-key` (gemini-generate).
   */
  authScheme?: 'bearer' | 'x-api-key' | 'x-goog-api-key';
  /** Where the key came from (`OPENAI_API_KEY`, `config.yaml providers.x`): an auth failure's hint names it. */
  keyVariable?: string;
  model: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  /**
   * openai-chat only: the body field for `maxOutputTokens`. OpenAI's own API wants
   * `max_completion_tokens` (its reasoning models refuse `max_tokens`); compatible servers
   * (DeepSeek, Ollama, vLLM) know only `max_tokens`. Absent: chosen by the base URL's host.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  timeouts: CallTimeouts;
  maxAnswerBytes: number;
}

export interface CliCallSpec {
  kind: 'cli';
  provider: string;
  /** The agent kind whose headless JSON the output is (`claude`): picks the parser. */
  agent: string;
  /** The resolved executable. */
  command: string;
  args: string[];
  /** The whole environment of the child (the client's, with the CLI's own additions). */
  env: Record<string, string>;
  cwd: string;
  /** Given on stdin when the CLI takes the prompt there; stdin is closed either way. */
  stdin?: string;
  timeouts: CallTimeouts;
  maxAnswerBytes: number;
}

export type CallSpec = HttpCallSpec | CliCallSpec;
