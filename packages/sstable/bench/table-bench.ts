// Benchmark of @lsm/sstable (not a test): writer throughput with and without zstd, point
// lookups on a cached table and with the cache off, full-scan speed, compression ratio.
// Workload as in ARCHITECTURE.md: 1,000,000 entries, 16-byte keys, 100-byte values that
// compress about 2:1 (db_bench's default value generator). Tables live in a temp dir on
// the real disk (NodeFs) and are removed afterwards.
//
//   pnpm --filter @lsm/sstable bench            (N=1000000)
//   BENCH_N=200000 pnpm --filter @lsm/sstable bench

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { ValueType } from '@lsm/base';
import { BlockCache, keyHash, Table, TableWriter, type CompressionType } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 1_000_000);
const KEY = 16;
const VALUE = 100;
const LOOKUPS = Number(process.env['BENCH_LOOKUPS'] ?? 1_000_000);

function key16(i: number, out: Uint8Array): Uint8Array {
  out[0] = 0x75; // "user" + 12 decimal digits, like db_bench's fixed-width keys
  out[1] = 0x73;
  out[2] = 0x65;
  out[3] = 0x72;
  let v = i;
  for (let p = 15; p >= 4; p--) {
    out[p] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return out;
}

/** db_bench-style values: a pool of random bytes where each 100-byte value is 50 random bytes repeated (ratio ~0.5). */
function makeValuePool(): Uint8Array {
  const pool = new Uint8Array(1 << 20);
  let x = 0x12345678;
  for (let i = 0; i < pool.length; i += VALUE) {
    for (let j = 0; j < VALUE / 2; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      pool[i + j] = x & 0xff;
      if (i + j + VALUE / 2 < pool.length) pool[i + j + VALUE / 2] = x & 0xff;
    }
  }
  return pool;
}

function shuffledIndices(n: number, count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x % n;
  }
  return out;
}

interface Row {
  name: string;
  value: string;
  note?: string;
}

const rows: Row[] = [];
function report(name: string, value: string, note?: string): void {
  rows.push({ name, value, note });
  console.log(`${name.padEnd(48)} ${value}${note ? `   (${note})` : ''}`);
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const dir = mkdtempSync(join(tmpdir(), 'lsm-sstable-bench-'));
const fs = new NodeFs({ root: dir });
const pool = makeValuePool();
const poolSlots = Math.floor(pool.length / VALUE) - 1;

function writeTable(path: string, compression: CompressionType, level?: number): { seconds: number; size: number; uncompressed: number; data: number } {
  const k = new Uint8Array(KEY);
  let meta: ReturnType<TableWriter['finish']> | undefined;
  const seconds = time(() => {
    const w = new TableWriter(fs, path, { compression, compressionLevel: level });
    for (let i = 0; i < N; i++) {
      const off = (i % poolSlots) * VALUE;
      w.add(key16(i, k), i + 1, ValueType.Value, pool.subarray(off, off + VALUE));
    }
    meta = w.finish();
  });
  const p = meta!.properties;
  return { seconds, size: meta!.fileSize, uncompressed: p.uncompressedDataSize, data: p.dataSize };
}

try {
  console.log(`@lsm/sstable bench: N=${N} entries, ${KEY} B keys, ${VALUE} B values (~2:1 compressible), Node ${process.version}, ${new Date().toISOString()}`);
  const rawMB = (N * (KEY + VALUE)) / 1e6;

  // Warm-up run so the JIT has seen the writer.
  writeTable(join(dir, 'warm.sst'), 'none');
  fs.removeFile(join(dir, 'warm.sst'));

  const plain = join(dir, 'plain.sst');
  const wPlain = writeTable(plain, 'none');
  report('writer, no compression (incl. fsync)', `${(rawMB / wPlain.seconds).toFixed(0)} MB/s`, `${((N / wPlain.seconds) / 1e6).toFixed(2)} M entries/s, file ${(wPlain.size / 1e6).toFixed(1)} MB`);
  const z1 = join(dir, 'zstd1.sst');
  const wZ1 = writeTable(z1, 'zstd', 1);
  report('writer, zstd level 1', `${(rawMB / wZ1.seconds).toFixed(0)} MB/s`, `file ${(wZ1.size / 1e6).toFixed(1)} MB`);
  const z3 = join(dir, 'zstd3.sst');
  const wZ3 = writeTable(z3, 'zstd', 3);
  report('writer, zstd level 3', `${(rawMB / wZ3.seconds).toFixed(0)} MB/s`, `file ${(wZ3.size / 1e6).toFixed(1)} MB`);
  report('compression ratio, zstd 1 (data blocks)', `${(wZ1.uncompressed / wZ1.data).toFixed(2)}x`, `${(wZ1.uncompressed / 1e6).toFixed(1)} MB -> ${(wZ1.data / 1e6).toFixed(1)} MB`);
  report('compression ratio, zstd 3 (data blocks)', `${(wZ3.uncompressed / wZ3.data).toFixed(2)}x`, `${(wZ3.uncompressed / 1e6).toFixed(1)} MB -> ${(wZ3.data / 1e6).toFixed(1)} MB`);

  const idx = shuffledIndices(N, LOOKUPS, 42);
  const k = new Uint8Array(KEY);
  const lookups = (t: Table, count: number): number => {
    let found = 0;
    for (let i = 0; i < count; i++) {
      key16(idx[i]!, k);
      if (t.get(k, Number.MAX_SAFE_INTEGER, keyHash(k)) !== undefined) found++;
    }
    if (found !== count) throw new Error(`lookups found ${found} of ${count}`);
    return found;
  };

  for (const [label, path] of [['uncompressed', plain], ['zstd 1', z1]] as const) {
    const cache = new BlockCache(512 << 20);
    const t = Table.open(fs, path, { cache, tableId: 1 });
    // Fill the cache with every block, then measure hits only.
    const it = t.iterator();
    for (it.seekToFirst(); it.valid(); it.next());
    lookups(t, Math.min(LOOKUPS, 200_000)); // JIT warm-up
    cache.resetStats();
    const sec = time(() => lookups(t, LOOKUPS));
    const st = cache.stats();
    report(`point lookup, cached (${label})`, `${(LOOKUPS / sec / 1e6).toFixed(2)} M/s`, `${((sec / LOOKUPS) * 1e9).toFixed(0)} ns/lookup, random keys over all ${N}, hit rate ${((st.hits / (st.hits + st.misses)) * 100).toFixed(1)}%`);
    if (label === 'uncompressed') {
      // The same lookups confined to 10,000 keys (~300 blocks, fits in the CPU caches):
      // what the code costs when memory latency is out of the picture.
      const hot = shuffledIndices(Math.min(N, 10_000), LOOKUPS, 7);
      const hotLookups = (): void => {
        for (let i = 0; i < LOOKUPS; i++) {
          key16(hot[i]!, k);
          if (t.get(k, Number.MAX_SAFE_INTEGER, keyHash(k)) === undefined) throw new Error('hot lookup missed');
        }
      };
      hotLookups();
      const hs = time(hotLookups);
      report('point lookup, cached, hot 10k-key set', `${(LOOKUPS / hs / 1e6).toFixed(2)} M/s`, `${((hs / LOOKUPS) * 1e9).toFixed(0)} ns/lookup: CPU cost without DRAM misses`);
    }
    t.close();
  }

  for (const [label, path] of [['uncompressed', plain], ['zstd 1', z1]] as const) {
    const t = Table.open(fs, path);
    const n = Math.min(LOOKUPS, 200_000);
    lookups(t, 20_000);
    const sec = time(() => lookups(t, n));
    report(`point lookup, no cache (${label})`, `${(n / sec / 1e6).toFixed(3)} M/s`, `${((sec / n) * 1e6).toFixed(2)} us/lookup: pread + checksum${label === 'zstd 1' ? ' + decompress' : ''} per lookup, OS page cache warm`);
    t.close();
  }

  {
    const t = Table.open(fs, plain, { cache: new BlockCache(512 << 20), tableId: 2 });
    const scan = (): number => {
      const it = t.iterator();
      let n = 0;
      let bytes = 0;
      for (it.seekToFirst(); it.valid(); it.next()) {
        bytes += it.userKey().length + it.value().length;
        n++;
      }
      if (n !== N || bytes !== N * (KEY + VALUE)) throw new Error('scan count mismatch');
      return n;
    };
    scan(); // fills the cache, warms the JIT
    const sec = time(scan);
    report('full scan, cached (uncompressed)', `${(N / sec / 1e6).toFixed(2)} M entries/s`, `${((sec / N) * 1e9).toFixed(0)} ns/entry, touching key and value`);
    t.close();
  }
  for (const [label, path] of [['uncompressed', plain], ['zstd 1', z1]] as const) {
    const t = Table.open(fs, path);
    const sec = time(() => {
      const it = t.iterator({ fillCache: false });
      let n = 0;
      for (it.seekToFirst(); it.valid(); it.next()) n++;
      if (n !== N) throw new Error('scan count mismatch');
    });
    report(`full scan, no cache (${label})`, `${(N / sec / 1e6).toFixed(2)} M entries/s`, 'reads and verifies every block');
    t.close();
  }
  {
    const t = Table.open(fs, plain, { cache: new BlockCache(512 << 20), tableId: 3 });
    const it = t.iterator();
    for (it.seekToFirst(); it.valid(); it.next());
    const sec = time(() => {
      let n = 0;
      for (it.seekToLast(); it.valid(); it.prev()) n++;
      if (n !== N) throw new Error('reverse scan count mismatch');
    });
    report('reverse scan, cached (uncompressed)', `${(N / sec / 1e6).toFixed(2)} M entries/s`);
    t.close();
  }
  console.log('\n| measure | result | notes |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.value} | ${r.note ?? ''} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
