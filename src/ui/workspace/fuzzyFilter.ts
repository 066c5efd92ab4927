/**
 * Fuzzy filtering for the palette and the session list (fuzzysort: the ranking people know from
 * editors' palettes). A command matches by its title in the workspace's language, its English
 * title and its id, so `fork` finds 分叉 too; a session by number, name and lineage.
 */
import fuzzysort from 'fuzzysort';
import { en } from '../i18n/en.js';
import type { Translate } from '../i18n/i18n.js';
import type { SessionInfo } from '../../protocol/sessionProtocol.js';
import { COMMANDS, commandKeys, type Command } from './commandTable.js';

export interface PaletteItem {
  command: Command;
  title: string;
  keys: string;
}

export function filterCommands(query: string, t: Translate): PaletteItem[] {
  const items = COMMANDS.map((command) => ({
    command,
    title: t(`ui.commands.${command.id}`),
    english: en.ui.commands[command.id],
    id: command.id,
    keys: commandKeys(command).join('  '),
  }));
  const q = query.trim();
  if (q === '') return items;
  return fuzzysort.go(q, items, { keys: ['title', 'english', 'id', 'keys'], threshold: 0.2 }).map((r) => r.obj);
}

export function filterSessions(query: string, sessions: readonly SessionInfo[]): SessionInfo[] {
  const q = query.trim().replace(/^#/, '');
  if (q === '') return [...sessions];
  const rows = sessions.map((s) => ({ s, number: `#${s.number} ${s.number}`, name: s.name ?? '', lineage: s.lineage }));
  return fuzzysort.go(q, rows, { keys: ['number', 'name', 'lineage'], threshold: 0.2 }).map((r) => r.obj.s);
}
