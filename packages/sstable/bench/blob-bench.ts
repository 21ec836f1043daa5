// Benchmark of blob files (not a test): the six transform combinations (none / zstd /
// zstd + trained dictionary, each plaintext and encrypted) on ~1 KiB document-like values
// (bench/dict-data.ts records joined): write throughput (incl. training and fsync), file
// size relative to the raw values, and uncached random reads through pointers.
//
//   pnpm --filter @lsm/sstable bench:blob              (N=20000 values)
//   BENCH_N=100000 pnpm --filter @lsm/sstable bench:blob

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { KeyRing } from '@lsm/encryption';
import { BlobFileReader, BlobFileWriter, type BlobPointer, chooseBlobDictionary } from '../src/index.js';
import { record, Rng } from './dict-data.js';

const N = Number(process.env['BENCH_N'] ?? 20_000);
const ring = new KeyRing({ key: new Uint8Array(32).fill(9) });
const enc = new TextEncoder();

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const rng = new Rng(42);
const keys: Uint8Array[] = [];
const values: Uint8Array[] = [];
let raw = 0;
for (let i = 0; i < N; i++) {
  let v = '';
  let key = '';
  while (v.length < 1024) {
    const r = record(rng, i);
    key ||= r.key;
    v += `${r.value}\n`;
  }
  keys.push(enc.encode(key));
  values.push(enc.encode(v));
  raw += v.length;
}

console.log(`@lsm/sstable blob bench: Node ${process.version}, ${new Date().toISOString()}, ${N} values, ${(raw / N).toFixed(0)} B average`);
console.log('mode                          write MB/s  size/raw  random read us/value');
const dir = mkdtempSync(join(tmpdir(), 'lsm-blob-bench-'));
const fs = new NodeFs({ root: dir });
try {
  let id = 1;
  for (const mode of ['none', 'zstd', 'zstd+dictionary'] as const) {
    for (const encrypted of [false, true]) {
      const path = join(dir, `${String(id).padStart(6, '0')}.blob`);
      const fileId = id++;
      let ptrs: BlobPointer[] = [];
      let dictBytes = 0;
      const w = time(() => {
        // As the engine does: train on the file's first values (default sampleBytes for maxBytes 16 KiB is 1.6 MB).
        const dict = mode === 'zstd+dictionary' ? chooseBlobDictionary(sampleOf(values, 100 * 16384), 16384, 3) : undefined;
        dictBytes = dict?.length ?? 0;
        const bw = new BlobFileWriter(fs, path, fileId, {
          compression: mode === 'none' ? 'none' : 'zstd',
          ...(encrypted ? { encryption: ring } : {}),
          ...(dict !== undefined ? { dictionary: dict } : {}),
        });
        ptrs = values.map((v, i) => bw.add(keys[i]!, v));
        bw.finish();
      });
      const size = fs.metadata(path).size;
      const r = BlobFileReader.open(fs, path, fileId, encrypted ? { encryption: ring } : {});
      const reads = Math.min(N, 20_000);
      const order = Array.from({ length: reads }, (_, i) => (i * 7919) % N);
      const t = time(() => {
        for (const i of order) r.read(ptrs[i]!, keys[i]);
      });
      r.close();
      const label = `${mode}, ${encrypted ? 'encrypted' : 'plaintext'}`;
      const note = dictBytes > 0 ? `   (dictionary ${dictBytes} B)` : '';
      console.log(`${label.padEnd(30)}${(raw / 1e6 / w).toFixed(1).padStart(10)}  ${(size / raw).toFixed(3).padStart(8)}  ${((t / reads) * 1e6).toFixed(1).padStart(20)}${note}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function sampleOf(vs: Uint8Array[], bytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let n = 0;
  for (const v of vs) {
    if (n >= bytes) break;
    out.push(v);
    n += v.length;
  }
  return out;
}
