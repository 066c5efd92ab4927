/**
 * The project a directory belongs to, for remembered facts: the nearest enclosing git work tree
 * (a `.git` directory, or the `.git` file of a worktree or submodule), else none. Read from the
 * file system alone: no `git` process, so `relay remember` stays fast and works without git.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function projectRoot(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
