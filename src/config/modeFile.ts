/**
 * Setting the mode in $RELAY_HOME/config.yaml, for `relay mode` and the workspace's mode toggle:
 * only the `mode:` value changes (see modeSetting), the file is validated first (a broken config
 * is reported, never rewritten) and written atomically, private to the user.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { ensurePrivateDir, type MadePrivate, type RelayPaths } from '../platform/paths.js';
import { setModeInText, type RelayMode } from './modeSetting.js';
import { loadConfig } from './relayConfig.js';

/** config.yaml's text, or null when there is none (the defaults apply). */
function readConfigText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export interface ModeChange {
  /** The mode in force afterwards. */
  mode: RelayMode;
  changed: boolean;
  /** RELAY_HOME was made private on the way (say so). */
  madePrivate: MadePrivate | null;
}

/** The mode in force, set to `wanted` first when given. */
export function writeMode(paths: Pick<RelayPaths, 'config' | 'home'>, wanted: RelayMode | undefined): ModeChange {
  const current = loadConfig(paths).mode;
  if (wanted === undefined || wanted === current) return { mode: current, changed: false, madePrivate: null };
  const after = setModeInText(readConfigText(paths.config) ?? '', wanted, paths.config);
  const madePrivate = ensurePrivateDir(paths.home);
  writeFileAtomicSync(paths.config, after);
  return { mode: wanted, changed: true, madePrivate };
}
