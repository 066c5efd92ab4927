/** Reading a CLI's config directory from its own environment variable, as the CLIs do. */
import { resolve } from 'node:path';

/** The directory in `env[name]` (relative to `home` when relative), or null when unset. */
export function envDir(env: NodeJS.ProcessEnv, name: string, home: string): string | null {
  const v = env[name]?.trim();
  return v ? resolve(home, v) : null;
}
