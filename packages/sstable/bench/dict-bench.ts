// Benchmark of trained zstd dictionaries (not a test): seeded JSON documents and log lines
// packed into 4 KiB data blocks (bench/dict-data.ts). One run, the same blocks for every
// column: no dictionary (compression id 1), our trainer (trainDictionary), and the
// reference trainer (`zstd --train` from the zstd command-line tool, skipped with a note
// when it is not installed). Dictionaries are trained on the training blocks and measured
// on held-out blocks and on the training blocks. Blocks are compressed exactly as a table
// stores them (BlockCompressor: varint length + frame, raw when zstd saves < 1/8) and
// decompressed with the table read path (decompressBlock with a prepared DDict).
//
//   pnpm --filter @lsm/sstable bench:dict
//   BENCH_DICT_BYTES=65536 BENCH_TRAIN_BLOCKS=1000 pnpm --filter @lsm/sstable bench:dict

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockCompressor, decompressBlock } from '../src/compression.js';
import { DictionaryDecompressor, trainDictionary } from '@lsm/zstd-dictionary';
import { makeBlocks } from './dict-data.js';

const DICT_BYTES = Number(process.env['BENCH_DICT_BYTES'] ?? 16384);
const TRAIN = Number(process.env['BENCH_TRAIN_BLOCKS'] ?? 400);
const TEST = Number(process.env['BENCH_TEST_BLOCKS'] ?? 400);
const LEVEL = Number(process.env['BENCH_LEVEL'] ?? 3);
const SEED = Number(process.env['BENCH_SEED'] ?? 42);

interface Stored {
  id: number;
  payload: Uint8Array;
  raw: number;
}

function compressAll(blocks: readonly Uint8Array[], dict: Uint8Array | undefined): Stored[] {
  const c = new BlockCompressor('zstd', LEVEL);
  if (dict !== undefined) c.useDictionary(dict);
  return blocks.map((b) => {
    const { id, payload } = c.compress(b, true);
    return { id, payload: payload.slice(), raw: b.length };
  });
}

function ratio(stored: readonly Stored[]): number {
  let raw = 0;
  let packed = 0;
  for (const s of stored) {
    raw += s.raw;
    packed += s.payload.length;
  }
  return raw / packed;
}

/** Decompression speed in MB/s of output, over about `ms` milliseconds. */
function decompressSpeed(stored: readonly Stored[], dict: DictionaryDecompressor | undefined, ms = 700): number {
  let bytes = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (const s of stored) bytes += decompressBlock(s.id, s.payload, 'bench', 0, dict).length;
    t = performance.now();
  }
  return bytes / 1e6 / ((t - t0) / 1000);
}

function referenceDictionary(train: readonly Uint8Array[]): { dict: Uint8Array; ms: number } | string {
  const dir = mkdtempSync(join(tmpdir(), 'lsm-dict-bench-'));
  try {
    const files = train.map((b, i) => {
      const f = join(dir, `sample-${String(i).padStart(5, '0')}`);
      writeFileSync(f, b);
      return f;
    });
    const out = join(dir, 'dict');
    const t0 = performance.now();
    try {
      execFileSync('zstd', ['-q', '-f', '--train', ...files, '-o', out, `--maxdict=${DICT_BYTES}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return e.code === 'ENOENT' ? 'zstd command not installed (Debian package "zstd")' : `zstd --train failed: ${e.message}`;
    }
    return { dict: new Uint8Array(readFileSync(out)), ms: performance.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const blocks = makeBlocks(SEED, TRAIN + TEST);
const train = blocks.slice(0, TRAIN);
const test = blocks.slice(TRAIN);
const mb = (bs: readonly Uint8Array[]): string => (bs.reduce((a, b) => a + b.length, 0) / 1e6).toFixed(2);
console.log(`# dictionary benchmark, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, zstd level ${LEVEL}`);
console.log(`blocks: ${TRAIN} training (${mb(train)} MB) + ${TEST} held out (${mb(test)} MB), ~4 KiB each, seed ${SEED}; dictionary max ${DICT_BYTES} bytes`);

const t0 = performance.now();
const ours = trainDictionary(train, { maxBytes: DICT_BYTES, level: LEVEL });
const oursMs = performance.now() - t0;
const ref = referenceDictionary(train);

const columns: Array<{ name: string; dict: Uint8Array | undefined; trainMs?: number }> = [
  { name: 'no dictionary', dict: undefined },
  { name: 'ours (trainDictionary)', dict: ours, trainMs: oursMs },
];
if (typeof ref === 'string') console.log(`reference column skipped: ${ref}`);
else columns.push({ name: 'reference (zstd --train)', dict: ref.dict, trainMs: ref.ms });

const rows = columns.map((c) => {
  const dd = c.dict !== undefined ? new DictionaryDecompressor(c.dict, 'bench', 0) : undefined;
  const heldOut = compressAll(test, c.dict);
  const trained = compressAll(train, c.dict);
  return {
    name: c.name,
    dictBytes: c.dict?.length ?? 0,
    trainMs: c.trainMs,
    heldOut: ratio(heldOut),
    training: ratio(trained),
    mbps: decompressSpeed(heldOut, dd),
  };
});

console.log('');
console.log('| column | dict bytes | train ms | ratio held-out | ratio training | decompress MB/s (held-out) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.dictBytes} | ${r.trainMs === undefined ? '-' : r.trainMs.toFixed(0)} | ${r.heldOut.toFixed(3)} | ${r.training.toFixed(3)} | ${r.mbps.toFixed(0)} |`);
}
console.log('');
const none = rows[0]!;
const o = rows[1]!;
console.log(`ours vs no dictionary: ${(o.heldOut / none.heldOut).toFixed(3)}x held-out, ${(o.training / none.training).toFixed(3)}x training`);
if (rows[2] !== undefined) {
  const r = rows[2];
  console.log(`reference vs no dictionary: ${(r.heldOut / none.heldOut).toFixed(3)}x held-out, ${(r.training / none.training).toFixed(3)}x training`);
  console.log(`ours / reference ratio: ${((100 * o.heldOut) / r.heldOut).toFixed(1)}% held-out, ${((100 * o.training) / r.training).toFixed(1)}% training (target >= 97%)`);
}
