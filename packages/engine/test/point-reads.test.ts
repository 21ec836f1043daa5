// Point reads (get, multiGet) against scans, where the table that answers is chosen by its
// bounds (issue #22, part 4): a table that holds nothing but a range deletion, and keys
// equal to a table's first or last key, or between two tables, in L0 and in L1+. Every
// answer is checked against a scan and against the writes themselves.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Leveled, type Snapshot, Tree, type TreeOptions } from '../src/index.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const key = (i: number): string => `k${String(i).padStart(3, '0')}`;

/** Every view of `keys` agrees with `want` (key -> value, or absent): get, multiGet, forward and reverse scans. */
function agree(tree: Tree, keys: readonly string[], want: ReadonlyMap<string, string>, snapshot?: Snapshot, what = ''): void {
  const at = snapshot === undefined ? undefined : { snapshot };
  const expected = keys.map((k) => want.get(k));
  expect(keys.map((k) => text(tree.get(k, at))), `get ${what}`).toEqual(expected);
  expect(tree.multiGet(keys, at).map(text), `multiGet ${what}`).toEqual(expected);
  const present = [...want].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  const scan = (reverse: boolean): string[] => [...tree.range({ ...at, reverse })].map(([k, v]) => `${text(k)}=${text(v)}`);
  expect(scan(false), `forward range ${what}`).toEqual(present);
  expect(scan(true), `reverse range ${what}`).toEqual([...present].reverse());
  // Bounded scans that start or end on each key see the same.
  for (const k of keys) {
    expect([...tree.range({ ...at, gte: k, lte: k })].map(([, v]) => text(v)), `range [${k}, ${k}] ${what}`).toEqual(want.has(k) ? [want.get(k)] : []);
  }
}

describe('a table holding nothing but a range deletion', () => {
  // What a user would see go wrong: get() returns a value that deleteRange() deleted and range() no longer shows.
  it('hides the keys it covers from get, multiGet and scans: now, through snapshots, and after reopen', () => {
    const fs = new MemFs();
    const options: TreeOptions = { fs, autoCompaction: false };
    let tree = Tree.open('/db', options);
    const keys = Array.from({ length: 20 }, (_, i) => key(i));
    const all = new Map(keys.map((k) => [k, `v-${k}`]));
    for (const [k, v] of all) tree.put(k, v);
    tree.flush();
    const before = tree.snapshot();
    tree.deleteRange(key(5), key(15));
    tree.flush();
    const after = tree.snapshot();
    // L0 now holds the keys' table and, above it, a table with no point entry at all.
    expect(tree.stats().levels[0]!.tables).toBe(2);
    const left = new Map([...all].filter(([k]) => k < key(5) || k >= key(15)));
    const probe = [...keys, 'k004x', 'k014x', 'k015', 'k999'];
    agree(tree, probe, left, undefined, 'now');
    agree(tree, probe, left, after, 'at a snapshot taken after');
    agree(tree, probe, all, before, 'at a snapshot taken before');
    before.release();
    after.release();
    tree.close();
    tree = Tree.open('/db', options);
    agree(tree, probe, left, undefined, 'after reopen');
    // A newer write of a covered key shows again, above the deletion.
    tree.put(key(7), 'again');
    tree.flush();
    agree(tree, probe, new Map([...left, [key(7), 'again']]), undefined, 'after a newer write');
    tree.close();
  });
});

describe('table bounds: keys at and between table edges', () => {
  // What a user would see go wrong: get() of a table's first or last key returns an older value (or none) while range() shows the right one.
  it('get, multiGet and range agree on every key, at L0 and at L1+', () => {
    const fs = new MemFs();
    const options: TreeOptions = {
      fs,
      autoCompaction: false,
      blockSize: 256,
      compaction: new Leveled({ targetTableSize: 1024, l0StallFiles: 100 }),
    };
    const tree = Tree.open('/db', options);
    const want = new Map<string, string>();
    const put = (i: number, v: string): void => {
      tree.put(key(i), v);
      want.set(key(i), v);
    };
    // Every even key, version 1, compacted to the bottom level as several tables.
    for (let i = 0; i < 400; i += 2) put(i, `old-${i}-${'x'.repeat(20)}`);
    tree.flush();
    tree.compact();
    const deep = tree.stats().levels.filter((l) => l.level > 0 && l.tables > 0);
    expect(deep.length).toBe(1);
    expect(deep[0]!.tables).toBeGreaterThan(3);
    // Then L0 tables of newer versions over disjoint runs of keys, with gaps between them.
    for (const [from, to] of [[10, 30], [40, 41], [100, 160], [300, 302], [398, 398]] as const) {
      for (let i = from; i <= to; i += 2) put(i, `new-${i}`);
      tree.flush();
    }
    expect(tree.stats().levels[0]!.tables).toBe(5);
    // Every key written, and every key between two of them (odd: never written).
    const probe = Array.from({ length: 402 }, (_, i) => key(i));
    agree(tree, probe, want, undefined, 'L0 over L1+');
    tree.compact();
    agree(tree, probe, want, undefined, 'all at L1+');
    tree.close();
    const again = Tree.open('/db', options);
    agree(again, probe, want, undefined, 'after reopen');
    again.close();
  });
});
