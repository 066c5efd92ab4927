/** Finding an executable on the PATH, as a shell would, without running anything. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where a command was looked for and what was there. */
export type Located =
  | { found: true; path: string }
  /** `not_executable`: a file of that name exists (at `path`) but may not be run; else nothing. */
  | { found: false; why: 'not_found' | 'not_executable'; path?: string };

function isExecutableFile(file: string): 'yes' | 'not_executable' | 'absent' {
  try {
    if (!statSync(file).isFile()) return 'absent';
  } catch {
    return 'absent';
  }
  try {
    accessSync(file, constants.X_OK);
    return 'yes';
  } catch {
    return 'not_executable';
  }
}

/**
 * Look `command` up as a shell would: a name with a slash is a path (relative ones against
 * `cwd`), any other name is searched in the PATH's directories. A file that exists but may not
 * be run is reported as such (the shell's "permission denied"), not as missing.
 */
export function locateExecutable(command: string, pathEnv: string, cwd: string = process.cwd()): Located {
  if (command === '') return { found: false, why: 'not_found' };
  if (command.includes('/')) {
    const file = command.startsWith('/') ? command : join(cwd, command);
    const state = isExecutableFile(file);
    if (state === 'yes') return { found: true, path: command };
    return state === 'not_executable' ? { found: false, why: 'not_executable', path: file } : { found: false, why: 'not_found' };
  }
  let denied: string | undefined;
  for (const dir of pathEnv.split(delimiter)) {
    // An empty entry means the current directory: the answer must not depend on where it runs.
    if (!dir) continue;
    const file = join(dir, command);
    const state = isExecutableFile(file);
    if (state === 'yes') return { found: true, path: file };
    if (state === 'not_executable') denied ??= file;
  }
  return denied ? { found: false, why: 'not_executable', path: denied } : { found: false, why: 'not_found' };
}

/** The first executable file called `name` in the PATH's directories, or null. */
export function findOnPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | null {
  // A name with a slash is a path, not something to look up (and must not escape a PATH dir).
  if (name.includes('/')) return null;
  const at = locateExecutable(name, pathEnv);
  return at.found ? at.path : null;
}
