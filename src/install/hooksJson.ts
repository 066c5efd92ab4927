/**
 * Relay's entries in a hooks section of Claude Code's shape, which Codex (`hooks.json`) and
 * Gemini CLI (`settings.json`) share: `{"hooks": {"<Event>": [{"matcher"?, "hooks": [handler]}]}}`.
 *
 * Relay adds one matcher group of its own per event, holding one handler, appended after the
 * user's groups. A handler is Relay's when its command runs `relay … hook <agent>` (see
 * hookCommand.ts): that is the marker — the CLIs' schemas drop or reject extra keys, and the
 * command is what `relay doctor` checks anyway. Installing again replaces a Relay handler that
 * differs (another Relay path, an older timeout) and removes duplicates; uninstalling removes
 * Relay's handlers, and the containers install created once they are empty.
 */
import { isObject } from '../platform/jsonValue.js';
import { isPrefixPath, type DocPath } from './fileChange.js';
import { settingsError, sameJson, type JsonText } from './jsonText.js';

export interface HookGroupSpec {
  event: string;
  /** Omitted: the group matches everything. */
  matcher?: string;
  /** This event's handler, when it differs from the spec's (a CLI that caps one event's timeout). */
  handler?: Readonly<Record<string, unknown>>;
}

export interface HooksSpec {
  events: readonly HookGroupSpec[];
  /** The handler object Relay registers (`{type: "command", command, timeout, …}`). */
  handler: Readonly<Record<string, unknown>>;
  /** True for a handler Relay wrote (this Relay or another install of it). */
  isOurs(handler: unknown): boolean;
}

/** The matcher group Relay adds for one event. */
function groupFor(spec: HooksSpec, event: HookGroupSpec): Record<string, unknown> {
  return { ...(event.matcher === undefined ? {} : { matcher: event.matcher }), hooks: [event.handler ?? spec.handler] };
}

/** Where Relay's handlers sit in one event's list: group index, and handler indexes in it. */
interface OursInGroup {
  group: number;
  handlers: number[];
  /** The group holds nothing but Relay's handlers. */
  onlyOurs: boolean;
}

function oursInEvent(doc: JsonText, event: string, isOurs: (h: unknown) => boolean): OursInGroup[] {
  const groups = doc.valueAt(['hooks', event]);
  if (!Array.isArray(groups)) return [];
  const found: OursInGroup[] = [];
  groups.forEach((g, gi) => {
    if (!isObject(g) || !Array.isArray(g.hooks)) return;
    const handlers = g.hooks.flatMap((h, hi) => (isOurs(h) ? [hi] : []));
    if (handlers.length > 0) found.push({ group: gi, handlers, onlyOurs: handlers.length === g.hooks.length });
  });
  return found;
}

/** Remove Relay's handlers from one event's list (a group left with nothing else goes whole). */
function removeOursFromEvent(doc: JsonText, event: string, isOurs: (h: unknown) => boolean): boolean {
  const found = oursInEvent(doc, event, isOurs);
  // From the end backwards: removing an entry does not move the ones before it.
  for (const f of [...found].reverse()) {
    if (f.onlyOurs) doc.remove(['hooks', event, f.group]);
    else for (const hi of [...f.handlers].reverse()) doc.remove(['hooks', event, f.group, 'hooks', hi]);
  }
  return found.length > 0;
}

function checkShape(doc: JsonText): void {
  const hooks = doc.nodeAt(['hooks']);
  if (hooks && hooks.type !== 'object') throw settingsError(doc.file, '"hooks" is not an object; expected {"<Event>": [ … ]}');
}

/**
 * Make the document hold exactly one Relay group per event in `spec` and none elsewhere.
 * Returns the paths it created. Throws E_CONFIG when `hooks` or an event's entry has the wrong type.
 */
export function installHooks(doc: JsonText, spec: HooksSpec): DocPath[] {
  checkShape(doc);
  const created: DocPath[] = [];
  if (!doc.nodeAt(['hooks'])) {
    const all: Record<string, unknown> = {};
    for (const e of spec.events) all[e.event] = [groupFor(spec, e)];
    doc.addProperty([], 'hooks', all);
    return [['hooks']];
  }
  const wanted = new Set(spec.events.map((e) => e.event));
  // An older install may have registered events this one does not: take those out (and a list
  // that held nothing but Relay's entry).
  for (const event of doc.keysAt(['hooks'])) {
    if (wanted.has(event) || doc.nodeAt(['hooks', event])?.type !== 'array') continue;
    if (removeOursFromEvent(doc, event, spec.isOurs) && doc.lengthAt(['hooks', event]) === 0) doc.remove(['hooks', event]);
  }
  for (const e of spec.events) {
    const node = doc.nodeAt(['hooks', e.event]);
    const group = groupFor(spec, e);
    if (!node) {
      doc.addProperty(['hooks'], e.event, [group]);
      created.push(['hooks', e.event]);
      continue;
    }
    if (node.type !== 'array') throw settingsError(doc.file, `"hooks.${e.event}" is not a list; expected [ {"hooks": [ … ]} ]`);
    const found = oursInEvent(doc, e.event, spec.isOurs);
    const only = found[0];
    if (found.length === 1 && only && only.onlyOurs && sameJson(doc.valueAt(['hooks', e.event, only.group]), group)) continue;
    removeOursFromEvent(doc, e.event, spec.isOurs);
    doc.append(['hooks', e.event], group);
  }
  return created;
}

/** True when any event holds a Relay handler. */
export function hasOurHooks(doc: JsonText, isOurs: (h: unknown) => boolean): boolean {
  return doc.keysAt(['hooks']).some((event) => oursInEvent(doc, event, isOurs).length > 0);
}

/**
 * Remove every Relay handler. With `created` (from the install manifest), an event list or the
 * `hooks` object install created goes too once nothing else is in it; without it (no manifest),
 * an event list Relay's removal emptied goes, and `hooks` stays.
 */
export function removeHooks(doc: JsonText, isOurs: (h: unknown) => boolean, created: readonly DocPath[] | null): void {
  if (doc.nodeAt(['hooks'])?.type !== 'object') return;
  const covered = (path: DocPath): boolean => created !== null && created.some((c) => isPrefixPath(c, path));
  for (const event of doc.keysAt(['hooks'])) {
    if (doc.nodeAt(['hooks', event])?.type !== 'array') continue;
    const removed = removeOursFromEvent(doc, event, isOurs);
    const emptied = doc.lengthAt(['hooks', event]) === 0;
    if (emptied && (covered(['hooks', event]) || (created === null && removed))) doc.remove(['hooks', event]);
  }
  if (doc.keysAt(['hooks']).length === 0 && covered(['hooks'])) doc.remove(['hooks']);
}
