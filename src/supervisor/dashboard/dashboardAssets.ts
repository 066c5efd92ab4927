/**
 * Every file the dashboard page loads, served from the installed package: the page itself
 * (src/ui/dashboard/page, plain ES modules: nothing to build) and the two libraries it draws
 * with, from node_modules (elkjs lays out the conversation graph, uPlot draws the spend chart).
 * Only names in this table are served: a request path is never joined onto a directory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../platform/packageInfo.js';

export interface Asset {
  file: string;
  type: string;
}

const PAGE_DIR = join(PACKAGE_ROOT, 'src', 'ui', 'dashboard', 'page');
const JS = 'text/javascript; charset=utf-8';
const requireFromHere = createRequire(import.meta.url);

/** The page's own modules, by file name (each is served as /assets/<name>). */
const PAGE_FILES: Record<string, string> = {
  'dashboard.css': 'text/css; charset=utf-8',
  'app.js': JS,
  'dom.js': JS,
  'feed.js': JS,
  'eventsView.js': JS,
  'agentsView.js': JS,
  'relayView.js': JS,
  'graphView.js': JS,
  'spendView.js': JS,
  'snapshotsView.js': JS,
};

function table(): Map<string, Asset> {
  const m = new Map<string, Asset>();
  m.set('/', { file: join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' });
  for (const [name, type] of Object.entries(PAGE_FILES)) m.set(`/assets/${name}`, { file: join(PAGE_DIR, name), type });
  m.set('/vendor/elk.bundled.js', { file: requireFromHere.resolve('elkjs/lib/elk.bundled.js'), type: JS });
  m.set('/vendor/uPlot.iife.min.js', { file: requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'), type: JS });
  m.set('/vendor/uPlot.min.css', { file: requireFromHere.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' });
  return m;
}

export const DASHBOARD_ASSETS: ReadonlyMap<string, Asset> = table();

const cache = new Map<string, Buffer>();

/** The bytes of an asset, read once per daemon. */
export async function assetBytes(asset: Asset): Promise<Buffer> {
  let b = cache.get(asset.file);
  if (!b) {
    b = await readFile(asset.file);
    cache.set(asset.file, b);
  }
  return b;
}
