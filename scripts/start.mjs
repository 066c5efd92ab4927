// `npm start`: on a terminal, the workspace (`relay` with no arguments); anywhere else (CI, a
// pipe), start the daemon and print the doctor's report, as before there was a workspace.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const relay = fileURLToPath(new URL('../bin/relay.js', import.meta.url));
const run = (args) => spawnSync(process.execPath, [relay, ...args], { stdio: 'inherit' }).status ?? 1;

if (process.stdin.isTTY && process.stdout.isTTY) process.exit(run([]));
const started = run(['daemon', 'start']);
process.exit(started === 0 ? run(['doctor']) : started);
