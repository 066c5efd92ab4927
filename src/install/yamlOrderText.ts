/**
 * `handoff.order` in config.yaml, set or removed as a text edit of the lines it occupies, so
 * every other byte of the file stays as the user wrote it (the yaml package's Document keeps
 * comments, but re-printing it re-spaces them and re-quotes scalars). Each edit is checked by
 * parsing the result: when the file's layout is one these edits do not handle (a flow-style
 * map, say), they return null and the caller falls back to the Document.
 */
import { isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { isObject } from '../platform/jsonValue.js';
import { sameJson } from './jsonText.js';

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the line that `offset` ends in (or EOF). */
function endOfLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i + 1;
}

/** The spaces before `offset` on its line, or null when something else precedes it there. */
function indentAt(text: string, offset: number): string | null {
  const before = text.slice(lineStart(text, offset), offset);
  return /^ *$/.test(before) ? before : null;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

function rangeEnd(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[2];
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

function orderBlock(indent: string, order: readonly string[], eol: string): string {
  return `${indent}order:${eol}${order.map((n) => `${indent}  - ${n}${eol}`).join('')}`;
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

function jsOf(text: string): Record<string, unknown> | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const js = doc.toJS() as unknown;
  if (js === null || js === undefined) return {};
  return isObject(js) ? js : null;
}

/** What the file should hold: `before` with handoff.order set to `order` (or removed: null). */
function expected(before: Record<string, unknown>, order: readonly string[] | null, dropEmptyHandoff: boolean): Record<string, unknown> {
  const out = structuredClone(before);
  const handoff = (typeof out.handoff === 'object' && out.handoff !== null ? out.handoff : {}) as Record<string, unknown>;
  if (order) handoff.order = [...order];
  else delete handoff.order;
  const empty = Object.keys(handoff).length === 0;
  if (!order && empty && dropEmptyHandoff) delete out.handoff;
  // `handoff:` with nothing under it reads as null.
  else out.handoff = !order && empty ? null : handoff;
  return out;
}

function edited(text: string, order: readonly string[] | null, dropEmptyHandoff: boolean): string | null {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const doc = parseDocument(text);
  const tail = text === '' || text.endsWith('\n') ? '' : eol;
  if (doc.contents === null) return order ? `${text}${tail}handoff:${eol}${orderBlock('  ', order, eol)}` : text;
  if (!isMap(doc.contents) || doc.contents.flow) return null;
  const top = doc.contents;
  const handoffPair = findPair(top, 'handoff');
  if (!handoffPair) {
    if (!order) return text;
    const indent = indentAt(text, rangeStart(top.items[0]?.key) ?? 0);
    if (indent === null) return null;
    return `${text}${tail}${indent}handoff:${eol}${orderBlock(`${indent}  `, order, eol)}`;
  }
  const keyStart = rangeStart(handoffPair.key);
  const keyIndent = keyStart === undefined ? null : indentAt(text, keyStart);
  if (keyStart === undefined || keyIndent === null) return null;
  const h = handoffPair.value;
  if (h === null || (isScalar(h) && h.value === null)) {
    if (!order) {
      if (!dropEmptyHandoff) return text;
      return splice(text, lineStart(text, keyStart), endOfLine(text, rangeEnd(h) ?? rangeEnd(handoffPair.key) ?? keyStart), '');
    }
    const at = endOfLine(text, rangeEnd(handoffPair.key) ?? keyStart);
    return splice(text, at, at, `${at === text.length ? tail : ''}${orderBlock(`${keyIndent}  `, order, eol)}`);
  }
  if (!isMap(h) || h.flow || h.items.length === 0) return null;
  const indent = indentAt(text, rangeStart(h.items[0]!.key) ?? 0);
  if (indent === null) return null;
  const orderPair = findPair(h, 'order');
  if (!orderPair) {
    if (!order) return text;
    const last = h.items.at(-1)!;
    const end = rangeEnd(last.value) ?? rangeEnd(last.key);
    if (end === undefined) return null;
    const at = endOfLine(text, end);
    return splice(text, at, at, `${at === text.length ? tail : ''}${orderBlock(indent, order, eol)}`);
  }
  const oKey = rangeStart(orderPair.key);
  const oEnd = rangeEnd(orderPair.value) ?? rangeEnd(orderPair.key);
  if (oKey === undefined || oEnd === undefined) return null;
  const v = orderPair.value;
  if (order && isSeq(v) && v.flow && v.range) return splice(text, v.range[0], v.range[1], `[${order.join(', ')}]`);
  const from = lineStart(text, oKey);
  const to = endOfLine(text, oEnd);
  if (order) {
    const block = orderBlock(indent, order, eol);
    // The old value was the file's last line, without a line ending: so is the new one.
    return splice(text, from, to, to === text.length && !text.endsWith('\n') ? block.slice(0, -eol.length) : block);
  }
  const removed = splice(text, from, to, '');
  // The order was handoff's only key: `handoff:` goes too when install created it.
  return h.items.length === 1 && dropEmptyHandoff ? edited(removed, null, true) : removed;
}

/**
 * `text` with `handoff.order` set to `order` (null: removed, and with `dropEmptyHandoff` an
 * empty `handoff` too), or null when the file's layout is not one this edit handles.
 */
export function editOrderInText(text: string, order: readonly string[] | null, dropEmptyHandoff: boolean): string | null {
  const before = jsOf(text);
  if (before === null) return null;
  const out = edited(text, order, dropEmptyHandoff);
  if (out === null) return null;
  const after = jsOf(out);
  return after !== null && sameJson(after, expected(before, order, dropEmptyHandoff)) ? out : null;
}
