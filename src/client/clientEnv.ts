/**
 * The environment a request carries to the daemon: API keys and base URLs live in the shell that
 * runs relay, not in the daemon's (started once, maybe at login). The daemon holds it in memory
 * for that one call and never stores or logs it. Only string values travel: Node's env can hold
 * undefined for a deleted variable, and the wire type is `Record<string, string>`.
 */
export function clientEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
