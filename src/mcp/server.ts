/**
 * Relay as an MCP server: the tools an agent (Claude Code, Codex, Gemini CLI, OpenCode, Warp…)
 * can call to see the supervisor's state, read the last handoff snapshot, hand its session on,
 * and remember or recall facts across sessions. Transport-free: `relay mcp` connects it to
 * stdio, tests may connect it to anything.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MAX_FACT_BYTES } from '../protocol/knowledgeProtocol.js';
import { relayVersion } from '../platform/packageInfo.js';
import type { RelayPaths } from '../platform/paths.js';
import { DEFAULT_RECALL, MAX_RECALL } from '../store/knowledgeRepo.js';
import type { DaemonLink } from './daemonLink.js';
import { runTool } from './toolResult.js';
import { factsText, handoffText, noSnapshotText, rememberedText, snapshotText, statusText } from './toolText.js';

/**
 * A handoff reads a transcript, runs git and starts a CLI before it answers. MCP clients commonly
 * give a tool call 60 s; answering within 50 s lets a slow handoff come back as a readable
 * error instead of the client's bare timeout.
 */
const HANDOFF_TIMEOUT_MS = 50_000;

/** What the tools need: where Relay lives, the daemon connection, the agent's directory. */
interface RelayMcpOptions {
  paths: RelayPaths;
  link: DaemonLink;
  /** The directory the agent works in: facts are remembered for it and recalled from it. */
  cwd: string;
  /** The clock for "written 5m ago"; Date.now unless given. */
  now?: () => number;
}

/** What the client shows the model once, at connection: when each tool is worth calling. */
const INSTRUCTIONS = [
  'Relay supervises AI coding agents and hands a task to the next agent when one hits its rate or usage limit.',
  'Call recall at the start of a task to see facts remembered in earlier sessions (by you or another agent);',
  'call remember for a durable fact worth knowing next time (how to build or test, a convention, a decision and why).',
  'status and latest_snapshot show what Relay is doing; handoff_now passes a relay session to the next agent.',
].join(' ');

/** An MCP server with Relay's five tools, not yet connected to a transport. */
export function createRelayMcpServer(opts: RelayMcpOptions): McpServer {
  const { paths, link, cwd } = opts;
  const now = opts.now ?? Date.now;
  const server = new McpServer({ name: 'relay', version: relayVersion() }, { instructions: INSTRUCTIONS });

  server.registerTool(
    'status',
    {
      title: 'Relay status',
      description:
        'Show the Relay daemon (pid, version, uptime), the agents it supervises (id, state, pid, relay session, command) ' +
        'and the relay sessions (fallback order, active agent, state, task). Starts the daemon if it is not running.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      runTool(async () => {
        const [daemon, agents, relays] = await Promise.all([
          link.request('daemon.status', {}),
          link.request('agent.list', {}),
          link.request('relay.list', {}),
        ]);
        return statusText(daemon, agents.agents, relays.sessions, now());
      }),
  );

  server.registerTool(
    'latest_snapshot',
    {
      title: 'Latest handoff snapshot',
      description:
        'Read the most recent handoff snapshot: the Markdown Relay wrote when a relay session passed from one agent to the next ' +
        '(task, working directory, git state, last turns of the conversation, which limit was hit and until when, what to do next). ' +
        'Call it when you take over a task from another agent. Says so plainly when no handoff has happened yet.',
      inputSchema: {
        relaySession: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .describe('Only snapshots of this relay session (an id from the status tool); the newest of all when omitted.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ relaySession }) =>
      runTool(async () => {
        // better-sqlite3 is loaded when a snapshot is first asked for, not at start-up.
        const { readLatestSnapshot } = await import('./snapshotReader.js');
        const found = readLatestSnapshot(paths, relaySession);
        return found ? snapshotText(found, now()) : noSnapshotText(relaySession);
      }),
  );

  server.registerTool(
    'handoff_now',
    {
      title: 'Hand off now',
      description:
        'Hand a relay session on to the next agent now, as if its agent had hit its limit: Relay writes a snapshot, parks the ' +
        'current agent (it can be resumed) and starts the next one in the fallback order with the snapshot as its first prompt. ' +
        'If you are the active agent of that session, your session is parked and another agent continues the task.',
      inputSchema: {
        agent: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .describe('Which session: an agent id (claude-1), an agent name (claude) or a relay session id. Default: the most recent session.'),
        to: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .optional()
          .describe('The agent to hand to: claude, codex, gemini, opencode or cli:<program>. Default: the next available one in the order.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ agent, to }) =>
      runTool(async () =>
        handoffText(await link.request('relay.handoff', { ...(agent ? { agent } : {}), ...(to ? { to } : {}) }, HANDOFF_TIMEOUT_MS)),
      ),
  );

  server.registerTool(
    'remember',
    {
      title: 'Remember a fact',
      description:
        'Store a durable fact so that it is recalled in later sessions, by you or by any other agent Relay runs: how to build or ' +
        'test this project, a convention, a decision and its reason, a preference of the user. One self-contained fact per call, ' +
        'written so it makes sense without this conversation. Secrets (API keys, tokens) are redacted before storing. ' +
        'Remembering the same text again returns the existing fact.',
      inputSchema: {
        text: z.string().trim().min(1).max(MAX_FACT_BYTES).describe('The fact, in a sentence or a short paragraph.'),
        scope: z
          .enum(['global', 'project'])
          .default('project')
          .describe(`"project": holds only in this project (${cwd} and below). "global": holds everywhere (e.g. a user preference).`),
        tags: z
          .array(z.string().trim().min(1).max(40))
          .max(20)
          .optional()
          .describe('A few short labels that help find the fact later (build, tests, style).'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ text, scope, tags }) =>
      runTool(async () =>
        rememberedText(await link.request('knowledge.remember', { text, scope, cwd, ...(tags ? { tags } : {}) })),
      ),
  );

  server.registerTool(
    'recall',
    {
      title: 'Recall facts',
      description:
        'Search the facts remembered in earlier sessions: the global ones and those of this project. Give a few keywords or a ' +
        'question in plain words (no search syntax needed); the most relevant facts come first, each with its id and tags.',
      inputSchema: {
        query: z.string().trim().min(1).max(MAX_FACT_BYTES).describe('Keywords or a question, e.g. "how to run the tests".'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_RECALL)
          .default(DEFAULT_RECALL)
          .describe(`How many facts at most (1 to ${MAX_RECALL}).`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ query, limit }) =>
      runTool(async () => factsText(query, (await link.request('knowledge.recall', { query, cwd, limit })).facts, cwd)),
  );

  return server;
}
