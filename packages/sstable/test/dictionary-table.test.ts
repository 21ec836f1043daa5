// Tables with a trained zstd dictionary: round trips, the dictionary decision (kept only
// when it pays), the held-back sample blocks, reopen with and without a block cache,
// verification, and corruption of the dictionary block.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { record, Rng as DataRng } from '../bench/dict-data.js';
import { BlockCache } from '../src/block-cache.js';
import { CompressionId } from '../src/compression.js';
import { ValueType } from '@lsm/base';
import { expectLsmError, Rng, testSeed, withSeed } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function records(seed: number, n: number): Array<{ key: Uint8Array; value: Uint8Array }> {
  const r = new DataRng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const rec = record(r, i);
    out.push({ key: enc.encode(rec.key), value: enc.encode(rec.value) });
  }
  return out;
}

function write(fs: MemFs, path: string, recs: ReturnType<typeof records>, options: TableWriterOptions): ReturnType<TableWriter['finish']> {
  const w = new TableWriter(fs, path, { creationTime: 1, ...options });
  recs.forEach((r, i) => w.add(r.key, i + 1, ValueType.Value, r.value));
  return w.finish();
}

function checkAll(t: Table, recs: ReturnType<typeof records>): void {
  for (let i = 0; i < recs.length; i++) {
    const g = t.get(recs[i]!.key);
    expect(g?.seqno).toBe(i + 1);
    expect(dec.decode(g!.value)).toBe(dec.decode(recs[i]!.value));
  }
  const it = t.iterator();
  let n = 0;
  for (it.seekToFirst(); it.valid(); it.next()) {
    expect(dec.decode(it.value())).toBe(dec.decode(recs[n]!.value));
    n++;
  }
  it.close();
  expect(n).toBe(recs.length);
}

describe('tables with a zstd dictionary', () => {
  const recs = records(11, 6000); // about 1.4 MB of JSON and log records

  it('round-trips, is smaller than plain zstd, and every data block uses the dictionary', () => {
    const fs = new MemFs();
    const plain = write(fs, '/plain.sst', recs, { compression: 'zstd' });
    const withDict = write(fs, '/dict.sst', recs, { compression: 'zstd', dictionary: { maxBytes: 16384, sampleBytes: 400_000 } });
    const p = withDict.properties;
    expect(p.dictionarySize).toBeGreaterThan(0);
    expect(p.dictionarySize).toBeLessThanOrEqual(16384);
    expect(p.dataBlockCount).toBeGreaterThan(100);
    expect(p.compressedDataBlockCount).toBe(p.dataBlockCount);
    expect(withDict.fileSize).toBeLessThan(plain.fileSize * 0.8);
    for (const cache of [undefined, new BlockCache(1 << 20)]) {
      const t = Table.open(fs, '/dict.sst', cache ? { cache, tableId: 1 } : {});
      expect(t.properties.dictionarySize).toBe(p.dictionarySize);
      checkAll(t, recs);
      t.close();
    }
    const v = tableVerify(fs, '/dict.sst');
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    // Every data block's trailer says id 2 (blocks held back for training included).
    const bytes = readFile(fs, '/dict.sst');
    const t = Table.open(fs, '/dict.sst');
    const index = t.indexBlock();
    for (let i = 0; i < index.count; i++) {
      const h = index.handle(i);
      expect(bytes[h.offset + h.size]).toBe(CompressionId.ZstdDict);
    }
    t.close();
  });

  it('is deterministic: same records and options, same bytes', () => {
    const fs = new MemFs();
    write(fs, '/a.sst', recs.slice(0, 3000), { compression: 'zstd', dictionary: { maxBytes: 8192 } });
    write(fs, '/b.sst', recs.slice(0, 3000), { compression: 'zstd', dictionary: { maxBytes: 8192 } });
    expect(Buffer.from(readFile(fs, '/a.sst')).equals(Buffer.from(readFile(fs, '/b.sst')))).toBe(true);
  });

  it('keeps no dictionary when the table is too small or the data random', () => {
    const fs = new MemFs();
    const small = write(fs, '/s.sst', recs.slice(0, 20), { compression: 'zstd', dictionary: { maxBytes: 16384 } });
    expect(small.properties.dictionarySize).toBe(0);
    const rng = new Rng(5);
    const random = Array.from({ length: 2000 }, (_, i) => ({ key: enc.encode(`k${String(i).padStart(6, '0')}`), value: rng.bytes(200) }));
    const r = write(fs, '/r.sst', random, { compression: 'zstd', dictionary: { maxBytes: 4096 } });
    expect(r.properties.dictionarySize).toBe(0);
    for (const path of ['/s.sst', '/r.sst']) {
      const t = Table.open(fs, path);
      expect(t.get(path === '/s.sst' ? recs[3]!.key : random[3]!.key)?.seqno).toBe(4);
      t.close();
      expect(tableVerify(fs, path).ok).toBe(true);
    }
  });

  it('handles tables of every size around the sample threshold (model-based)', () => {
    const seed = testSeed(0xd1c7);
    withSeed(seed, (rng) => {
      const fs = new MemFs();
      for (let round = 0; round < 6; round++) {
        const n = 1 + rng.int(1500);
        const sub = recs.slice(0, n);
        const sampleBytes = 1024 + rng.int(300_000);
        write(fs, '/m.sst', sub, { compression: 'zstd', blockSize: 1024 + rng.int(8192), dictionary: { maxBytes: 1024 + rng.int(16384), sampleBytes: Math.max(sampleBytes, 17408) } });
        const t = Table.open(fs, '/m.sst');
        checkAll(t, sub);
        t.close();
        expect(tableVerify(fs, '/m.sst').problems).toEqual([]);
      }
    });
  });

  it('rejects bad dictionary options with LSM_INVALID_ARGUMENT naming the option', () => {
    const fs = new MemFs();
    expect(expectLsmError(() => new TableWriter(fs, '/x.sst', { dictionary: { maxBytes: 4096 } }), 'LSM_INVALID_ARGUMENT').message).toMatch(/zstd/);
    expect(expectLsmError(() => new TableWriter(fs, '/x.sst', { compression: 'zstd', dictionary: { maxBytes: 10 } }), 'LSM_INVALID_ARGUMENT').message).toMatch(/maxBytes/);
    expect(expectLsmError(() => new TableWriter(fs, '/x.sst', { compression: 'zstd', dictionary: { maxBytes: 4096, sampleBytes: 5 } }), 'LSM_INVALID_ARGUMENT').message).toMatch(/sampleBytes/);
    expect(expectLsmError(() => new TableWriter(fs, '/x.sst', { compression: 'zstd', dictionary: null as never }), 'LSM_INVALID_ARGUMENT').message).toMatch(/dictionary/);
  });

  it('a damaged dictionary block is LSM_CORRUPTION at open and in verify, naming its offset', () => {
    const fs = new MemFs();
    write(fs, '/d.sst', recs.slice(0, 3000), { compression: 'zstd', dictionary: { maxBytes: 8192 } });
    const good = readFile(fs, '/d.sst');
    const t = Table.open(fs, '/d.sst');
    const h = (t as unknown as { metaHandles: Map<string, { offset: number; size: number }> }).metaHandles.get('lsm.zstd_dictionary')!;
    t.close();
    expect(h).toBeDefined();
    const rng = new Rng(testSeed(77));
    for (let trial = 0; trial < 20; trial++) {
      const bad = good.slice();
      const pos = h.offset + rng.int(h.size + 8);
      bad[pos] = bad[pos]! ^ (1 + rng.int(255));
      writeFile(fs, '/bad.sst', bad);
      const err = expectLsmError(() => Table.open(fs, '/bad.sst'), 'LSM_CORRUPTION');
      expect(err.message).toContain(String(h.offset));
      const v = tableVerify(fs, '/bad.sst');
      expect(v.ok).toBe(false);
      expect(v.problems.some((p) => p.code === 'LSM_CORRUPTION' && p.offset === h.offset)).toBe(true);
    }
  });
});
