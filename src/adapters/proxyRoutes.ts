/**
 * The proxy's built-in routes: for each agent CLI, the vendor endpoint its base-URL setting
 * points at by default. An agent pointed at the proxy uses `http://127.0.0.1:<port>/<route>`
 * in place of the vendor's base URL, so the rest of the path is what the CLI would have sent
 * (Claude appends `/v1/messages`, Codex `/responses` to a base ending in `/v1`, Gemini
 * `/v1beta/models/…`, OpenCode's AI SDK providers append to a base that ends in its version).
 * config.yaml `proxy.routes` adds routes or replaces these (a user's own gateway).
 */
import type { ProxyRoute } from '../protocol/proxyProtocol.js';

export const BUILT_IN_PROXY_ROUTES: readonly ProxyRoute[] = [
  { name: 'claude', agent: 'claude', upstream: 'https://api.anthropic.com' },
  { name: 'codex', agent: 'codex', upstream: 'https://api.openai.com/v1' },
  { name: 'gemini', agent: 'gemini', upstream: 'https://generativelanguage.googleapis.com' },
  { name: 'opencode-anthropic', agent: 'opencode', upstream: 'https://api.anthropic.com/v1' },
  { name: 'opencode-openai', agent: 'opencode', upstream: 'https://api.openai.com/v1' },
  { name: 'opencode-google', agent: 'opencode', upstream: 'https://generativelanguage.googleapis.com/v1beta' },
];

/** The routes in force: the built-in ones, each replaced by a config entry of its name, then the config's others. */
export function proxyRoutes(configured: Readonly<Record<string, { upstream: string; agent: string }>>): ProxyRoute[] {
  const out = BUILT_IN_PROXY_ROUTES.map((r) => (configured[r.name] ? { name: r.name, ...configured[r.name]! } : { ...r }));
  for (const [name, r] of Object.entries(configured)) {
    if (!BUILT_IN_PROXY_ROUTES.some((b) => b.name === name)) out.push({ name, ...r });
  }
  return out;
}

/** `http://127.0.0.1:<port>/<route>`: what an agent's base-URL setting holds when it goes through the proxy. */
export function proxyBaseUrl(port: number, route: string): string {
  return `http://127.0.0.1:${port}/${route}`;
}
