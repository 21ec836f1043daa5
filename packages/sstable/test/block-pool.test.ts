// BlockPool and the block cache's recycleBlocks mode: evicted data blocks' buffers are
// reused, never under a reader. Several iterators stay positioned while gets and other
// iterators churn a cache a few blocks large; every value they read must stay right.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { type Entry, ValueType } from '@lsm/base';
import { numKey, put, s, testSeed, withSeed } from '@lsm/base/testing';
import { BlockCache } from '../src/block-cache.js';
import { BlockPool } from '../src/block-pool.js';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { KeyRing } from '@lsm/encryption';

describe('BlockPool', () => {
  it('hands out exact-length views, takes back only its own buffers, and reuses them by size class', () => {
    const pool = new BlockPool(1 << 20);
    const a = pool.take(4100);
    expect(a.length).toBe(4100);
    expect(a.buffer.byteLength).toBe(4160); // 64-byte classes
    expect(pool.owns(a)).toBe(true);
    expect(pool.owns(new Uint8Array(4100))).toBe(false);
    expect(pool.owns(a.subarray(1))).toBe(false);
    pool.give(new Uint8Array(4160)); // not ours: ignored
    expect(pool.idleBytes).toBe(0);
    pool.give(a);
    expect(pool.idleBytes).toBe(4160);
    const b = pool.take(4150); // same class
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(4150);
    expect(pool.reused).toBe(1);
    expect(pool.take(4200).buffer).not.toBe(a.buffer); // next class: fresh
  });

  it('keeps at most maxFreeBytes idle and does not pool blocks above 64 KiB', () => {
    const pool = new BlockPool(10_000);
    const bufs = [pool.take(4096), pool.take(4096), pool.take(4096)];
    for (const x of bufs) pool.give(x);
    expect(pool.idleBytes).toBe(8192);
    const big = pool.take(100_000);
    expect(big.length).toBe(100_000);
    expect(pool.owns(big)).toBe(false);
  });

  it('tookLast is true only for views that start the buffer the latest take() returned from its buffers', () => {
    const pool = new BlockPool(1 << 20);
    const a = pool.take(4096);
    expect(pool.tookLast(a)).toBe(true);
    // A block read whole with its trailer keeps the view of its contents: the buffer's first bytes.
    expect(pool.tookLast(a.subarray(0, 4088))).toBe(true);
    expect(pool.tookLast(a.subarray(8))).toBe(false);
    expect(pool.tookLast(new Uint8Array(4096))).toBe(false);
    const b = pool.take(512);
    expect(pool.tookLast(a)).toBe(false);
    expect(pool.tookLast(b)).toBe(true);
    pool.take(100_000); // not pooled: nothing of the pool's was handed out
    expect(pool.tookLast(b)).toBe(false);
    // recycle() trusts its caller: the buffer goes straight back to its class.
    pool.recycle(a);
    expect(pool.idleBytes).toBe(4096);
    expect(pool.take(4090).buffer).toBe(a.buffer); // same 64-byte class
  });
});

function table(fs: MemFs, path: string, id: number, cache: BlockCache, n: number, tag: string): { t: Table; entries: Entry[] } {
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(put(s(numKey(i)), 1, `${tag}-${i}-${'v'.repeat(i % 50)}`));
  const w = new TableWriter(fs, path, { blockSize: 256, compression: id % 2 === 0 ? 'zstd' : 'none' });
  for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
  w.finish();
  return { t: Table.open(fs, path, { cache, tableId: id }), entries };
}

describe('BlockCache with recycleBlocks', () => {
  it('reuses evicted buffers, and never one an iterator is positioned in', () => {
    withSeed(testSeed(77), (rng) => {
      const fs = new MemFs();
      // A few blocks of capacity: nearly every read evicts.
      const cache = new BlockCache(3000, { recycleBlocks: true });
      const tables = [table(fs, '/a.sst', 1, cache, 400, 'a'), table(fs, '/b.sst', 2, cache, 400, 'b'), table(fs, '/c.sst', 3, cache, 400, 'c')];
      const text = (v: Uint8Array): string => new TextDecoder().decode(v);
      // Open iterators, each checked entry by entry while the others and gets churn the cache.
      const cursors = tables.map(({ t }, i) => ({ it: t.iterator(), i, pos: -1 }));
      for (const c of cursors) {
        c.it.seekToFirst();
        c.pos = 0;
      }
      for (let step = 0; step < 3000; step++) {
        const c = rng.pick(cursors);
        const { entries } = tables[c.i]!;
        if (c.pos >= 0) {
          expect(s(c.it.userKey())).toBe(s(entries[c.pos]!.userKey));
          expect(text(c.it.value())).toBe(text(entries[c.pos]!.value));
        }
        const op = rng.int(4);
        if (op === 0) {
          const j = rng.int(400);
          c.it.seek(entries[j]!.userKey);
          c.pos = j;
        } else if (op === 1 && c.pos >= 0) {
          c.it.next();
          c.pos = c.pos + 1 < entries.length ? c.pos + 1 : -1;
          if (c.pos < 0) expect(c.it.valid()).toBe(false);
        } else {
          // A get from some table, its value checked at once (views are valid until the next read).
          const g = rng.pick(tables);
          const j = rng.int(400);
          const r = g.t.get(g.entries[j]!.userKey);
          expect(r?.type).toBe(ValueType.Value);
          expect(text(r!.value)).toBe(text(g.entries[j]!.value));
        }
      }
      const st = cache.stats();
      expect(st.evictions).toBeGreaterThan(1000);
      expect(st.recycled).toBeGreaterThan(100);
      for (const c of cursors) c.it.close();
      for (const { t } of tables) t.close();
    });
  });

  it('without recycleBlocks, reuses nothing and views stay valid after eviction', () => {
    const fs = new MemFs();
    const cache = new BlockCache(3000);
    const { t, entries } = table(fs, '/a.sst', 1, cache, 400, 'a');
    const first = t.get(entries[0]!.userKey)!.value;
    const copy = first.slice();
    for (let j = 0; j < 400; j++) t.get(entries[j]!.userKey);
    expect(first).toEqual(copy);
    expect(cache.stats().recycled).toBe(0);
    t.close();
  });
});

describe('BlockCache with recycleBlocks on plain tables', () => {
  it('a table without compression or encryption reads each block straight into a pool buffer, which eviction recycles', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/p.sst', { blockSize: 256, compression: 'none' });
    const entries: Entry[] = [];
    for (let i = 0; i < 600; i++) entries.push(put(s(numKey(i)), 1, `p-${i}-${'x'.repeat(i % 40)}`));
    for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
    w.finish();
    const cache = new BlockCache(2500, { recycleBlocks: true });
    const t = Table.open(fs, '/p.sst', { cache, tableId: 1 });
    withSeed(testSeed(92), (rng) => {
      for (let round = 0; round < 3000; round++) {
        const e = entries[rng.int(entries.length)]!;
        expect(t.get(e.userKey)?.value, `round ${round}`).toEqual(e.value);
      }
    });
    const st = cache.stats();
    expect(st.evictions).toBeGreaterThan(100);
    // Every miss but the first few (before any eviction) reused an evicted block's buffer.
    expect(st.recycled).toBeGreaterThan(st.misses - 20);
    // The cached block is a view of the buffer's first bytes: its trailer sits past its end.
    const index = t.indexBlock();
    const b = t.dataBlock(index, 0, true);
    expect(b.pooled).toBe(true);
    expect(b.data.byteOffset).toBe(0);
    expect(b.data.length).toBe(index.blockSize(0));
    expect(b.data.buffer.byteLength).toBeGreaterThanOrEqual(index.blockSize(0) + 8);
    t.close();
  });
});

describe('BlockCache with recycleBlocks on encrypted tables', () => {
  for (const compression of ['none', 'zstd'] as const) {
    it(`compression ${compression}: only blocks decoded into the pool's buffers go back to it, and every read stays right`, () => {
      const fs = new MemFs();
      const encryption = new KeyRing({ key: new Uint8Array(32).fill(0x3c) });
      const w = new TableWriter(fs, '/e.sst', { blockSize: 256, compression, encryption, fileNumber: 5 });
      const entries: Entry[] = [];
      for (let i = 0; i < 600; i++) entries.push(put(s(numKey(i)), 1, `e-${i}-${'w'.repeat(i % 40)}`));
      for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
      w.finish();
      const cache = new BlockCache(2500, { recycleBlocks: true });
      const t = Table.open(fs, '/e.sst', { cache, tableId: 1, encryption, fileNumber: 5 });
      withSeed(testSeed(91), (rng) => {
        for (let round = 0; round < 3000; round++) {
          const e = entries[rng.int(entries.length)]!;
          expect(t.get(e.userKey)?.value, `round ${round}`).toEqual(e.value);
        }
      });
      expect(cache.stats().evictions).toBeGreaterThan(100);
      // A plain block of an encrypted table is the cipher's output, never one of the
      // pool's buffers: giving it to the pool would hand memory it does not own to the
      // next read. A compressed one is decompressed into a pool buffer and recycled.
      if (compression === 'none') {
        expect(cache.pool!.idleBytes).toBe(0);
        expect(cache.stats().recycled).toBe(0);
      } else {
        expect(cache.stats().recycled).toBeGreaterThan(100);
      }
      t.close();
    });
  }
});
