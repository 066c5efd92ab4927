/**
 * Writes the hook table (hookTable.ts) from the registry; run by `npm run build` after tsc, so
 * the table can never disagree with the descriptors it is derived from.
 */
import { writeFileSync } from 'node:fs';
import { HOOK_TABLE_URL } from './hookTable.js';
import { hookTable } from './registry.js';

/** Write the table next to the compiled registry. */
export function writeHookTable(): void {
  writeFileSync(HOOK_TABLE_URL, `${JSON.stringify(hookTable(), null, 2)}\n`);
}
