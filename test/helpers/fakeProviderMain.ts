/**
 * The fake provider on its own, for trying Relay by hand:
 *   node --import tsx test/helpers/fakeProviderMain.ts [--ollama-models a,b]
 * prints `{"url": "http://127.0.0.1:<port>"}` as one JSON line on stdout and serves until
 * SIGTERM or SIGINT. Point a provider's base URL at it (`OPENAI_BASE_URL=<url>/v1`,
 * `ANTHROPIC_BASE_URL=<url>`, `GOOGLE_GEMINI_BASE_URL=<url>`, `OLLAMA_HOST=<url>`).
 */
import { startFakeProvider } from './fakeProviderServer.js';

const at = process.argv.indexOf('--ollama-models');
const ollamaModels = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : undefined;
const fake = await startFakeProvider(ollamaModels ? { ollamaModels } : {});
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void fake.close().then(() => process.exit(0));
  });
}
