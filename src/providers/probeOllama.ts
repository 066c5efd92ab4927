/**
 * Is an Ollama server there, and which models does it have? One `GET /api/tags` with a short
 * deadline, asked at detection time, so a machine without Ollama (the usual case) costs start-up
 * a refused connection, and one whose address swallows packets costs at most the deadline.
 * Never throws: every way it can go wrong is an answer with a one-line `why`.
 */

/** Long enough for a local server under load, short enough that nobody waits on a missing one. */
export const OLLAMA_PROBE_TIMEOUT_MS = 300;

/** A tag list is a few KB; anything much bigger is not Ollama. */
const MAX_TAGS_BYTES = 1024 * 1024;

export type OllamaProbe = { ok: true; models: string[] } | { ok: false; why: string };

/** The server root of an Ollama base URL: `http://h:11434/v1` → `http://h:11434`. */
function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function failureWhy(e: unknown, where: string, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer from ${where} within ${timeoutMs} ms`;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED') return `nothing listens on ${where}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: host not found`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where}: host unreachable`;
  return `${where}: ${typeof code === 'string' ? code : e instanceof Error ? e.message : String(e)}`;
}

/** The model names of a `/api/tags` body, or undefined when it is not one. */
function modelsOf(text: string): string[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const models = (body as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return undefined;
  const names: string[] = [];
  for (const m of models) {
    const name = (m as { name?: unknown; model?: unknown } | null)?.name ?? (m as { model?: unknown } | null)?.model;
    if (typeof name === 'string' && name !== '') names.push(name);
  }
  return names.sort();
}

/**
 * Ask the Ollama at `baseUrl` (its root or its OpenAI-compatible `/v1` URL) for its models.
 * Resolves within about `timeoutMs` whatever the server does (silent, slow, huge, not Ollama).
 */
export async function probeOllama(baseUrl: string, timeoutMs: number = OLLAMA_PROBE_TIMEOUT_MS): Promise<OllamaProbe> {
  let url: URL;
  try {
    url = new URL(`${serverRoot(baseUrl)}/api/tags`);
  } catch {
    return { ok: false, why: `not a URL: ${baseUrl}` };
  }
  const where = url.host;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  try {
    // reset: one question, so the socket is closed after it rather than kept in the global pool
    // (a kept-alive socket would hold a short-lived process open).
    // Loaded on the first probe: undici is ~20 MB of a daemon that may never look for Ollama.
    const { request } = await import('undici');
    const res = await request(url, { method: 'GET', signal: abort.signal, reset: true, headers: { accept: 'application/json' } });
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      if (bytes > MAX_TAGS_BYTES) {
        res.body.destroy();
        return { ok: false, why: `${where}: answer larger than ${MAX_TAGS_BYTES} bytes, not Ollama` };
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) return { ok: false, why: `${where}: HTTP ${res.statusCode} for /api/tags` };
    const models = modelsOf(Buffer.concat(chunks).toString('utf8'));
    return models ? { ok: true, models } : { ok: false, why: `${where}: /api/tags is not an Ollama model list` };
  } catch (e) {
    return { ok: false, why: failureWhy(e, where, timeoutMs, timedOut) };
  } finally {
    clearTimeout(timer);
  }
}
