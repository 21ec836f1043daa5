import zstd from 'zstd-napi/binding.js';
import { readFileSync } from 'node:fs';
import { makeBlocks } from './dict-data.js';
import { hashSamples, selectSegments } from '../src/dictionary/cover-segments.js';
const blocks = makeBlocks(42, 1200);
const train = blocks.slice(0, 1000), test = blocks.slice(1000);
function size(dict: Uint8Array | undefined, set: Uint8Array[]): number {
  const c = new zstd.CCtx();
  c.setParameter(zstd.CParameter.compressionLevel, 3);
  c.setParameter(zstd.CParameter.contentSizeFlag, 0);
  c.setParameter(zstd.CParameter.checksumFlag, 0);
  c.setParameter(zstd.CParameter.dictIDFlag, 0);
  c.setParameter(10 as zstd.CParameter, 1);
  if (dict) c.loadDictionary(dict);
  const out = new Uint8Array(20000); let t = 0;
  for (const b of set) t += c.compress2(out, b);
  return t;
}
const raw = test.reduce((a, b) => a + b.length, 0);
console.log('raw', raw, 'nodict', size(undefined, test), 'ref', size(readFileSync('/tmp/dictexp/ref16384.dict'), test), 'refraw', size(readFileSync('/tmp/dictexp/raw15500.dict'), test));
for (const d of [6, 8] as const) {
  const t0 = performance.now();
  const hs = hashSamples(train, d);
  const t1 = performance.now();
  for (const k of [64, 128, 256, 512, 1024, 2048]) {
    const t2 = performance.now();
    const dict = selectSegments(hs, { maxBytes: 16384, k, d });
    const t3 = performance.now();
    console.log(d, k, dict.length, size(dict, test), `hash ${(t1 - t0).toFixed(0)}ms select ${(t3 - t2).toFixed(0)}ms`);
  }
}
