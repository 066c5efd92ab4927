import { withBenchHome } from './benchHome.js';
import { measureTui } from './tuiBench.js';
const r = await withBenchHome((h) => measureTui(h, { coldRuns: 5, keys: 30, streamMb: 1 }));
console.log(JSON.stringify(r, null, 1));
