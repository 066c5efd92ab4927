/**
 * Relay's import graph, read with the TypeScript parser (not regexes: some files generate
 * code in template strings, and those import-shaped lines are not imports), and the
 * architecture rules checked over it. Used by layers.test.ts and printViolations.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Layer of each top-level folder under src/. A file may import its own folder and any
 * folder of a lower rank; never a higher rank, nor another folder of the same rank.
 */
export const LAYER_RANKS: Readonly<Record<string, number>> = {
  cli: 12, // commander commands, the process entry points (`relay`, `relay hook`)
  mcp: 11, // the `relay mcp` client process
  ui: 10, // text views and the TUI
  supervisor: 9, // the daemon process: supervision tree, relay sessions, bus handlers
  client: 9, // talks to the daemon (launcher, doctor, attach protocol); never loaded by the daemon
  actors: 8, // xstate actors the daemon runs: agents (PTY backend), hook listener, providers, budget
  routing: 8, // workers, task classification, the router: pure decisions over provider facts
  conversation: 8, // the conversation graph's context assembly and the import of agent CLIs' transcripts
  install: 7, // `relay install` edits
  snapshots: 7, // handoff snapshot files
  providers: 7, // provider calls: wire formats, CLI headless JSON, detection, prices, the worker
  config: 6, // config.yaml, its agent names checked against the registry
  adapters: 5, // one descriptor per agent CLI (the registry)
  hooks: 4, // `relay hook` payload parsers, spool, hook client
  limits: 3, // limit rules mechanism, detector, ledger, reset times
  bus: 2, // ZeroMQ transport
  store: 2, // SQLite
  protocol: 1, // wire types shared by daemon and clients
  platform: 0, // paths, errors, clock, process helpers, the supervision contract
};

/** The one file allowed to ask the OS for the home or temp dir (so RELAY_HOME moves everything). */
export const HOME_TMP_FILE = 'platform/paths.ts';

export type EdgeKind =
  | 'import' // import x / { x } / * as x from
  | 'import type' // import type ... from
  | 'side-effect' // import 'x'
  | 'export' // export { x } from, export * from
  | 'export type' // export type { x } from
  | 'dynamic' // import('x') call
  | 'type node'; // import('x').T in a type position

/** One module reference written in a file. Paths are relative to srcDir, with `/`. */
export interface ModuleEdge {
  from: string;
  specifier: string;
  kind: EdgeKind;
  /** Erased at compile time (under verbatimModuleSyntax only `import type`/`export type`/type nodes are). */
  typeOnly: boolean;
  line: number;
  /** The src file a relative specifier resolves to; null for packages and unresolved paths. */
  to: string | null;
  /** Package name of a bare specifier (`@scope/pkg`, `xstate`, `node:os`, `os`); null if relative. */
  pkg: string | null;
  builtin: boolean;
}

/** A use of homedir/tmpdir taken from node:os or os. */
export interface OsDirUse {
  file: string;
  name: 'homedir' | 'tmpdir';
  line: number;
}

export interface ImportGraph {
  srcDir: string;
  files: string[];
  edges: ModuleEdge[];
  osDirUses: OsDirUse[];
}

export interface Violations {
  layers: string[];
  cycles: string[];
  homeTmp: string[];
  packages: string[];
}

type RawEdge = Pick<ModuleEdge, 'specifier' | 'kind' | 'typeOnly' | 'line'>;

const OS_MODULES = new Set(['node:os', 'os']);
const OS_DIR_NAMES = new Set(['homedir', 'tmpdir']);

/** Every `.ts` file under srcDir, relative and sorted, so reports are stable. */
export function listTsFiles(srcDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(toPosix(relative(srcDir, abs)));
    }
  };
  walk(srcDir);
  return out.sort();
}

/** Module references and homedir/tmpdir uses of one file's text. */
export function parseModule(fileName: string, text: string): { edges: RawEdge[]; osDirUses: Omit<OsDirUse, 'file'>[] } {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: RawEdge[] = [];
  const osDirUses: Omit<OsDirUse, 'file'>[] = [];
  const osObjects = new Set<string>(); // local names bound to the whole os module
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (spec: ts.Node, kind: EdgeKind, typeOnly: boolean, at: ts.Node): void => {
    if (ts.isStringLiteralLike(spec)) edges.push({ specifier: spec.text, kind, typeOnly, line: lineOf(at) });
  };
  const osDir = (name: string, at: ts.Node): void => {
    if (OS_DIR_NAMES.has(name)) osDirUses.push({ name: name as OsDirUse['name'], line: lineOf(at) });
  };
  const isOsSpec = (spec: ts.Node | undefined): boolean =>
    spec !== undefined && ts.isStringLiteralLike(spec) && OS_MODULES.has(spec.text);
  // `await import('node:os')`, possibly in parentheses
  const isOsImportCall = (expr: ts.Expression): boolean => {
    let e = expr;
    while (ts.isParenthesizedExpression(e) || ts.isAwaitExpression(e)) e = e.expression;
    return ts.isCallExpression(e) && e.expression.kind === ts.SyntaxKind.ImportKeyword && isOsSpec(e.arguments[0]);
  };
  const isOsObject = (expr: ts.Expression): boolean =>
    (ts.isIdentifier(expr) && osObjects.has(expr.text)) || isOsImportCall(expr);

  // Pass 1: module edges, and the local names that hold the os module.
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (!clause) add(node.moduleSpecifier, 'side-effect', false, node);
      else {
        const typeOnly = clause.phaseModifier === ts.SyntaxKind.TypeKeyword;
        add(node.moduleSpecifier, typeOnly ? 'import type' : 'import', typeOnly, node);
        if (isOsSpec(node.moduleSpecifier)) {
          if (clause.name) osObjects.add(clause.name.text);
          const nb = clause.namedBindings;
          if (nb && ts.isNamespaceImport(nb)) osObjects.add(nb.name.text);
          if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) osDir((el.propertyName ?? el.name).text, el);
        }
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly ? 'export type' : 'export', node.isTypeOnly, node);
      if (isOsSpec(node.moduleSpecifier) && node.exportClause && ts.isNamedExports(node.exportClause)) {
        for (const el of node.exportClause.elements) osDir((el.propertyName ?? el.name).text, el);
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly ? 'import type' : 'import', node.isTypeOnly, node);
      if (isOsSpec(node.moduleReference.expression)) osObjects.add(node.name.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg) add(arg, 'dynamic', false, node);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, 'type node', true, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // Pass 2: homedir/tmpdir read off the os module: os.homedir, os['tmpdir'], const { homedir } = os.
  const visitUses = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isOsObject(node.expression)) osDir(node.name.text, node);
    else if (ts.isElementAccessExpression(node) && isOsObject(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) {
      osDir(node.argumentExpression.text, node);
    } else if (ts.isVariableDeclaration(node) && node.initializer && ts.isObjectBindingPattern(node.name) && isOsObject(node.initializer)) {
      for (const el of node.name.elements) {
        const key = el.propertyName ?? el.name;
        if (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) osDir(key.text, el);
      }
    }
    ts.forEachChild(node, visitUses);
  };
  visitUses(sf);
  return { edges, osDirUses };
}

/** Parse every file under srcDir and resolve each specifier to a src file or a package. */
export function buildImportGraph(srcDir: string): ImportGraph {
  const root = resolve(srcDir);
  const files = listTsFiles(root);
  const known = new Set(files);
  const edges: ModuleEdge[] = [];
  const osDirUses: OsDirUse[] = [];
  for (const file of files) {
    const parsed = parseModule(file, readFileSync(join(root, file), 'utf8'));
    for (const e of parsed.edges) {
      const relativeSpec = e.specifier.startsWith('.') || e.specifier.startsWith('/');
      edges.push({
        from: file,
        ...e,
        to: relativeSpec ? resolveSpecifier(root, file, e.specifier, known) : null,
        pkg: relativeSpec ? null : packageName(e.specifier),
        builtin: !relativeSpec && isBuiltin(e.specifier),
      });
    }
    for (const u of parsed.osDirUses) osDirUses.push({ file, ...u });
  }
  return { srcDir: root, files, edges, osDirUses };
}

/** `./a.js` → a.ts (NodeNext writes .js for .ts), `./a` → a.ts, `./dir` → dir/index.ts. */
function resolveSpecifier(root: string, from: string, spec: string, known: Set<string>): string | null {
  const base = toPosix(relative(root, resolve(root, dirname(from), spec)));
  const stem = base.replace(/\.(js|ts)$/, '');
  const candidates = spec.endsWith('.ts')
    ? [base]
    : [`${stem}.ts`, `${stem}.d.ts`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? null;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

/** The layer folder of a src-relative path, or null for a file directly in src/. */
export function folderOf(file: string): string | null {
  const i = file.indexOf('/');
  return i < 0 ? null : file.slice(0, i);
}

/**
 * File-level cycles. Tarjan finds each strongly connected component; within one, the shortest
 * cycle through each file is reported (deduplicated), so every file of a tangle is named
 * without listing the exponentially many cycles a big component can hold.
 */
export function findCycles(files: string[], edges: Pick<ModuleEdge, 'from' | 'to'>[]): string[][] {
  const adj = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) {
    if (e.to === null) continue;
    const out = adj.get(e.from);
    if (out && !out.includes(e.to)) out.push(e.to);
  }
  for (const out of adj.values()) out.sort();

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const strongConnect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      components.push(comp.sort());
    }
  };
  for (const f of files) if (!index.has(f)) strongConnect(f);

  const cycles = new Map<string, string[]>();
  for (const comp of components) {
    const inComp = new Set(comp);
    if (comp.length === 1 && !(adj.get(comp[0]!) ?? []).includes(comp[0]!)) continue;
    for (const start of comp) {
      const cycle = shortestCycle(start, adj, inComp);
      if (!cycle) continue;
      const canon = rotateToSmallest(cycle);
      cycles.set(canon.join('\0'), canon);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join('\0').localeCompare(b.join('\0')));
}

/** BFS from start back to start inside one component; the path without the repeated start. */
function shortestCycle(start: string, adj: Map<string, string[]>, inComp: Set<string>): string[] | null {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of adj.get(v) ?? []) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return path;
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return null;
}

function rotateToSmallest(cycle: string[]): string[] {
  let best = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]! < cycle[best]!) best = i;
  return [...cycle.slice(best), ...cycle.slice(0, best)];
}

/** devDependencies of the package.json next to srcDir (none if there is no such file). */
function devDependencies(srcDir: string): string[] {
  const pkgFile = join(dirname(resolve(srcDir)), 'package.json');
  if (!existsSync(pkgFile)) return [];
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { devDependencies?: Record<string, string> };
  return Object.keys(pkg.devDependencies ?? {});
}

/** Every rule's violations over srcDir, one human-readable line each, sorted. */
export function listViolations(srcDir: string): Violations {
  const graph = buildImportGraph(srcDir);
  const shown = (f: string): string => `${basename(graph.srcDir)}/${f}`;
  const rankOf = (f: string): number | undefined => {
    const folder = folderOf(f);
    return folder === null ? undefined : LAYER_RANKS[folder];
  };

  const layers = new Set<string>();
  for (const f of graph.files) {
    const folder = folderOf(f);
    if (folder === null) layers.add(`${shown(f)}: not inside a layer folder`);
    else if (LAYER_RANKS[folder] === undefined) layers.add(`${shown(f)}: unknown layer "${folder}"`);
  }
  for (const e of graph.edges) {
    if (e.pkg !== null) continue;
    if (e.to === null) {
      // Cannot place it in a layer; tsc reports a missing file too, this catches imports out of src/.
      layers.add(`${shown(e.from)} → ${e.specifier} (does not resolve to a file under ${basename(graph.srcDir)}/)`);
      continue;
    }
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    const ra = rankOf(e.from);
    const rb = rankOf(e.to);
    if (a === b || ra === undefined || rb === undefined) continue; // unknown layers are reported once above
    if (ra <= rb) layers.add(`${shown(e.from)} → ${shown(e.to)} (${a} → ${b}: rank ${ra} may not import rank ${rb})`);
  }

  const cycles = findCycles(graph.files, graph.edges).map((c) => [...c, c[0]!].map(shown).join(' -> '));

  const homeTmp = graph.osDirUses
    .filter((u) => u.file !== HOME_TMP_FILE)
    .sort((x, y) => (x.file === y.file ? x.line - y.line : x.file < y.file ? -1 : 1))
    .map((u) => `${shown(u.file)}:${u.line} ${u.name} from node:os (only ${shown(HOME_TMP_FILE)} may)`);

  const dev = new Set(devDependencies(srcDir));
  const packages = new Set<string>();
  for (const e of graph.edges) {
    if (e.pkg === null) continue;
    const folder = folderOf(e.from);
    const line = `${shown(e.from)} → ${e.specifier}`;
    if (e.pkg === 'xstate' && (folder === 'platform' || folder === 'protocol' || folder === 'store')) {
      packages.add(`${line} (${folder} may not import xstate)`);
    }
    if (folder === 'protocol' && !e.typeOnly) {
      packages.add(`${line} (protocol is types and constants: only \`import type\` from a package)`);
    }
    if (dev.has(e.pkg)) packages.add(`${line} (${e.pkg} is a devDependency)`);
  }

  return { layers: [...layers].sort(), cycles, homeTmp: [...new Set(homeTmp)], packages: [...packages].sort() };
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}
