// Builds better-sqlite3's native binding from the root's `prepare`, after the dependencies are
// in place. package.json denies better-sqlite3's own install script (npm 11 `allowScripts`),
// because that script, with no prebuilt binary reachable, falls back to a node-gyp build that
// downloads Node's headers from nodejs.org: with only the npm registry reachable the whole
// `npm install` failed. Here the same two steps run with a better fallback:
//   1. the prebuilt binary (prebuild-install, from github.com), when reachable;
//   2. a source build against the headers installed with Node itself (`<prefix>/include/node`,
//      Debian's libnode-dev in /usr), found by looking, not by configuration.
// It prints one line and exits 1 when neither works, saying what a source build needs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const quiet = process.env.RELAY_NATIVE_BUILD_VERBOSE !== '1';

function bindingLoads() {
  try {
    // A fresh process: a failed load in this one would be cached.
    const r = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: dirname(new URL(import.meta.url).pathname), stdio: 'ignore' });
    return r.status === 0;
  } catch {
    return false;
  }
}

function run(command, args, cwd, timeoutMs) {
  const r = spawnSync(command, args, { cwd, stdio: quiet ? 'ignore' : 'inherit', timeout: timeoutMs, env: process.env });
  return r.status === 0;
}

/** A directory whose include/node holds headers of exactly this Node version, or undefined. */
function nodeHeaders() {
  const v = process.versions.node;
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr', '/usr/local'].filter(Boolean);
  for (const dir of candidates) {
    try {
      const h = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
      const part = (name) => h.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
      if (`${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === v) return dir;
    } catch {
      // Not there: the next candidate.
    }
  }
  return undefined;
}

/** npm's own node-gyp (npm tells its scripts where it is), else one installed beside npm. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const beside = join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(beside)) return beside;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

function main() {
  if (bindingLoads()) return 0;
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const prebuild = join(dirname(require.resolve('prebuild-install/package.json', { paths: [pkgDir] })), 'bin.js');
  if (run(process.execPath, [prebuild], pkgDir, 60_000) && bindingLoads()) return 0;
  const headers = nodeHeaders();
  const gyp = nodeGyp();
  if (gyp && headers) {
    if (!quiet) console.error(`relay: building better-sqlite3 from source against the Node headers in ${headers}`);
    if (run(process.execPath, [gyp, 'rebuild', '--release', `--nodedir=${headers}`], pkgDir, 600_000) && bindingLoads()) return 0;
  }
  const missing = [
    ...(gyp ? [] : ['node-gyp (it comes with npm)']),
    ...(headers ? [] : [`Node ${process.versions.node}'s headers (include/node under ${dirname(dirname(process.execPath))}; Debian: apt-get install libnode-dev)`]),
  ];
  console.error(
    `relay: better-sqlite3 has no binary for Node ${process.versions.node}: no prebuilt one could be fetched (github.com) and the source build failed` +
      `${missing.length ? ` — missing ${missing.join(' and ')}` : ''}; a source build needs python3, make, a C++ compiler and Node's headers (RELAY_NATIVE_BUILD_VERBOSE=1 npm install shows the build)`,
  );
  return 1;
}

process.exit(main());
