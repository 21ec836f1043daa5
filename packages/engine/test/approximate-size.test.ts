// approximateSize / approximateCount: estimates from table metadata, index blocks and
// memtable counters. Checked against the truth on a loaded store (within a tolerance),
// monotone as the range widens, 0 for empty ranges, blob bytes included, typed errors,
// and -- with a file system that records every read -- not one data block read.

import { type FsFile, MemFs, type OpenOptions } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { describe, expect, it } from 'vitest';
import { Leveled, Tree, type TreeOptions } from '../src/index.js';
import { codeOf } from './helpers.js';

const key = (i: number): string => `key-${String(i).padStart(6, '0')}`;
/**
 * Value sizes vary along the key space (about 100 bytes below key 3000, about 450 from 3000
 * to 4000, about 200 above) and, pseudo-randomly, from key to key.
 */
const valueLen = (i: number): number => {
  const jitter = (Math.imul(i, 0x9e3779b1) >>> 0) % 100;
  return (i < 3000 ? 50 : i < 4000 ? 400 : 150) + jitter;
};
const value = (i: number, len = valueLen): Uint8Array => new Uint8Array(len(i)).fill(i % 251);
/** Sizes that do not change along the key space: 100 to 500 bytes, pseudo-randomly. */
const evenLen = (i: number): number => 100 + ((Math.imul(i, 0x85ebca6b) >>> 0) % 400);
const N = 6000;

const OPTS: TreeOptions = {
  memtableBytes: 64 * 1024,
  blockSize: 512,
  compression: 'none',
  compaction: new Leveled({ l0CompactionTrigger: 2, levelBaseBytes: 256 * 1024, targetTableSize: 64 * 1024 }),
};

/** A store of N keys over several tables and levels, flushed (memtables empty) unless `keepMemtable`. */
function loaded(fs: MemFs, extra: Partial<TreeOptions> = {}, len = valueLen): Tree {
  const tree = Tree.open('/db', { fs, ...OPTS, ...extra });
  for (let i = 0; i < N; i += 100) {
    const b = tree.batch();
    for (let j = i; j < i + 100; j++) b.put(key((j * 7919) % N), value((j * 7919) % N, len)); // shuffled order
    b.commit();
  }
  tree.compact();
  return tree;
}

/** The truth for [lo, hi): its share of the store's raw key+value bytes, times the store's size; and its key count. */
function truth(total: number, lo: number, hi: number): { bytes: number; count: number } {
  let all = 0;
  let part = 0;
  for (let i = 0; i < N; i++) {
    const raw = key(i).length + valueLen(i);
    all += raw;
    if (i >= lo && i < hi) part += raw;
  }
  return { bytes: (total * part) / all, count: hi - lo };
}

/** A MemFs whose table files record every read (path, position, length). */
class SpyFs extends MemFs {
  readonly reads: { path: string; position: number; length: number }[] = [];
  override open(path: string, options?: OpenOptions): FsFile {
    const f = super.open(path, options);
    if (!path.endsWith('.sst')) return f;
    const reads = this.reads;
    const read = f.read.bind(f);
    f.read = (buf: Uint8Array, position: number): number => {
      reads.push({ path, position, length: buf.length });
      return read(buf, position);
    };
    return f;
  }
}

describe('approximateSize and approximateCount', () => {
  it('are within a tolerance of the truth on a loaded store, for ranges of every width', () => {
    const tree = loaded(new MemFs());
    expect(tree.stats().levels.filter((l) => l.tables > 0).length).toBeGreaterThan(0);
    expect(tree.stats().tables).toBeGreaterThan(4);
    const total = tree.approximateSize();
    const tableBytes = tree.stats().levels.reduce((s, l) => s + l.bytes, 0);
    expect(total).toBe(tableBytes); // memtables are empty after compact()
    expect(tree.approximateCount()).toBe(N);
    for (const [lo, hi] of [
      [0, 6000],
      [0, 3000],
      [3000, 4000], // the large values: a sixth of the keys, over half of the bytes
      [4000, 6000],
      [1234, 4321],
      [2500, 3500],
      [5000, 5600],
    ] as const) {
      const want = truth(total, lo, hi);
      const bytes = tree.approximateSize({ gte: key(lo), lt: key(hi) });
      const count = tree.approximateCount({ gte: key(lo), lt: key(hi) });
      // Up to a 512-byte block at each end of each table the range cuts, and the
      // index/filter share of each table, which the truth spreads evenly.
      expect(Math.abs(bytes - want.bytes), `bytes of [${lo}, ${hi}): ${bytes} vs ${want.bytes.toFixed(0)}`).toBeLessThan(want.bytes * 0.1 + 4096);
      // A cut table's entries are apportioned by bytes: where entry sizes change inside a
      // table (at keys 3000 and 4000, by a factor of 3 to 4), the count is off by more.
      expect(Math.abs(count - want.count), `count of [${lo}, ${hi}): ${count} vs ${want.count}`).toBeLessThan(want.count * 0.3 + 30);
    }
    // Where entry sizes are even, the count is close.
    for (const [lo, hi] of [
      [200, 2800],
      [500, 1500],
      [4200, 5800],
    ] as const) {
      const count = tree.approximateCount({ gte: key(lo), lt: key(hi) });
      expect(Math.abs(count - (hi - lo)), `count of [${lo}, ${hi}): ${count}`).toBeLessThan((hi - lo) * 0.1 + 30);
    }
    tree.close();
  });

  it('grow with the range and are 0 for empty ranges and ranges outside the keys', () => {
    const tree = loaded(new MemFs());
    let prevBytes = 0;
    let prevCount = 0;
    for (let w = 0; w <= 3000; w += 50) {
      const r = { gte: key(3000 - w), lte: key(3000 + w) };
      const bytes = tree.approximateSize(r);
      const count = tree.approximateCount(r);
      expect(bytes, `width ${w}`).toBeGreaterThanOrEqual(prevBytes);
      expect(count, `width ${w}`).toBeGreaterThanOrEqual(prevCount);
      prevBytes = bytes;
      prevCount = count;
    }
    expect(prevBytes).toBeGreaterThan(tree.approximateSize() * 0.9);
    for (const empty of [{ gte: key(10), lt: key(10) }, { gt: key(10), lte: key(10) }, { gt: key(10), lt: key(10) }, { gte: 'zzz' }, { lt: 'a' }, { gt: 'key-', lt: 'key-000000' }]) {
      expect(tree.approximateSize(empty), JSON.stringify(empty)).toBe(0);
      expect(tree.approximateCount(empty), JSON.stringify(empty)).toBe(0);
    }
    tree.close();
  });

  it('estimate the memtables from their counters', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 64 << 20 });
    for (let i = 0; i < N; i++) tree.put(key(i), value(i));
    expect(tree.stats().tables).toBe(0);
    const mem = tree.stats().activeMemtable;
    expect(tree.approximateSize()).toBe(mem.bytes);
    expect(tree.approximateCount()).toBe(N);
    const count = tree.approximateCount({ gte: key(1000), lt: key(2000) });
    expect(Math.abs(count - 1000)).toBeLessThan(1000 * 0.5); // B+tree nodes are half to wholly full
    expect(tree.approximateCount({ gte: key(1000), lt: key(1000) })).toBe(0);
    // Every version counts until a compaction drops the older ones.
    for (let i = 0; i < N; i++) tree.put(key(i), 'again');
    expect(tree.approximateCount()).toBe(2 * N);
    tree.close();
  });

  it('include the blob-file bytes of separated values', () => {
    // A cut table's blob bytes are apportioned like its entries, by the share of its data
    // region (keys and pointers): right where value sizes do not change along the keys.
    const plain = loaded(new MemFs(), {}, evenLen);
    // Every value in a blob file: the tables hold only keys and pointers.
    const separated = loaded(new MemFs(), { kvSeparation: { minValueSize: 1 } }, evenLen);
    const blobs = separated.stats().blobs;
    expect(blobs.files).toBeGreaterThan(0);
    const tableBytes = separated.stats().levels.reduce((s, l) => s + l.bytes, 0);
    expect(separated.approximateSize()).toBe(tableBytes + blobs.liveBytes);
    for (const [lo, hi] of [
      [0, 6000],
      [3000, 4000],
      [1000, 2000],
      [4500, 5000],
    ] as const) {
      const withBlobs = separated.approximateSize({ gte: key(lo), lt: key(hi) });
      const inline = plain.approximateSize({ gte: key(lo), lt: key(hi) });
      // The same values, in blob files or inline: about the same bytes.
      expect(withBlobs / inline, `[${lo}, ${hi}): ${withBlobs} vs ${inline}`).toBeGreaterThan(0.8);
      expect(withBlobs / inline, `[${lo}, ${hi}): ${withBlobs} vs ${inline}`).toBeLessThan(1.25);
    }
    plain.close();
    separated.close();
  });

  it('read no data block: only index blocks (and table footers and metadata on first open)', () => {
    const fs = new SpyFs();
    loaded(fs).close();
    const tree = Tree.open('/db', { fs, ...OPTS }); // cold: no table open, nothing cached
    const dataEnd = new Map<string, number>();
    for (const name of fs.readDir('/db').filter((n) => n.endsWith('.sst'))) dataEnd.set(`/db/${name}`, Table.readProperties(fs, `/db/${name}`).dataSize);
    fs.reads.length = 0;
    for (const [lo, hi] of [
      [10, 5990],
      [2500, 3500],
      [100, 101],
    ] as const) {
      tree.approximateSize({ gte: key(lo), lt: key(hi) });
      tree.approximateCount({ gt: key(lo), lte: key(hi) });
    }
    expect(fs.reads.length, 'the cold estimates read the index blocks').toBeGreaterThan(0);
    const dataReads = fs.reads.filter((r) => r.position < dataEnd.get(r.path)!);
    expect(dataReads, 'reads inside the data region of a table').toEqual([]);
    // A get reads data blocks: the spy sees those.
    tree.get(key(77));
    expect(fs.reads.some((r) => r.position < dataEnd.get(r.path)!)).toBe(true);
    tree.close();
  });

  it('refuse a lower bound after the upper one, two lower (or upper) bounds, bad keys and a closed store', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    expect(codeOf(() => tree.approximateSize({ gte: 'b', lt: 'a' }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.approximateCount({ gt: 'b', lte: 'a' }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.approximateSize({ gt: 'a', gte: 'a' }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.approximateSize({ lt: 'a', lte: 'a' }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.approximateSize({ gte: 42 as unknown as string }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.approximateSize('a' as unknown as object))).toBe('LSM_INVALID_ARGUMENT');
    expect(tree.approximateSize({ gte: 'a', lte: 'a' })).toBeGreaterThanOrEqual(0);
    tree.close();
    expect(codeOf(() => tree.approximateSize())).toBe('LSM_CLOSED');
    expect(codeOf(() => tree.approximateCount({ gte: 'a' }))).toBe('LSM_CLOSED');
  });
});
