/**
 * The source of Relay's OpenCode plugin, `<config>/plugins/relay.js`.
 *
 * Checked against opencode 1.18.33: OpenCode imports every `{plugin,plugins}/*.{ts,js}` in its
 * config directories; a module without a default `{id, server}` object is a "legacy" plugin,
 * and then EVERY export must be a function `(input, options) => hooks` — so this file exports
 * exactly one function and nothing else. Bus events reach `hooks.event({event})` with `event`
 * = `{id, type, properties}`; OpenCode calls it without awaiting it, inside its own event
 * loop, so the hook returns at once and never throws.
 *
 * No dependencies: the module imports node:child_process and nothing else, so OpenCode has no
 * package to install for it (it imports no `@opencode-ai/plugin`, and install writes no
 * package.json). OpenCode's own npm run at start is explained in opencodeInstaller.ts.
 *
 * Delivery: each wanted event becomes one `relay hook opencode-event` process, JSON on stdin
 * (the event plus OpenCode's `directory`, as src/hooks/parseOpencode.ts reads it). Deliveries
 * run one at a time, so the daemon sees the events in OpenCode's order; a bounded queue drops
 * events in a storm rather than piling up processes; a hook still running after its timeout is
 * killed with its process group.
 */

/** Written into the plugin: this marker is how install and uninstall know the file is Relay's. */
export const OPENCODE_PLUGIN_MARKER = 'relay-opencode-plugin';

export interface OpencodePluginTarget {
  /** Absolute path of the program to run (node). */
  command: string;
  /** Its arguments (`[<relay.js>, "hook", "opencode-event"]`). */
  args: readonly string[];
  /** Extra environment for the hook (RELAY_HOME when install ran with one set). */
  env: Readonly<Record<string, string>>;
  /** Tests only: shorter than the 10 s a stuck hook gets. */
  timeoutMs?: number;
}

/**
 * `relay hook` ends itself within 4 s (hookMain.ts); past 10 s something is wrong with the
 * machine, and the process group is killed so nothing accumulates.
 */
const PLUGIN_HOOK_TIMEOUT_MS = 10_000;
/** About a minute of retry and error events at OpenCode's pace; beyond that, events are dropped. */
const PLUGIN_MAX_QUEUED = 64;

/** The plugin module's text (ES module, no dependencies but node:child_process). */
export function opencodePluginSource(target: OpencodePluginTarget): string {
  const j = (v: unknown): string => JSON.stringify(v);
  return `// ${OPENCODE_PLUGIN_MARKER} v1 — Relay's OpenCode plugin: forwards OpenCode's limit-related events
// (session.error, session.status retry, message.updated with an error, session.idle) to
// \`relay hook opencode-event\`. Written by \`relay install\`; \`relay uninstall\` removes it, and
// each install rewrites it, so edits here do not last.
import { spawn } from "node:child_process";

const COMMAND = ${j(target.command)};
const ARGS = ${j(target.args)};
const ENV = ${j(target.env)};
/** \`relay hook\` ends itself within 4 s; a hook still running after this is killed. */
const HOOK_TIMEOUT_MS = ${target.timeoutMs ?? PLUGIN_HOOK_TIMEOUT_MS};
/** Events waiting for delivery; beyond this they are dropped instead of piling up processes. */
const MAX_QUEUED = ${PLUGIN_MAX_QUEUED};

function wanted(event) {
  if (!event || typeof event.type !== "string") return false;
  const p = event.properties || {};
  switch (event.type) {
    case "session.error":
    case "session.idle":
      return true;
    case "session.status":
      return Boolean(p.status && p.status.type === "retry");
    case "message.updated":
      return Boolean(p.info && p.info.error);
    default:
      return false;
  }
}

function deliver(payload) {
  return new Promise((resolve) => {
    let child;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      finish();
    }, HOOK_TIMEOUT_MS);
    if (timer.unref) timer.unref();
    try {
      child = spawn(COMMAND, ARGS, { stdio: ["pipe", "ignore", "ignore"], env: { ...process.env, ...ENV }, detached: true });
      child.on("error", finish);
      child.on("exit", finish);
      child.stdin.on("error", () => {});
      child.stdin.end(payload);
      child.unref();
    } catch {
      finish();
    }
  });
}

export const RelayPlugin = async (input) => {
  const directory = input && typeof input.directory === "string" ? input.directory : undefined;
  let queue = Promise.resolve();
  let queued = 0;
  return {
    event: async (input) => {
      try {
        const event = input ? input.event : undefined;
        if (!wanted(event) || queued >= MAX_QUEUED) return;
        const payload = JSON.stringify(directory === undefined ? event : { ...event, directory });
        queued++;
        queue = queue
          .then(() => deliver(payload))
          .catch(() => {})
          .then(() => {
            queued--;
          });
      } catch {
        // Relay must never break OpenCode.
      }
    },
  };
};
`;
}
