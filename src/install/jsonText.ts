/**
 * A JSON (or JSONC) settings file edited as text: every byte Relay does not add or remove stays
 * exactly where it was — comments, key order, indentation, line endings, a byte-order mark.
 *
 * jsonc-parser gives the syntax tree with offsets; the edits are made here rather than with its
 * `modify`, which reformats neighbouring values it did not need to touch and, when removing an
 * array element without formatting options, can join its neighbours (`[1,2]` became `[12]`).
 * Inserted values follow the file's own indentation unit and line ending; a new property or
 * element goes last, on its own line when the container is laid out one entry per line.
 */
import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { RelayError } from '../platform/errors.js';
import type { DocPath } from './fileChange.js';

/** `json`: what JSON.parse accepts (Claude Code, Codex). `jsonc`: comments too (Gemini CLI). */
export type JsonDialect = 'json' | 'jsonc';

const BOM = '\uFEFF';

/**
 * jsonc-parser's SyntaxKind values; its typings declare them as a const enum, which
 * verbatimModuleSyntax cannot import.
 */
const TOKEN = { comma: 5, lineComment: 12, blockComment: 13, lineBreak: 14, trivia: 15 } as const;

/** What JSON.parse-style readers say for each jsonc-parser error, in words. */
function describeParseError(code: number, dialect: JsonDialect): string {
  const name = printParseErrorCode(code);
  if ((name === 'InvalidCommentToken' || name === 'InvalidSymbol') && dialect === 'json') {
    return 'not valid JSON (comments are not allowed in this file: the CLI reads it with JSON.parse)';
  }
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `not valid JSON (${words})`;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

/** RelayError E_CONFIG naming the file. */
export function settingsError(file: string, what: string): RelayError {
  return new RelayError('E_CONFIG', `${file}: ${what}`, {
    hint: 'fix the file (or move it aside) and run relay install again; nothing was changed',
  });
}

/** The indentation unit (`"  "`, `"\t"`) and line ending a file uses. */
interface JsonFormat {
  unit: string;
  eol: string;
}

function detectFormat(text: string): JsonFormat {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // The first indented line that starts a key or a value shows the unit the file uses.
  const m = /\n([ \t]+)["{[\d\-tfn]/.exec(text);
  const ws = m?.[1];
  if (!ws) return { unit: '  ', eol };
  return { unit: ws.startsWith('\t') ? '\t' : ' '.repeat(Math.min(ws.length, 8)), eol };
}

/** The value as a JSON array of values, or compares as such: key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

interface Edit {
  offset: number;
  length: number;
  content: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  // From the end backwards, so offsets stay valid; at the same offset the first edit listed ends up first.
  const order = edits.map((e, i) => ({ e, i })).sort((x, y) => y.e.offset - x.e.offset || y.i - x.i);
  for (const { e } of order) {
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  }
  return out;
}

/** A parsed settings document that is edited in place; each edit re-parses it. */
export class JsonText {
  private bom: string;
  private body: string;
  private tree: Node;
  private readonly format: JsonFormat;

  private constructor(
    readonly file: string,
    readonly dialect: JsonDialect,
    bom: string,
    body: string,
    tree: Node,
  ) {
    this.bom = bom;
    this.body = body;
    this.tree = tree;
    this.format = detectFormat(body);
  }

  /**
   * Parse `bytes` (null: the file does not exist, and the document starts empty). A file that
   * is not valid in its dialect, or whose top level is not an object, is refused with
   * RelayError E_CONFIG naming the file and the line.
   */
  static parse(file: string, bytes: Buffer | null, dialect: JsonDialect): JsonText {
    let text = bytes === null ? '' : bytes.toString('utf8');
    if (bytes !== null && !Buffer.from(text, 'utf8').equals(bytes)) {
      throw settingsError(file, 'not valid UTF-8 text');
    }
    let bom = '';
    if (text.startsWith(BOM)) {
      bom = BOM;
      text = text.slice(1);
    }
    // An empty file holds no settings yet: start it as an empty object.
    if (text.trim() === '') text = '{}\n';
    const tree = JsonText.parseBody(file, text, dialect);
    return new JsonText(file, dialect, bom, text, tree);
  }

  private static parseBody(file: string, text: string, dialect: JsonDialect): Node {
    const errors: ParseError[] = [];
    const tree = parseTree(text, errors, { disallowComments: dialect === 'json', allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first) {
      const { line, col } = lineCol(text, first.offset);
      throw settingsError(file, `${describeParseError(first.error, dialect)} at line ${line}, column ${col}`);
    }
    if (!tree || tree.type !== 'object') throw settingsError(file, 'expected a JSON object ({…}) at the top level');
    return tree;
  }

  /** The document's text, byte-order mark included. */
  toString(): string {
    return this.bom + this.body;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }

  /** True when the document is `{}` with nothing else in it (no keys, no comments). */
  isEmptyObject(): boolean {
    return this.body.replace(/\s+/g, '') === '{}';
  }

  /** The node holding the value at `path`, or undefined. */
  nodeAt(path: DocPath): Node | undefined {
    let node: Node | undefined = this.tree;
    for (const seg of path) {
      if (!node) return undefined;
      if (typeof seg === 'number') {
        node = node.type === 'array' ? node.children?.[seg] : undefined;
      } else {
        if (node.type !== 'object') return undefined;
        // The last property of a name wins, as with JSON.parse.
        const prop: Node | undefined = node.children?.filter((p) => p.children?.[0]?.value === seg).at(-1);
        node = prop?.children?.[1];
      }
    }
    return node;
  }

  /** The plain value at `path` (objects and arrays built from the tree), or undefined. */
  valueAt(path: DocPath): unknown {
    const node = this.nodeAt(path);
    return node === undefined ? undefined : nodeValue(node);
  }

  /** The keys of the object at `path`, in file order ([] when it is not an object). */
  keysAt(path: DocPath): string[] {
    const node = this.nodeAt(path);
    if (node?.type !== 'object') return [];
    return (node.children ?? []).map((p) => String(p.children?.[0]?.value));
  }

  /** How many elements the array at `path` has (0 when it is not an array). */
  lengthAt(path: DocPath): number {
    const node = this.nodeAt(path);
    return node?.type === 'array' ? (node.children?.length ?? 0) : 0;
  }

  /** Add `key: value` as the last property of the object at `objectPath` (the key must be new). */
  addProperty(objectPath: DocPath, key: string, value: unknown): void {
    const obj = this.nodeAt(objectPath);
    if (obj?.type !== 'object') throw new Error(`internal: no object at ${JSON.stringify(objectPath)}`);
    this.insertLast(obj, (indent) => `${JSON.stringify(key)}: ${this.pretty(value, indent)}`, `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }

  /** Add `value` as the last element of the array at `arrayPath`. */
  append(arrayPath: DocPath, value: unknown): void {
    const arr = this.nodeAt(arrayPath);
    if (arr?.type !== 'array') throw new Error(`internal: no array at ${JSON.stringify(arrayPath)}`);
    this.insertLast(arr, (indent) => this.pretty(value, indent), JSON.stringify(value));
  }

  /** Remove the property or element at `path` (its comma too); comments around it stay. */
  remove(path: DocPath): void {
    const last = path.at(-1);
    const container = this.nodeAt(path.slice(0, -1));
    if (last === undefined || !container) throw new Error(`internal: nothing at ${JSON.stringify(path)}`);
    const children = container.children ?? [];
    const index =
      typeof last === 'number'
        ? last
        : children.map((p, i) => (p.children?.[0]?.value === last ? i : -1)).filter((i) => i >= 0).at(-1) ?? -1;
    if (index < 0 || index >= children.length) throw new Error(`internal: nothing at ${JSON.stringify(path)}`);
    this.edit(this.removalEdits(container, index));
  }

  private edit(edits: Edit[]): void {
    const next = applyEdits(this.body, edits);
    this.tree = JsonText.parseBody(this.file, next, this.dialect);
    this.body = next;
  }

  /** `value` as JSON in the file's indentation, continuing a line indented by `indent`. */
  private pretty(value: unknown, indent: string): string {
    return JSON.stringify(value, null, this.format.unit).split('\n').join(this.format.eol + indent);
  }

  private lineStart(offset: number): number {
    return this.body.lastIndexOf('\n', offset - 1) + 1;
  }

  /** The whitespace that starts the line `offset` is on. */
  private indentOfLine(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.body.slice(start))![0];
  }

  /** True when only spaces or tabs (or the comma at `ignore`, about to go) come before `offset` on its line. */
  private startsLine(offset: number, ignore = -1): boolean {
    const from = this.lineStart(offset);
    let before = this.body.slice(from, offset);
    if (ignore >= from && ignore < offset) before = before.slice(0, ignore - from) + before.slice(ignore - from + 1);
    return /^[ \t]*$/.test(before);
  }

  /** The offset of the first comma after `from`, skipping whitespace and comments; -1 if none before another token. */
  private commaAfter(from: number): number {
    const scanner = createScanner(this.body, false);
    scanner.setPosition(from);
    for (;;) {
      const kind = scanner.scan();
      if (kind === TOKEN.comma) return scanner.getTokenOffset();
      if (kind === TOKEN.trivia || kind === TOKEN.lineBreak || kind === TOKEN.lineComment || kind === TOKEN.blockComment) continue;
      return -1;
    }
  }

  private insertLast(container: Node, multiline: (indent: string) => string, compact: string): void {
    const children = container.children ?? [];
    const open = container.offset;
    const close = container.offset + container.length - 1;
    const baseIndent = this.indentOfLine(open);
    const eol = this.format.eol;
    const lastChild = children.at(-1);
    if (!lastChild) {
      const inner = this.body.slice(open + 1, close);
      // A one-line file (minified) gets the new entry on the same line; otherwise it goes on its own.
      if (!this.body.includes('\n') && container !== this.tree) {
        this.edit([{ offset: close, length: 0, content: compact }]);
        return;
      }
      const indent = baseIndent + this.format.unit;
      const entry = `${eol}${indent}${multiline(indent)}${eol}${baseIndent}`;
      // `{}` or `{ }` becomes a block; comments inside an empty container are kept before it.
      this.edit([inner.trim() === '' ? { offset: open + 1, length: inner.length, content: entry } : { offset: close, length: 0, content: entry }]);
      return;
    }
    const lastEnd = lastChild.offset + lastChild.length;
    const oneLine = !this.body.slice(open, children[0]!.offset).includes('\n');
    if (oneLine) {
      this.edit([
        { offset: lastEnd, length: 0, content: ',' },
        { offset: close, length: 0, content: compact },
      ]);
      return;
    }
    const indent = this.startsLine(lastChild.offset) ? this.indentOfLine(lastChild.offset) : baseIndent + this.format.unit;
    const edits: Edit[] = [{ offset: lastEnd, length: 0, content: ',' }];
    if (this.startsLine(close)) {
      // Before the line of the closing bracket: a comment trailing the old last entry stays on its line.
      edits.push({ offset: this.lineStart(close), length: 0, content: `${indent}${multiline(indent)}${eol}` });
    } else {
      edits.push({ offset: close, length: 0, content: `${eol}${indent}${multiline(indent)}${eol}${baseIndent}` });
    }
    this.edit(edits);
  }

  /** The end of the line holding `offset` when only spaces (and a comma) follow; else -1. */
  private restOfLineEnd(offset: number): number {
    const m = /^[ \t]*(\r?\n|$)/.exec(this.body.slice(offset));
    return m ? offset + m[0].length : -1;
  }

  private removalEdits(container: Node, index: number): Edit[] {
    const children = container.children ?? [];
    const child = children[index]!;
    const start = child.offset;
    const end = child.offset + child.length;
    const edits: Edit[] = [];
    let removeFrom = start;
    let removeTo = end;
    if (index < children.length - 1) {
      // Not the last: its own comma goes with it.
      const comma = this.commaAfter(end);
      if (comma >= 0 && !this.body.slice(end, comma).includes('/')) removeTo = comma + 1;
      else if (comma >= 0) edits.push({ offset: comma, length: 1, content: '' });
    } else if (index > 0) {
      // The last: the comma before it goes (the one after the previous entry).
      const prev = children[index - 1]!;
      const comma = this.commaAfter(prev.offset + prev.length);
      if (comma >= 0) edits.push({ offset: comma, length: 1, content: '' });
    }
    const lineEnd = this.restOfLineEnd(removeTo);
    const commaBefore = edits.find((e) => e.offset < start)?.offset ?? -1;
    if (this.startsLine(start, commaBefore) && lineEnd >= 0) {
      // The entry fills its lines: remove them whole, so no blank line is left behind.
      removeFrom = this.lineStart(start);
      removeTo = lineEnd;
    } else if (removeTo > end) {
      // Inline, its comma taken: the spaces after that comma go too (`[1, 2, 3]` → `[1, 3]`).
      while (removeTo < this.body.length && (this.body[removeTo] === ' ' || this.body[removeTo] === '\t')) removeTo++;
    } else if (this.startsLine(start, commaBefore)) {
      // The last one, at the start of its line but with a comment after it: keep the indentation.
      while (removeTo < this.body.length && (this.body[removeTo] === ' ' || this.body[removeTo] === '\t')) removeTo++;
    } else {
      // Inline, the last one: the spaces before it go (`[1, 2]` → `[1]`).
      while (removeFrom > 0 && (this.body[removeFrom - 1] === ' ' || this.body[removeFrom - 1] === '\t')) removeFrom--;
    }
    // Never remove past the container's own brackets.
    removeFrom = Math.max(removeFrom, container.offset + 1);
    removeTo = Math.min(removeTo, container.offset + container.length - 1);
    edits.push({ offset: removeFrom, length: removeTo - removeFrom, content: '' });
    // A container left with only whitespace inside closes up again: `[\n  ]` → `[]`.
    if (children.length === 1) {
      const open = container.offset + 1;
      const close = container.offset + container.length - 1;
      const rest = this.body.slice(open, removeFrom) + this.body.slice(removeTo, close);
      if (rest.trim() === '') return [{ offset: open, length: close - open, content: '' }];
    }
    return mergeOverlaps(edits);
  }
}

/** Edits that touch the same range would corrupt each other: a contained deletion is dropped. */
function mergeOverlaps(edits: Edit[]): Edit[] {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  const out: Edit[] = [];
  for (const e of sorted) {
    const prev = out.at(-1);
    if (prev && e.offset < prev.offset + prev.length) {
      const end = Math.max(prev.offset + prev.length, e.offset + e.length);
      prev.length = end - prev.offset;
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of node.children ?? []) {
        const key = p.children?.[0]?.value;
        const v = p.children?.[1];
        // defineProperty: a key named `__proto__` is data, as with JSON.parse, not a prototype.
        if (typeof key === 'string' && v) Object.defineProperty(out, key, { value: nodeValue(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}
