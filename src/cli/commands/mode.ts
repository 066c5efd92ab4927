/**
 * `relay mode [auto|edit]`: which mode is in force, or set it in $RELAY_HOME/config.yaml. Only
 * the `mode:` value changes in the file; everything else stays byte for byte. The daemon is not
 * involved: it reads the mode from config.yaml for each task.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/relayConfig.js';
import { setModeInText, type RelayMode } from '../../config/modeSetting.js';
import { writeFileAtomicSync } from '../../platform/atomicWrite.js';
import { describeMadePrivate, ensurePrivateDir, relayPaths } from '../../platform/paths.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

const MEANING: Record<RelayMode, string> = {
  auto: 'each call runs at once (relay mode edit: show each call and ask first)',
  edit: 'each call first shows worker, provider, model and estimated cost and asks y/N (relay mode auto: run at once)',
};

/** config.yaml's text, or null when there is none (the defaults apply). */
function readConfigText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function mode(wanted: RelayMode | undefined, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    // Validates the whole file: a broken config is reported (E_CONFIG) and never rewritten.
    const current = loadConfig(paths).mode;
    const changed = wanted !== undefined && wanted !== current;
    if (changed) {
      const before = readConfigText(paths.config);
      const after = setModeInText(before ?? '', wanted, paths.config);
      const madePrivate = ensurePrivateDir(paths.home);
      if (madePrivate) process.stderr.write(`${describeMadePrivate(madePrivate)}\n`);
      writeFileAtomicSync(paths.config, after);
    }
    const inForce = wanted ?? current;
    if (opts.json) printJson({ mode: inForce, changed, config: paths.config });
    else printLine(`${inForce} — ${MEANING[inForce]}${changed ? ` (written to ${paths.config})` : ''}`);
  });
}
