/**
 * `relay mode [auto|edit]`: which mode is in force, or set it in $RELAY_HOME/config.yaml. Only
 * the `mode:` value changes in the file; everything else stays byte for byte. The daemon is not
 * involved: it reads the mode from config.yaml for each task.
 */
import { writeMode } from '../../config/modeFile.js';
import type { RelayMode } from '../../config/modeSetting.js';
import { describeMadePrivate, relayPaths } from '../../platform/paths.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

const MEANING: Record<RelayMode, string> = {
  auto: 'each call runs at once (relay mode edit: show each call and ask first)',
  edit: 'each call first shows worker, provider, model and estimated cost and asks y/N (relay mode auto: run at once)',
};

export function mode(wanted: RelayMode | undefined, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    // Validates the whole file: a broken config is reported (E_CONFIG) and never rewritten.
    const { mode: inForce, changed, madePrivate } = writeMode(paths, wanted);
    if (madePrivate) process.stderr.write(`${describeMadePrivate(madePrivate)}\n`);
    if (opts.json) printJson({ mode: inForce, changed, config: paths.config });
    else printLine(`${inForce} — ${MEANING[inForce]}${changed ? ` (written to ${paths.config})` : ''}`);
  });
}
