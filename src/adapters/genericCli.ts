/**
 * Any other command under `relay wrap` (kind `cli`). Relay knows neither its flags nor its
 * transcripts: it runs the user's command as given, types a handoff prompt into its PTY once the
 * screen is ready, and a snapshot falls back to the screen text.
 */
import type { AgentAdapter, LaunchOptions, LaunchSpec, TranscriptQuery, Turn } from './agentAdapter.js';
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

async function readTranscript(_q: TranscriptQuery): Promise<Turn[]> {
  return [];
}

/** Any other CLI. */
export const genericCliAdapter: AgentAdapter = {
  kind: 'cli',
  binaries: [],
  launch,
  readTranscript,
};
