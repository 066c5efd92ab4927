/**
 * From a routed pick to the plain-data spec a worker thread runs: the provider's base URL, key
 * and wire for an API; the resolved binary, headless arguments and environment for an agent CLI.
 * The key goes into the spec (it crosses into the worker thread, in memory) and nowhere else.
 */
import type { RelayConfig } from '../../config/relayConfig.js';
import type { ChatMessage } from '../../protocol/providerProtocol.js';
import { MAX_ANSWER_BYTES, type CallSpec, type CallTimeouts } from '../../providers/callSpec.js';
import type { DetectedProvider } from '../../providers/detectProviders.js';
import { CLI_DEFAULT_MODEL } from '../../adapters/agentDescriptor.js';
import { descriptorOf, isKnownKind } from '../../adapters/registry.js';

/** The most an answer may be, for the reservation and the request (a worker's answer is prose). */
export const MAX_OUTPUT_TOKENS = 4_096;

export interface CallTarget {
  provider: DetectedProvider;
  model: string;
  messages: ChatMessage[];
  /** The client's environment and directory: a CLI runs as if started from the user's shell. */
  env: Record<string, string>;
  cwd: string;
  routing: RelayConfig['routing'];
}

function timeouts(routing: RelayConfig['routing']): CallTimeouts {
  return { firstByteMs: routing.firstByteTimeoutMs, idleMs: routing.idleTimeoutMs };
}

/**
 * An agent CLI takes one prompt, with its own system prompt already in place: the worker's
 * instructions lead, then the request.
 */
export function cliPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => (m.role === 'assistant' ? `Earlier answer:\n${m.content}` : m.content)).join('\n\n');
}

export function buildCallSpec(t: CallTarget): CallSpec {
  const p = t.provider;
  if (p.kind === 'cli') {
    const agent = p.agent ?? '';
    const mode = isKnownKind(agent) ? descriptorOf(agent).headless : undefined;
    if (!mode || !p.command) throw new Error(`provider ${p.name} has no headless CLI to run`);
    const prompt = cliPrompt(t.messages);
    const model = t.model === CLI_DEFAULT_MODEL ? undefined : t.model;
    const onStdin = mode.promptOnStdin(prompt);
    return {
      kind: 'cli',
      provider: p.name,
      agent,
      command: p.command,
      args: mode.args(prompt, model),
      env: { ...t.env, ...mode.env },
      cwd: t.cwd,
      ...(onStdin ? { stdin: prompt } : {}),
      timeouts: timeouts(t.routing),
      maxAnswerBytes: MAX_ANSWER_BYTES,
    };
  }
  if (!p.wire || !p.baseUrl) throw new Error(`provider ${p.name} has no wire format or base URL`);
  return {
    kind: 'http',
    provider: p.name,
    wire: p.wire,
    baseUrl: p.baseUrl,
    ...(p.apiKey ? { apiKey: p.apiKey } : {}),
    ...(p.authScheme ? { authScheme: p.authScheme } : {}),
    // Named in a 401's hint ("check ANTHROPIC_API_KEY"); the key itself never is.
    ...(p.keyVariable ? { keyVariable: p.keyVariable } : {}),
    model: t.model,
    messages: t.messages,
    maxOutputTokens: MAX_OUTPUT_TOKENS,
    timeouts: timeouts(t.routing),
    maxAnswerBytes: MAX_ANSWER_BYTES,
  };
}
