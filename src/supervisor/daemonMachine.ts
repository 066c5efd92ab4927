/**
 * The daemon's own lifecycle as an actor (systemId `daemon`), so its start, readiness and
 * shutdown reach the event log through the same inspection path as every other actor.
 */
import { assign, setup } from 'xstate';

type DaemonEvent =
  | { type: 'daemon.ready' }
  | { type: 'daemon.stop'; reason: string }
  | { type: 'daemon.stopped' };

export const daemonMachine = setup({
  types: {
    events: {} as DaemonEvent,
    context: {} as { stopReason: string | null },
  },
  actions: {
    rememberReason: assign({ stopReason: ({ event }) => (event.type === 'daemon.stop' ? event.reason : null) }),
  },
}).createMachine({
  id: 'daemon',
  context: { stopReason: null },
  initial: 'starting',
  states: {
    starting: {
      on: {
        'daemon.ready': 'ready',
        'daemon.stop': { target: 'stopping', actions: 'rememberReason' },
      },
    },
    ready: {
      on: {
        'daemon.stop': { target: 'stopping', actions: 'rememberReason' },
      },
    },
    stopping: { on: { 'daemon.stopped': 'stopped' } },
    stopped: { type: 'final' },
  },
});
