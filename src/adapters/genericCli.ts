/**
 * Any other command under `relay wrap` (kind `cli`, agent name `cli:<program>`). Relay knows
 * neither its flags nor its transcripts: it runs the user's command as given, types a handoff
 * prompt into its PTY once the screen is ready, and a snapshot falls back to the screen text.
 * Its limit rules are the known CLIs' shared ones (registry.ts): it may be a wrapper script.
 */
import type { AgentDescriptor, LaunchOptions, LaunchSpec } from './agentDescriptor.js';
import { RelayError } from '../platform/errors.js';

function launch(opts: LaunchOptions): LaunchSpec {
  const [command, ...args] = opts.userArgs ?? [];
  if (command === undefined) {
    throw new RelayError('E_USAGE', 'an unknown CLI agent needs its command line', {
      hint: 'give the command after --, e.g. relay wrap -- aider',
    });
  }
  return { command, args, env: {}, typePrompt: opts.prompt !== undefined };
}

/** Any other CLI. */
export const genericCliDescriptor = {
  kind: 'cli',
  title: 'other CLI',
  binaries: [],
  packages: [],
  launch,
  readTranscript: async () => [],
  limitRules: [],
  hook: null,
  configLocation: null,
  installRole: null,
} as const satisfies AgentDescriptor;
