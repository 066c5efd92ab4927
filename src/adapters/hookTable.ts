/**
 * The hook table: each agent CLI's hook binding (adapters/registry.ts), as data in a JSON file
 * written beside the compiled registry at build time (hookTableWriter.ts). `relay hook` runs
 * inside the agents' own loops, often on every event, and loading every descriptor to find one
 * argument would add about a tenth to its start-up; it reads this one small file instead, and
 * falls back to the registry itself when the file is missing or unreadable.
 */
import { readFileSync } from 'node:fs';
import type { HookBinding } from './agentDescriptor.js';

/** One CLI with hooks: its kind and how its hooks call Relay. */
export interface HookTableEntry extends HookBinding {
  kind: string;
}

/** Where the table is written: next to this module in dist/. */
export const HOOK_TABLE_URL = new URL('./hookTable.json', import.meta.url);

function isEntry(v: unknown): v is HookTableEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.kind === 'string' && typeof e.arg === 'string' && typeof e.parserModule === 'string';
}

/** The table as written at build time; null when there is none (run from source) or it is damaged. */
export function readHookTable(): HookTableEntry[] | null {
  try {
    const v: unknown = JSON.parse(readFileSync(HOOK_TABLE_URL, 'utf8'));
    return Array.isArray(v) && v.every(isEntry) ? v : null;
  } catch {
    return null;
  }
}
