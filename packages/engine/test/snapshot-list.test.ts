// Snapshots and the list compaction reads: a snapshot reads through its host at its own
// seqno (get, range and prefix pass it, keeping the caller's other options), refuses every
// read once released (LSM_CLOSED), and release() is idempotent: it removes its seqno from
// the list once and calls its release hook once. The list is a multiset of seqnos, listed
// distinct and in numeric order, its size counting every open snapshot.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Snapshot, Tree } from '../src/index.js';
import { SnapshotList, type SnapshotHost } from '../src/snapshot.js';
import { codeOf, text } from './helpers.js';

describe('SnapshotList', () => {
  it('counts snapshots per seqno and lists the distinct seqnos in numeric order', () => {
    const list = new SnapshotList();
    expect(list.size).toBe(0);
    expect(list.seqnos()).toEqual([]);
    for (const s of [10, 9, 100, 9, 2]) list.add(s);
    expect(list.size).toBe(5);
    expect(list.seqnos()).toEqual([2, 9, 10, 100]);
    list.remove(9);
    expect(list.size).toBe(4);
    expect(list.seqnos()).toEqual([2, 9, 10, 100]);
    list.remove(9);
    expect(list.size).toBe(3);
    expect(list.seqnos()).toEqual([2, 10, 100]);
    list.remove(9); // not there: nothing changes
    list.remove(55);
    expect(list.size).toBe(3);
    expect(list.seqnos()).toEqual([2, 10, 100]);
    list.remove(100);
    list.remove(2);
    list.remove(10);
    expect(list.size).toBe(0);
    expect(list.seqnos()).toEqual([]);
  });
});

describe('Snapshot', () => {
  function fakeHost(): { host: SnapshotHost; calls: unknown[][] } {
    const calls: unknown[][] = [];
    const host: SnapshotHost = {
      get: (key, opts) => {
        calls.push(['get', key, opts]);
        return new Uint8Array([7]);
      },
      range: (opts) => {
        calls.push(['range', opts]);
        return [][Symbol.iterator]() as IterableIterator<[Uint8Array, Uint8Array]>;
      },
      prefix: (p, opts) => {
        calls.push(['prefix', p, opts]);
        return [][Symbol.iterator]() as IterableIterator<[Uint8Array, Uint8Array]>;
      },
    };
    return { host, calls };
  }

  it('reads through its host at its own seqno, keeping the other options', () => {
    const { host, calls } = fakeHost();
    const list = new SnapshotList();
    list.add(5);
    const snap = new Snapshot(5, host, list);
    expect(snap.seqno).toBe(5);
    expect(snap.isLive).toBe(true);
    expect([...snap.get('k')!]).toEqual([7]);
    snap.range({ limit: 3, reverse: true });
    snap.range();
    snap.prefix('p', { limit: 1 });
    snap.prefix('q');
    expect(calls).toEqual([
      ['get', 'k', { snapshot: snap }],
      ['range', { limit: 3, reverse: true, snapshot: snap }],
      ['range', { snapshot: snap }],
      ['prefix', 'p', { limit: 1, snapshot: snap }],
      ['prefix', 'q', { snapshot: snap }],
    ]);
  });

  it('refuses every read once released, and releases once however often it is called', () => {
    const { host, calls } = fakeHost();
    const list = new SnapshotList();
    list.add(5);
    list.add(5);
    let hooks = 0;
    const a = new Snapshot(5, host, list, () => hooks++);
    a.check();
    a.release();
    expect(a.isLive).toBe(false);
    expect(hooks).toBe(1);
    expect(list.size).toBe(1);
    a.release();
    a.release();
    expect(hooks).toBe(1);
    expect(list.size).toBe(1); // the other snapshot at 5 still holds it
    expect(list.seqnos()).toEqual([5]);
    expect(codeOf(() => a.check())).toBe('LSM_CLOSED');
    expect(codeOf(() => a.get('k'))).toBe('LSM_CLOSED');
    expect(codeOf(() => a.range())).toBe('LSM_CLOSED');
    expect(codeOf(() => a.prefix('p'))).toBe('LSM_CLOSED');
    expect(() => a.get('k')).toThrow('snapshot is closed');
    expect(calls).toEqual([]);
    // Without a hook, release still works.
    const b = new Snapshot(5, host, list);
    b.release();
    b.release();
    expect(list.size).toBe(0);
  });

  it('through a store: sees exactly the writes up to its seqno, and the store counts it until released', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    tree.put('p1', 'x');
    const s1 = tree.snapshot();
    const s1again = tree.snapshot();
    tree.put('a', '2');
    tree.put('p2', 'y');
    tree.delete('p1');
    expect(tree.stats().snapshots).toBe(2);
    expect(text(s1.get('a'))).toBe('1');
    expect([...s1.range()].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['a=1', 'p1=x']);
    expect([...s1.range({ reverse: true, limit: 1 })].map(([k]) => text(k))).toEqual(['p1']);
    expect([...s1.prefix('p')].map(([k]) => text(k))).toEqual(['p1']);
    expect([...tree.prefix('p')].map(([k]) => text(k))).toEqual(['p2']);
    s1.release();
    s1.release();
    expect(tree.stats().snapshots).toBe(1);
    expect(text(s1again.get('a'))).toBe('1');
    s1again.release();
    expect(tree.stats().snapshots).toBe(0);
    tree.close();
  });
});
