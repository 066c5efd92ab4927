/**
 * The fake provider on its own, for trying Relay by hand:
 *   node --import tsx test/helpers/fakeProviderMain.ts [--ollama-models a,b] [--default '<FakeStep JSON>' [--repeat N]]
 * prints `{"url": "http://127.0.0.1:<port>"}` as one JSON line on stdout and serves until
 * SIGTERM or SIGINT. Point a provider's base URL at it (`OPENAI_BASE_URL=<url>/v1`,
 * `ANTHROPIC_BASE_URL=<url>`, `GOOGLE_GEMINI_BASE_URL=<url>`, `OLLAMA_HOST=<url>`).
 */
import { startFakeProvider, type FakeStep } from './fakeProviderServer.js';

const at = process.argv.indexOf('--ollama-models');
const ollamaModels = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : undefined;
const fake = await startFakeProvider(ollamaModels ? { ollamaModels } : {});
// What every generation request gets (a benchmark's large answer, a stall to try Ctrl+C on).
const byDefault = process.argv.indexOf('--default');
if (byDefault >= 0) {
  const step = JSON.parse(process.argv[byDefault + 1] ?? '') as FakeStep;
  // `--repeat N`: the answer's text N times over (a large answer does not fit in argv).
  const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1] ?? 1);
  if (step.kind === 'answer' && step.text !== undefined && process.argv.includes('--repeat')) step.text = step.text.repeat(repeat);
  fake.setDefault(step);
}
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void fake.close().then(() => process.exit(0));
  });
}
