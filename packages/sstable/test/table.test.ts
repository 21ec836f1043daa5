import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { bytewiseComparator, type Comparator, MAX_SEQNO, ValueType, type Entry } from '@lsm/base';
import { b, expectLsmError, numKey, put, s, testSeed, withSeed, randomEntries } from '@lsm/base/testing';
import { fixedPrefixExtractor } from '../src/prefix-extractor.js';
import { keyHash } from '../src/filter-block.js';
import { Table } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';
import { expectGet, modelGet } from './model.js';

function writeTable(fs: MemFs, path: string, entries: readonly Entry[], options: TableWriterOptions = {}): ReturnType<TableWriter['finish']> {
  const w = new TableWriter(fs, path, options);
  for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
  return w.finish();
}

describe('Table round trips', () => {
  it('random tables under random options answer every lookup like the model', () => {
    withSeed(testSeed(400), (rng) => {
      for (let round = 0; round < 12; round++) {
        const fs = new MemFs();
        const entries = randomEntries(rng, 1 + rng.int(1500), { maxKeyLen: 8, maxValueLen: rng.pick([0, 10, 200]) });
        const options: TableWriterOptions = {
          blockSize: rng.pick([64, 256, 1024, 4096]),
          restartInterval: rng.pick([1, 2, 16]),
          compression: rng.pick(['none', 'zstd'] as const),
          filter: rng.bool(0.8) ? {} : false,
        };
        const meta = writeTable(fs, '/t.sst', entries, options);
        expect(meta.properties.entryCount).toBe(entries.length);
        const cache = rng.bool(0.5) ? new BlockCache(rng.pick([0, 4096, 1 << 20])) : undefined;
        const t = Table.open(fs, '/t.sst', { cache, tableId: 7, cacheIndexAndFilterBlocks: rng.bool(0.3) });
        for (let q = 0; q < 600; q++) {
          const key = rng.bool(0.8) ? rng.pick(entries).userKey : rng.bytes(rng.int(5));
          const seq = rng.bool(0.3) ? MAX_SEQNO : rng.int(1100);
          const hash = rng.bool(0.5) ? keyHash(key) : undefined;
          expectGet(t.get(key, seq, hash), modelGet(entries, key, seq));
        }
        t.close();
      }
    });
  });

  it('returns merge operands with older entries across block boundaries', () => {
    const fs = new MemFs();
    const entries: Entry[] = [];
    for (let sq = 100; sq > 0; sq--) entries.push({ userKey: b('key'), seqno: sq, type: sq === 40 ? ValueType.Value : ValueType.Merge, value: b(`op${sq}`) });
    entries.push(put('next', 5, 'x'));
    writeTable(fs, '/m.sst', entries, { blockSize: 64 });
    const t = Table.open(fs, '/m.sst');
    const r = t.get(b('key'), 90)!;
    expect(r.type).toBe(ValueType.Merge);
    expect(r.seqno).toBe(90);
    expect(r.olderEntries!.length).toBe(50); // 89..40, ending at the value
    expect(r.olderEntries!.at(-1)!.type).toBe(ValueType.Value);
    expect(s(r.olderEntries!.at(-1)!.value)).toBe('op40');
    const all = t.get(b('key'), 39)!;
    expect(all.olderEntries!.length).toBe(38); // 38..1, all merges
    expect(t.get(b('key'), 40)!.olderEntries).toBeUndefined();
    expect(t.get(b('key'), 0)).toBeUndefined();
    expect(t.properties.dataBlockCount).toBeGreaterThan(10);
  });

  it('an empty table opens, iterates nothing and finds nothing', () => {
    const fs = new MemFs();
    const meta = writeTable(fs, '/e.sst', []);
    expect(meta.properties.entryCount).toBe(0);
    expect(meta.properties.smallestKey).toBeUndefined();
    const t = Table.open(fs, '/e.sst');
    expect(t.get(b('a'))).toBeUndefined();
    expect(t.mayContain(b('a'))).toBe(false);
    const it = t.iterator();
    it.seekToFirst();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(it.valid()).toBe(false);
    it.seek(b('a'));
    expect(it.valid()).toBe(false);
    it.seekForPrev(b('a'));
    expect(it.valid()).toBe(false);
    expect(t.rangeTombstones()).toEqual([]);
  });

  it('a one-entry table, an empty key and an empty value', () => {
    const fs = new MemFs();
    writeTable(fs, '/one.sst', [{ userKey: new Uint8Array(0), seqno: 0, type: ValueType.Value, value: new Uint8Array(0) }]);
    const t = Table.open(fs, '/one.sst');
    const r = t.get(new Uint8Array(0), 0)!;
    expect(r.value.length).toBe(0);
    expect(r.seqno).toBe(0);
    const it = t.iterator();
    it.seekToLast();
    expect(it.userKey().length).toBe(0);
    it.prev();
    expect(it.valid()).toBe(false);
  });

  it('records properties', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/p.sst', { compression: 'zstd', compressionLevel: 5, creationTime: 1234, prefixExtractor: fixedPrefixExtractor(2) });
    w.add(b('aa1'), 9, ValueType.Value, b('hello'));
    w.add(b('aa2'), 3, ValueType.Tombstone, b(''));
    w.add(b('bb'), 4, ValueType.Merge, b('m'));
    w.add(b('bb'), 2, ValueType.WeakTombstone, b(''));
    w.add(b('cc'), 7, ValueType.Indirection, b('ptr'));
    w.addRangeTombstone(b('x'), b('z'), 20);
    w.addRangeTombstone(b('a'), b('c'), 1);
    const meta = w.finish();
    const p = Table.open(fs, '/p.sst').properties;
    expect(p).toEqual(meta.properties);
    expect(p).toMatchObject({
      formatVersion: 1,
      comparator: bytewiseComparator.name,
      compression: 'zstd',
      compressionLevel: 5,
      entryCount: 5,
      valueCount: 1,
      tombstoneCount: 1,
      mergeCount: 1,
      weakTombstoneCount: 1,
      indirectionCount: 1,
      rangeTombstoneCount: 2,
      smallestSeqno: 1,
      largestSeqno: 20,
      rawKeyBytes: 12,
      rawValueBytes: 9,
      creationTime: 1234,
      prefixExtractor: 'lsm.fixed:2',
      filterKeyCount: 4,
      prefixFilterKeyCount: 3,
      dataBlockCount: 1,
      indexType: 0,
    });
    expect(s(p.smallestKey!)).toBe('aa1');
    expect(s(p.largestKey!)).toBe('cc');
    expect(s(p.smallestRangeTombstoneStart!)).toBe('a');
    expect(s(p.largestRangeTombstoneEnd!)).toBe('z');
    expect(meta.fileSize).toBe(fs.metadata('/p.sst').size);
    expect(p.fileChecksum).toMatch(/^[0-9a-f]{16}$/);
  });

  it('stores range tombstones sorted by start', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/r.sst');
    w.addRangeTombstone(b('m'), b('p'), 5);
    w.addRangeTombstone(b('a'), b('c'), 3);
    w.addRangeTombstone(b('a'), b('b'), 9);
    w.put(b('k'), 1, b('v'));
    w.finish();
    const t = Table.open(fs, '/r.sst');
    expect(t.rangeTombstones().map((r) => `${s(r.start)}-${s(r.end)}@${r.seqno}`)).toEqual(['a-b@9', 'a-c@3', 'm-p@5']);
    expect(t.rangeTombstones()).toBe(t.rangeTombstones());
  });

  it('a table of only range tombstones', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/ro.sst');
    w.addRangeTombstone(b('a'), b('z'), 4);
    const meta = w.finish();
    expect(meta.properties.entryCount).toBe(0);
    expect(meta.properties.smallestSeqno).toBe(4);
    const t = Table.open(fs, '/ro.sst');
    expect(t.rangeTombstones().length).toBe(1);
    expect(t.get(b('b'))).toBeUndefined();
  });

  it('filter sizing options are passed to BuRR', () => {
    const fs = new MemFs();
    const entries = Array.from({ length: 3000 }, (_, i) => put(s(numKey(i)), 1, ''));
    writeTable(fs, '/f12.sst', entries, { filter: { fingerprintBits: 12 } });
    const t = Table.open(fs, '/f12.sst');
    expect(t.filterInfo()!.fingerprintBits).toBe(12);
    writeTable(fs, '/fnone.sst', entries, { filter: false });
    const n = Table.open(fs, '/fnone.sst');
    expect(n.filterInfo()).toBeUndefined();
    expect(n.properties.filterSize).toBe(0);
    expect(n.mayContain(b('absent'))).toBe(true);
    expect(s(n.get(numKey(5))!.value)).toBe('');
  });

  it('the filter answers before any data block is read', () => {
    const fs = new MemFs();
    const entries = Array.from({ length: 2000 }, (_, i) => put(`key${i}`, 1, 'v'));
    entries.sort((x, y) => Buffer.compare(x.userKey, y.userKey));
    writeTable(fs, '/f.sst', entries);
    const cache = new BlockCache(1 << 20);
    const t = Table.open(fs, '/f.sst', { cache, tableId: 1 });
    let skipped = 0;
    for (let i = 0; i < 1000; i++) {
      const before = cache.stats().misses + cache.stats().hits;
      expect(t.get(b(`absent${i}`))).toBeUndefined();
      if (cache.stats().misses + cache.stats().hits === before) skipped++;
    }
    expect(skipped).toBeGreaterThan(950); // ~0.8% false positives
    const f = t.filterInfo()!;
    expect(f.keyCount).toBe(2000);
    expect(f.bitsPerKey).toBeGreaterThan(6);
    expect(f.bitsPerKey).toBeLessThan(9);
  });

  it('prefix filter: used only with the same extractor', () => {
    const fs = new MemFs();
    const entries = ['aa1', 'aa2', 'ab1', 'cd5'].map((k) => put(k, 1, 'v'));
    writeTable(fs, '/px.sst', entries, { prefixExtractor: fixedPrefixExtractor(2) });
    const withX = Table.open(fs, '/px.sst', { prefixExtractor: fixedPrefixExtractor(2) });
    expect(withX.mayContainPrefix(b('aa'))).toBe(true);
    expect(withX.mayContainPrefix(b('cd'))).toBe(true);
    let negatives = 0;
    for (let i = 0; i < 200; i++) if (!withX.mayContainPrefix(b(`z${i}`))) negatives++;
    expect(negatives).toBeGreaterThan(180);
    const other = Table.open(fs, '/px.sst', { prefixExtractor: fixedPrefixExtractor(3) });
    expect(other.mayContainPrefix(b('zz'))).toBe(true);
    expect(withX.filterInfo('prefix')!.keyCount).toBe(3);
  });

  it('a custom comparator orders the table and must match on open', () => {
    const reverse: Comparator = { name: 'test.reverse', compare: (x, y) => Buffer.compare(y, x) };
    const fs = new MemFs();
    const keys = ['d', 'c', 'b', 'a'];
    writeTable(fs, '/c.sst', keys.map((k) => put(k, 1, k.toUpperCase())), { comparator: reverse, blockSize: 64 });
    expectLsmError(() => Table.open(fs, '/c.sst'), 'LSM_INVALID_ARGUMENT');
    const t = Table.open(fs, '/c.sst', { comparator: reverse });
    expect(s(t.get(b('c'))!.value)).toBe('C');
    const it = t.iterator();
    const seen: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(s(it.userKey()));
    expect(seen).toEqual(keys);
    expectLsmError(() => writeTable(fs, '/c2.sst', [put('a', 1, ''), put('b', 1, '')], { comparator: reverse }), 'LSM_INVALID_ARGUMENT');
  });

  it('block cache: second lookups hit, distinct tables do not collide', () => {
    const fs = new MemFs();
    writeTable(fs, '/1.sst', [put('k', 1, 'one')]);
    writeTable(fs, '/2.sst', [put('k', 1, 'two')]);
    const cache = new BlockCache(1 << 20);
    const t1 = Table.open(fs, '/1.sst', { cache, tableId: 1 });
    const t2 = Table.open(fs, '/2.sst', { cache, tableId: 2 });
    expect(s(t1.get(b('k'))!.value)).toBe('one');
    expect(s(t2.get(b('k'))!.value)).toBe('two');
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
    expect(s(t1.get(b('k'))!.value)).toBe('one');
    expect(s(t2.get(b('k'))!.value)).toBe('two');
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2 });
    expectLsmError(() => Table.open(fs, '/1.sst', { cache }), 'LSM_INVALID_ARGUMENT');
  });

  it('cacheIndexAndFilterBlocks puts index and filter in the cache', () => {
    const fs = new MemFs();
    writeTable(fs, '/ci.sst', Array.from({ length: 100 }, (_, i) => put(s(numKey(i)), 1, 'v')), { blockSize: 256 });
    const cache = new BlockCache(1 << 20);
    const t = Table.open(fs, '/ci.sst', { cache, tableId: 3, cacheIndexAndFilterBlocks: true });
    expect(cache.stats().entries).toBe(2);
    expect(s(t.get(numKey(42))!.value)).toBe('v');
    cache.clear();
    expect(s(t.get(numKey(43))!.value)).toBe('v'); // reloads index and filter
    expect(cache.stats().entries).toBe(3);
  });

  it('bad lookup arguments are LSM_INVALID_ARGUMENT', () => {
    const fs = new MemFs();
    writeTable(fs, '/args.sst', [put('a', 1, '')]);
    const t = Table.open(fs, '/args.sst');
    expectLsmError(() => t.get('a' as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => t.get(b('a'), -1), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => t.get(b('a'), 1.5), 'LSM_INVALID_ARGUMENT');
    const it = t.iterator();
    expectLsmError(() => it.seek(b('a'), Number.NaN), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => it.seekForPrev(null as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => t.iterator({ upperBound: 'z' as unknown as Uint8Array }), 'LSM_INVALID_ARGUMENT');
  });

  it('use after close is LSM_CLOSED', () => {
    const fs = new MemFs();
    writeTable(fs, '/x.sst', [put('a', 1, '')]);
    const t = Table.open(fs, '/x.sst');
    const it = t.iterator();
    t.close();
    t.close();
    expectLsmError(() => t.get(b('a')), 'LSM_CLOSED');
    expectLsmError(() => t.iterator(), 'LSM_CLOSED');
    expectLsmError(() => it.seekToFirst(), 'LSM_CLOSED');
  });
});

describe('TableWriter input validation', () => {
  it('rejects out-of-order entries and bad arguments, and stays usable', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/v.sst');
    w.put(b('b'), 5, b('x'));
    expectLsmError(() => w.put(b('a'), 9, b('x')), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.put(b('b'), 5, b('x')), 'LSM_INVALID_ARGUMENT'); // same internal key
    expectLsmError(() => w.put(b('b'), 6, b('x')), 'LSM_INVALID_ARGUMENT'); // seqno must descend
    expectLsmError(() => w.put(b('c'), -1, b('x')), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.put(b('c'), 2 ** 53, b('x')), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.put(new Uint8Array(65536), 1, b('x')), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.add(b('c'), 1, 9 as ValueType, b('x')), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.add(b('c'), 1, ValueType.Value, 'x' as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.addRangeTombstone(b('z'), b('a'), 1), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.addRangeTombstone(b('a'), b('a'), 1), 'LSM_INVALID_ARGUMENT');
    w.put(b('b'), 4, b('y'));
    w.delete(b('c'), 1);
    const meta = w.finish();
    expect(meta.properties.entryCount).toBe(3);
    expectLsmError(() => w.put(b('d'), 1, b('')), 'LSM_CLOSED');
    expectLsmError(() => w.finish(), 'LSM_CLOSED');
  });

  it('a value of 2^32 bytes is rejected before anything is read from it', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/big.sst');
    const fake = Object.create(Uint8Array.prototype, { length: { value: 2 ** 32 } }) as Uint8Array;
    expectLsmError(() => w.put(b('a'), 1, fake), 'LSM_INVALID_ARGUMENT');
    w.abandon();
    expect(fs.exists('/big.sst')).toBe(false);
  });

  it('rejects bad options', () => {
    const fs = new MemFs();
    expectLsmError(() => new TableWriter(fs, '/o.sst', { blockSize: 10 }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new TableWriter(fs, '/o.sst', { restartInterval: 0 }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new TableWriter(fs, '/o.sst', { compression: 'zstd', compressionLevel: 99 }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new TableWriter(fs, '/o.sst', { comparator: { name: '', compare: () => 0 } }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new TableWriter(fs, '/o.sst', { filter: { fpRate: 2 } }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new TableWriter(fs, '/o.sst', { filter: { fpRate: 0.01, bitsPerKey: 10 } }), 'LSM_INVALID_ARGUMENT');
    expect(fs.exists('/o.sst')).toBe(false);
  });

  it('abandon removes the partial file', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/a.sst');
    w.put(b('a'), 1, b('x'));
    w.abandon();
    expect(fs.exists('/a.sst')).toBe(false);
    expectLsmError(() => w.put(b('b'), 1, b('')), 'LSM_CLOSED');
  });
});

describe('caller buffers', () => {
  // A caller may rewrite one Buffer for every key it adds; Buffer.slice() is a view, so
  // before 2026-12-04 the writer's "copies" (first key, range tombstones, the next key of a
  // deferred index entry) and an iterator's bounds changed with the caller's buffer.
  it('a writer fed through one reused Buffer records the keys as they were', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/b.sst', { blockSize: 64, prefixExtractor: fixedPrefixExtractor(2), dictionary: { maxBytes: 1024, sampleBytes: 4096 }, compression: 'zstd' });
    const k = Buffer.alloc(4);
    const start = Buffer.from('k001');
    const end = Buffer.from('k003');
    w.addRangeTombstone(start, end, 100);
    start.write('zzzz', 'latin1');
    end.write('zzzz', 'latin1');
    for (let i = 0; i < 300; i++) {
      k.write(`k${String(i).padStart(3, '0')}`, 'latin1');
      w.add(k, 1, ValueType.Value, b(`value ${i} ${'x'.repeat(20)}`));
    }
    k.write('zzzz', 'latin1');
    const meta = w.finish();
    expect(s(meta.properties.smallestKey!)).toBe('k000');
    const t = Table.open(fs, '/b.sst');
    const tombs = t.fragmentedRangeTombstones();
    expect(tombs.maxCoveringSeqno(b('k002'), MAX_SEQNO)).toBe(100);
    expect(tombs.maxCoveringSeqno(b('k005'), MAX_SEQNO)).toBe(-1);
    for (const i of [0, 1, 150, 299]) expect(s(t.get(b(`k${String(i).padStart(3, '0')}`))!.value)).toBe(`value ${i} ${'x'.repeat(20)}`);
    const keys: string[] = [];
    const lower = Buffer.from('k010');
    const upper = Buffer.from('k013');
    const it = t.iterator({ lowerBound: lower, upperBound: upper });
    lower.write('k000', 'latin1');
    upper.write('k299', 'latin1');
    for (it.seekToFirst(); it.valid(); it.next()) keys.push(s(it.userKey()));
    expect(keys).toEqual(['k010', 'k011', 'k012']);
    t.close();
  });
});
