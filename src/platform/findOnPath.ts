/** Finding an executable on the PATH, as a shell would, without running anything. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable file called `name` in the PATH's directories, or null. */
export function findOnPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | null {
  // A name with a slash is a path, not something to look up (and must not escape a PATH dir).
  if (name === '' || name.includes('/')) return null;
  for (const dir of pathEnv.split(delimiter)) {
    // An empty entry means the current directory: the answer must not depend on where it runs.
    if (!dir) continue;
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Absent or not executable: try the next directory.
    }
  }
  return null;
}
