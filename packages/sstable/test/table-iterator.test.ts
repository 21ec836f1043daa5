import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { MergingIterator, ArrayIterator, compareBytes, type Entry } from '@lsm/base';
import { b, expectLsmError, numKey, put, s, testSeed, withSeed, compareIterators, modelIterator, randomEntries } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';

function makeTable(entries: readonly Entry[], options: TableWriterOptions = {}, path = '/t.sst', fs = new MemFs()): Table {
  const w = new TableWriter(fs, path, options);
  for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
  w.finish();
  return Table.open(fs, path, { cache: new BlockCache(1 << 16), tableId: 1 });
}

describe('TableIterator', () => {
  it('matches the model under random ops, with and without bounds', () => {
    withSeed(testSeed(500), (rng) => {
      for (let round = 0; round < 16; round++) {
        const entries = randomEntries(rng, 1 + rng.int(800), { maxKeyLen: 5, maxValueLen: 30 });
        const t = makeTable(entries, { blockSize: rng.pick([64, 128, 512, 4096]), restartInterval: rng.pick([1, 3, 16]), compression: rng.pick(['none', 'zstd'] as const) });
        const keys = [...entries.map((e) => e.userKey), ...Array.from({ length: 20 }, () => rng.bytes(rng.int(4)))];
        let lower: Uint8Array | undefined;
        let upper: Uint8Array | undefined;
        if (rng.bool(0.5)) lower = rng.pick(keys);
        if (rng.bool(0.5)) upper = rng.pick(keys);
        const it = t.iterator({ lowerBound: lower, upperBound: upper, fillCache: rng.bool() });
        compareIterators(rng, it, modelIterator(entries, lower, upper), keys, 700);
        it.close();
        t.close();
      }
    });
  });

  it('seeks land correctly on every block boundary, forward and backward', () => {
    // One entry per block (blockSize 64 and 40-byte values), three versions per key.
    const entries: Entry[] = [];
    for (let i = 0; i < 30; i++) for (let v = 3; v >= 1; v--) entries.push(put(s(numKey(i * 2)), v, 'x'.repeat(40)));
    const t = makeTable(entries, { blockSize: 64 });
    expect(t.properties.dataBlockCount).toBe(90);
    const it = t.iterator();
    for (let i = 0; i < 30; i++) {
      const k = numKey(i * 2);
      it.seek(k);
      expect(s(it.userKey())).toBe(s(k));
      expect(it.seqno()).toBe(3);
      it.seek(k, 2);
      expect(it.seqno()).toBe(2);
      it.seek(k, 0); // past all versions: next key's newest
      if (i < 29) {
        expect(s(it.userKey())).toBe(s(numKey(i * 2 + 2)));
        expect(it.seqno()).toBe(3);
      } else {
        expect(it.valid()).toBe(false);
      }
      it.seekForPrev(k); // oldest version of k
      expect(s(it.userKey())).toBe(s(k));
      expect(it.seqno()).toBe(1);
      it.seekForPrev(k, 4); // before all versions of k
      if (i > 0) {
        expect(s(it.userKey())).toBe(s(numKey(i * 2 - 2)));
        expect(it.seqno()).toBe(1);
      } else {
        expect(it.valid()).toBe(false);
      }
      it.seek(numKey(i * 2 + 1)); // absent key between blocks
      if (i < 29) expect(s(it.userKey())).toBe(s(numKey(i * 2 + 2)));
      it.seekForPrev(numKey(i * 2 + 1));
      expect(s(it.userKey())).toBe(s(k));
      expect(it.seqno()).toBe(1);
    }
    // Full reverse scan crosses every boundary.
    let n = 0;
    for (it.seekToLast(); it.valid(); it.prev()) n++;
    expect(n).toBe(90);
    // Direction switches at a boundary.
    it.seek(numKey(10), 1);
    it.next();
    expect(s(it.userKey())).toBe(s(numKey(12)));
    it.prev();
    expect(s(it.userKey())).toBe(s(numKey(10)));
    expect(it.seqno()).toBe(1);
  });

  it('bounds: seekToFirst/Last respect them and the scan stops before the next block', () => {
    const entries = Array.from({ length: 100 }, (_, i) => put(s(numKey(i)), 1, 'y'.repeat(50)));
    const fs = new MemFs();
    const w = new TableWriter(fs, '/b.sst', { blockSize: 64 });
    for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
    w.finish();
    const cache = new BlockCache(1 << 20);
    const t = Table.open(fs, '/b.sst', { cache, tableId: 9 });
    const it = t.iterator({ lowerBound: numKey(10), upperBound: numKey(20) });
    const seen: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(s(it.userKey()));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => s(numKey(10 + i))));
    // 10 blocks in range, plus the one holding key 20 (its first key shows the bound is passed).
    expect(cache.stats().misses).toBe(11);
    // When the index separator is already >= the bound ('b' between 'a' and 'c'), the next
    // block is not read at all.
    const fs2 = new MemFs();
    const w2 = new TableWriter(fs2, '/gap.sst', { blockSize: 64 });
    for (const k of ['a', 'c', 'e']) w2.put(b(k), 1, b('w'.repeat(60)));
    w2.finish();
    const cache2 = new BlockCache(1 << 20);
    const t2 = Table.open(fs2, '/gap.sst', { cache: cache2, tableId: 1 });
    const it2 = t2.iterator({ upperBound: b('b') });
    let n = 0;
    for (it2.seekToFirst(); it2.valid(); it2.next()) n++;
    expect(n).toBe(1);
    expect(cache2.stats().misses).toBe(1);
    seen.length = 0;
    for (it.seekToLast(); it.valid(); it.prev()) seen.push(s(it.userKey()));
    expect(seen.length).toBe(10);
    expect(seen[0]).toBe(s(numKey(19)));
    it.seek(numKey(5));
    expect(s(it.userKey())).toBe(s(numKey(10)));
    it.seekForPrev(numKey(50));
    expect(s(it.userKey())).toBe(s(numKey(19)));
    it.seek(numKey(20));
    expect(it.valid()).toBe(false);
    it.seekForPrev(numKey(9));
    expect(it.valid()).toBe(false);
  });

  it('fillCache: false leaves the cache untouched', () => {
    const entries = Array.from({ length: 50 }, (_, i) => put(s(numKey(i)), 1, 'z'.repeat(50)));
    const fs = new MemFs();
    const w = new TableWriter(fs, '/fc.sst', { blockSize: 64 });
    for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
    w.finish();
    const cache = new BlockCache(1 << 20);
    const t = Table.open(fs, '/fc.sst', { cache, tableId: 1 });
    const it = t.iterator({ fillCache: false });
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    expect(n).toBe(50);
    expect(cache.stats().entries).toBe(0);
  });

  it('accessors need a position; close makes moves LSM_CLOSED', () => {
    const t = makeTable([put('a', 1, 'v')]);
    const it = t.iterator();
    expectLsmError(() => it.userKey(), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => it.next(), 'LSM_INVALID_ARGUMENT');
    it.seekToFirst();
    expect(s(it.value())).toBe('v');
    it.close();
    it.close();
    expectLsmError(() => it.seekToFirst(), 'LSM_CLOSED');
    expectLsmError(() => it.userKey(), 'LSM_CLOSED');
  });

  it('merges several tables and a memtable-like source like the model', () => {
    withSeed(testSeed(600), (rng) => {
      const all = randomEntries(rng, 2000, { maxKeyLen: 5 });
      const parts: Entry[][] = [[], [], [], []];
      for (const e of all) parts[rng.int(4)]!.push(e);
      const fs = new MemFs();
      const tables = parts.slice(0, 3).map((p, i) => makeTable(p, { blockSize: 128 }, `/m${i}.sst`, fs));
      const merged = new MergingIterator([...tables.map((t) => t.iterator()), new ArrayIterator(parts[3]!)]);
      const keys = [...all.map((e) => e.userKey), ...Array.from({ length: 20 }, () => rng.bytes(rng.int(4)))];
      compareIterators(rng, merged, modelIterator(all), keys, 3000);
      // Full forward scan equals the sorted union.
      let i = 0;
      for (merged.seekToFirst(); merged.valid(); merged.next(), i++) {
        expect(compareBytes(merged.userKey(), all[i]!.userKey)).toBe(0);
        expect(merged.seqno()).toBe(all[i]!.seqno);
      }
      expect(i).toBe(all.length);
      merged.close();
    });
  });
});

void b;
