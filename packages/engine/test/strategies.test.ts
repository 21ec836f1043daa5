// The engine running the other compaction strategies and the compaction-side features of
// issue #7 end to end: FIFO dropping the oldest tables by size and by age, size-tiered
// compaction, compaction filters (ttlFilter), merge operands collapsed by compaction (and
// an operator that throws there), and range tombstones compacted away at the bottom.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Fifo, SizeTiered, Tree, appendWithSeparator, counterAdd, decodeU64, encodeTtlValue, encodeU64, ttlFilter, type MergeOperator } from '../src/index.js';
import { keyOf } from './helpers.js';

const td = new TextDecoder();
const value = (i: number): Uint8Array => new TextEncoder().encode(`value-${i}-`.padEnd(200, 'x'));

function tableCount(tree: Tree): number {
  return tree.stats().levels.reduce((n, l) => n + l.tables, 0);
}

describe('Fifo', () => {
  it('drops the oldest tables once the total passes maxTotalBytes; the newest data stays readable', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, compaction: new Fifo({ maxTotalBytes: 64 * 1024 }), memtableBytes: 16 * 1024 });
    for (let i = 0; i < 3000; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    const total = tree.stats().levels.reduce((n, l) => n + l.bytes, 0);
    expect(total).toBeLessThanOrEqual(64 * 1024 + 20 * 1024);
    // The oldest keys are gone, the newest are all there and right.
    expect(tree.get(keyOf(0))).toBeUndefined();
    for (let i = 2900; i < 3000; i++) expect(td.decode(tree.get(keyOf(i))!)).toBe(td.decode(value(i)));
    // What is left is a suffix of the writes: no key older than a missing one survives.
    let firstPresent = -1;
    for (let i = 0; i < 3000; i++) {
      const present = tree.get(keyOf(i)) !== undefined;
      if (present && firstPresent < 0) firstPresent = i;
      if (firstPresent >= 0) expect(present, `key ${i} after first present ${firstPresent}`).toBe(true);
    }
    expect(firstPresent).toBeGreaterThan(0);
    expect(tree.stats().tablesDropped).toBeGreaterThan(0);
    tree.close();
    const again = Tree.open('/db', { fs, compaction: new Fifo({ maxTotalBytes: 64 * 1024 }) });
    expect(again.get(keyOf(firstPresent))).toBeDefined();
    expect(again.get(keyOf(firstPresent - 1))).toBeUndefined();
    again.close();
  });

  it('drops tables older than ttlMs', () => {
    // Tables carry their writer's wall-clock creation time, so the test waits for real.
    const tree = Tree.open('/db', { fs: new MemFs(), compaction: new Fifo({ maxTotalBytes: 1 << 30, ttlMs: 200 }) });
    tree.put('old', 'v');
    tree.flush();
    expect(tree.get('old')).toBeDefined();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    tree.put('new', 'v');
    tree.flush(); // the flush asks the strategy, which drops the expired table
    expect(tree.get('old')).toBeUndefined();
    expect(td.decode(tree.get('new')!)).toBe('v');
    expect(tableCount(tree)).toBe(1);
    tree.close();
  });
});

describe('SizeTiered', () => {
  it('keeps every write readable while merging runs of similar size', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), compaction: new SizeTiered({ minMergeWidth: 2 }), memtableBytes: 8 * 1024 });
    for (let round = 0; round < 4; round++) for (let i = 0; i < 500; i++) tree.put(keyOf(i), value(i * 10 + round));
    tree.flush();
    for (let i = 0; i < 500; i++) expect(td.decode(tree.get(keyOf(i))!)).toBe(td.decode(value(i * 10 + 3)));
    expect(tree.stats().compactions).toBeGreaterThan(0);
    tree.compact();
    expect(tableCount(tree)).toBeGreaterThan(0);
    expect([...tree.range()].length).toBe(500);
    tree.close();
  });
});

describe('compaction filters', () => {
  it('ttlFilter removes expired values at compaction and keeps the rest', () => {
    const now = 1_000_000;
    const tree = Tree.open('/db', { fs: new MemFs(), compactionFilter: ttlFilter({ now: () => now }) });
    tree.put('expired', encodeTtlValue(now - 1, new TextEncoder().encode('a')));
    tree.put('fresh', encodeTtlValue(now + 60_000, new TextEncoder().encode('b')));
    tree.put('plain', 'no prefix');
    expect(tree.get('expired')).toBeDefined(); // reads do not filter; compaction does
    tree.compact();
    expect(tree.stats().filterRemoved).toBe(1);
    expect(tree.get('expired')).toBeUndefined();
    expect(tree.get('fresh')).toBeDefined();
    expect(td.decode(tree.get('plain')!)).toBe('no prefix');
    tree.close();
  });

  it('does not touch what a snapshot still sees', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), compactionFilter: { name: 'drop-all', filter: () => 'remove' } });
    tree.put('k', 'v');
    const snap = tree.snapshot();
    tree.compact();
    expect(td.decode(snap.get('k')!)).toBe('v');
    snap.release();
    tree.compact();
    expect(tree.get('k')).toBeUndefined();
    tree.close();
  });

  it('rejects a malformed filter', () => {
    expect(() => Tree.open('/db', { fs: new MemFs(), compactionFilter: { name: 'x' } as never })).toThrow(expect.objectContaining({ code: 'LSM_INVALID_ARGUMENT' }));
  });
});

describe('merge operands in compaction', () => {
  it('are collapsed into one value, and the sum stays right across reopen', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, mergeOperator: counterAdd, memtableBytes: 4096 });
    for (let i = 0; i < 1000; i++) tree.merge(`c${i % 10}`, encodeU64(1));
    tree.compact();
    const st = tree.stats();
    const entries = st.levels.reduce((n, l) => n + l.entries, 0);
    expect(entries).toBe(10);
    expect(st.mergeOperands).toBe(1000);
    expect(st.mergesCollapsed).toBeGreaterThanOrEqual(10);
    tree.close();
    const again = Tree.open('/db', { fs, mergeOperator: counterAdd });
    for (let k = 0; k < 10; k++) expect(decodeU64(again.get(`c${k}`)!)).toBe(100n);
    again.close();
  });

  it('are collapsed onto values stored in blob files (K/V separation), and the result is separated again', () => {
    const fs = new MemFs();
    const opts = { fs, mergeOperator: appendWithSeparator(','), kvSeparation: { minValueSize: 64 } };
    const tree = Tree.open('/db', opts);
    const base = 'b'.repeat(100);
    for (let k = 0; k < 20; k++) tree.put(`k${k}`, base);
    tree.flush();
    for (let i = 0; i < 5; i++) for (let k = 0; k < 20; k++) tree.merge(`k${k}`, `${i}`);
    tree.compact();
    const st = tree.stats();
    expect(st.mergesCollapsed).toBe(20);
    expect(st.levels.reduce((n, l) => n + l.entries, 0)).toBe(20);
    expect(st.blobs.files).toBeGreaterThan(0);
    for (let k = 0; k < 20; k++) expect(td.decode(tree.get(`k${k}`)!)).toBe(`${base},0,1,2,3,4`);
    tree.close();
    const again = Tree.open('/db', opts);
    expect(td.decode(again.get('k7')!)).toBe(`${base},0,1,2,3,4`);
    again.close();
  });

  it('an operator that throws fails the compaction with its own error and changes nothing', () => {
    let fail = false;
    const op: MergeOperator = {
      name: 'test.flaky-append',
      merge: (k, e, o) => {
        if (fail) throw new RangeError('operator refused');
        return appendWithSeparator(',').merge(k, e, o);
      },
    };
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, mergeOperator: op, autoCompaction: false });
    tree.put('k', 'a');
    tree.merge('k', 'b');
    tree.flush();
    tree.merge('k', 'c');
    fail = true;
    expect(() => tree.compact()).toThrow(RangeError);
    fail = false;
    expect(td.decode(tree.get('k')!)).toBe('a,b,c');
    tree.compact();
    expect(td.decode(tree.get('k')!)).toBe('a,b,c');
    tree.close();
  });
});

describe('range tombstones in compaction', () => {
  it('drop the keys they cover and, at the bottom, themselves', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 8 * 1024 });
    for (let i = 0; i < 2000; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    tree.deleteRange(keyOf(100), keyOf(1900));
    tree.compact();
    const st = tree.stats();
    expect(st.levels.reduce((n, l) => n + l.entries, 0)).toBe(200);
    expect(st.rangeDeletes).toBe(1);
    expect(st.droppedByRangeTombstones).toBe(1800);
    expect(st.rangeTombstonesDropped).toBeGreaterThan(0);
    expect([...tree.range()].length).toBe(200);
    expect(tree.get(keyOf(100))).toBeUndefined();
    expect(tree.get(keyOf(99))).toBeDefined();
    tree.close();
  });

  it('survive compaction while a snapshot needs what they cover', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    for (let i = 0; i < 100; i++) tree.put(keyOf(i), value(i));
    const snap = tree.snapshot();
    tree.deleteRange(keyOf(0), keyOf(50));
    tree.compact();
    expect([...snap.range()].length).toBe(100);
    expect([...tree.range()].length).toBe(50);
    snap.release();
    tree.compact();
    expect([...tree.range()].length).toBe(50);
    tree.close();
  });
});
