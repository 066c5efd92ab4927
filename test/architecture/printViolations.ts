/**
 * For humans: every current architecture violation, grouped by rule.
 * Run: node --import tsx test/architecture/printViolations.ts [srcDir]
 * Exits 1 when there is any, so it can gate a script too.
 */
import { fileURLToPath } from 'node:url';
import { listViolations, type Violations } from './importGraph.js';

const srcDir = process.argv[2] ?? fileURLToPath(new URL('../../src', import.meta.url));
const v = listViolations(srcDir);
let total = 0;
for (const rule of ['layers', 'cycles', 'homeTmp', 'packages'] as const satisfies readonly (keyof Violations)[]) {
  console.log(`${rule}: ${v[rule].length}`);
  for (const line of v[rule]) console.log(`  ${line}`);
  total += v[rule].length;
}
if (total > 0) process.exitCode = 1;
