/**
 * The lifecycle of one CLI agent (systemId `agent:<id>`). The machine holds the facts; the agent
 * actor feeds it events from the PTY and the limit detector and acts on its state.
 *
 *   spawning → running ⇄ idle → limited → parked → exited | crashed
 */
import { assign, setup } from 'xstate';
import type { AgentExitReason } from '../../protocol/agentProtocol.js';

export type AgentMachineEvent =
  | { type: 'pty.started'; pid: number }
  | { type: 'output.received' }
  | { type: 'output.quiet' }
  | { type: 'limit.detected' }
  | { type: 'park.requested' }
  | { type: 'resume.requested' }
  | { type: 'stop.requested'; reason: AgentExitReason }
  | { type: 'pty.exited'; code: number | null; signal: string | null };

export interface AgentMachineContext {
  pid: number | null;
  /** Set when the agent was limited, so an exit from here on is reported as rate_limited. */
  wasLimited: boolean;
  stopReason: AgentExitReason | null;
  exit: { reason: AgentExitReason; code: number | null; signal: string | null } | null;
}

/** Why the agent ended, from how it ended and what happened before. */
export function exitReason(ctx: AgentMachineContext, code: number | null, signal: string | null): AgentExitReason {
  if (ctx.stopReason) return ctx.stopReason;
  if (ctx.wasLimited) return 'rate_limited';
  // Killed by a signal nobody in Relay sent: a crash (SIGSEGV, SIGABRT, OOM kill).
  if (signal) return 'crashed';
  return code === 0 ? 'done' : 'error';
}

const onExit = {
  'pty.exited': [
    {
      guard: ({ context, event }: { context: AgentMachineContext; event: AgentMachineEvent }) =>
        event.type === 'pty.exited' && exitReason(context, event.code, event.signal) === 'crashed',
      target: '#agent.crashed',
      actions: 'recordExit',
    },
    { target: '#agent.exited', actions: 'recordExit' },
  ],
  'stop.requested': { actions: 'recordStop' },
} as const;

export const agentMachine = setup({
  types: {
    context: {} as AgentMachineContext,
    events: {} as AgentMachineEvent,
  },
  actions: {
    recordExit: assign({
      exit: ({ context, event }) =>
        event.type === 'pty.exited'
          ? { reason: exitReason(context, event.code, event.signal), code: event.code, signal: event.signal }
          : context.exit,
    }),
    recordStop: assign({ stopReason: ({ event }) => (event.type === 'stop.requested' ? event.reason : null) }),
    markLimited: assign({ wasLimited: true }),
  },
}).createMachine({
  id: 'agent',
  context: { pid: null, wasLimited: false, stopReason: null, exit: null },
  initial: 'spawning',
  states: {
    spawning: {
      on: {
        'pty.started': { target: 'running', actions: assign({ pid: ({ event }) => event.pid }) },
        ...onExit,
      },
    },
    running: {
      on: {
        'output.quiet': 'idle',
        'limit.detected': { target: 'limited', actions: 'markLimited' },
        'park.requested': 'parked',
        ...onExit,
      },
    },
    idle: {
      on: {
        'output.received': 'running',
        'limit.detected': { target: 'limited', actions: 'markLimited' },
        'park.requested': 'parked',
        ...onExit,
      },
    },
    limited: {
      on: { 'park.requested': 'parked', ...onExit },
    },
    parked: {
      // The user came back to a parked agent and typed: it works again (its limit may have lifted).
      on: { 'resume.requested': { target: 'running', actions: assign({ wasLimited: false }) }, ...onExit },
    },
    exited: { type: 'final' },
    crashed: { type: 'final' },
  },
});
