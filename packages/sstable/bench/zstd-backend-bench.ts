// Benchmark of the two zstd backends (not a test): zstd-napi's native binding against the
// WebAssembly fallback of @lsm/zstd, on what a table really compresses: seeded 4 KiB data
// blocks (bench/dict-data.ts), compressed as the table writer stores them (BlockCompressor)
// and decompressed by the table read path (decompressBlock), without and with a trained
// dictionary. MB/s of uncompressed block bytes, best of several rounds, one thread.
//
//   pnpm --filter @lsm/sstable bench:zstd
//   BENCH_BLOCKS=4000 BENCH_LEVEL=1 pnpm --filter @lsm/sstable bench:zstd

import { setZstdBackend, type ZstdBackendName } from '@lsm/zstd';
import { DictionaryDecompressor, trainDictionary } from '@lsm/zstd-dictionary';
import { BlockCompressor, decompressBlock } from '../src/compression.js';
import { makeBlocks } from './dict-data.js';

const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? 2000);
const LEVEL = Number(process.env['BENCH_LEVEL'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

const blocks = makeBlocks(42, BLOCKS);
const bytes = blocks.reduce((s, b) => s + b.length, 0);
const dict = trainDictionary(makeBlocks(7, 400), { maxBytes: 16384, level: LEVEL });

/** Best MB/s of `fn` (which processes every block once) over the rounds. */
function rate(fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return bytes / 1e6 / (best / 1000);
}

function measure(backend: ZstdBackendName, withDict: boolean): { compress: number; decompress: number; ratio: number } {
  setZstdBackend(backend);
  const c = new BlockCompressor('zstd', LEVEL);
  if (withDict) c.useDictionary(dict);
  const stored = blocks.map((b) => {
    const { id, payload } = c.compress(b, withDict);
    return { id, payload: payload.slice() };
  });
  const d = withDict ? new DictionaryDecompressor(dict, 'bench', 0) : undefined;
  const compress = rate(() => {
    for (const b of blocks) c.compress(b, withDict);
  });
  const decompress = rate(() => {
    for (const s of stored) decompressBlock(s.id, s.payload, 'bench', 0, d);
  });
  return { compress, decompress, ratio: bytes / stored.reduce((s, x) => s + x.payload.length, 0) };
}

console.log(`zstd backends: ${BLOCKS} data blocks of 4 KiB (${(bytes / 1e6).toFixed(1)} MB), level ${LEVEL}, best of ${ROUNDS}`);
console.log('backend  dictionary  compress MB/s  decompress MB/s  ratio');
for (const withDict of [false, true]) {
  for (const backend of ['native', 'wasm'] as const) {
    const m = measure(backend, withDict);
    console.log(`${backend.padEnd(8)} ${(withDict ? `${dict.length} B` : 'none').padEnd(11)} ${m.compress.toFixed(0).padStart(13)} ${m.decompress.toFixed(0).padStart(16)}  ${m.ratio.toFixed(2)}`);
  }
}
