// What a flush of one sealed memtable, while newer ones wait, leaves behind (flushed and
// logNumberAfterFlushing in src/write/write-path.ts): the logs of the memtables still
// unflushed stay and replay at the next open; a sealed log whose sync failed is still
// flushed before the next sync write when an older memtable's flush finishes first; a
// store reopened over logs holds them as sealed memtables and a sync write does not need
// to flush them; log files are closed once sealed and at close.

import { CrashFs } from '@lsm/crashfs';
import { FaultFs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Tree } from '../src/index.js';
import { storeContents, text, trackHandles } from './helpers.js';

const key = (i: number): string => `k${String(i).padStart(4, '0')}`;

describe('a flush of the oldest sealed memtable', () => {
  it('keeps the logs of the newer sealed memtables: they replay at the next open', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, memtableBytes: 1024, maxSealedMemtables: 2, flushOnCloseBytes: Number.MAX_SAFE_INTEGER, jobScheduler: new JobScheduler(1, 0, 0) });
    const want: Record<string, string> = {};
    let i = 0;
    while (tree.stats().flushes === 0) {
      tree.put(key(i), `v${i}${'x'.repeat(60)}`);
      want[key(i)] = `v${i}${'x'.repeat(60)}`;
      i++;
    }
    // One memtable flushed (the write had to wait for it); the newer ones only in their logs.
    expect(tree.stats().flushes).toBe(1);
    expect(tree.stats().sealedMemtables).toBe(2);
    tree.close();
    tree = Tree.open('/db', { fs });
    expect(storeContents(tree)).toEqual(want);
    tree.close();
  });

  it('leaves the store owing a flush before a sync write while a sealed log with a failed sync remains', () => {
    const crash = new CrashFs(new MemFs(), { tornWrites: false });
    const faulty = new FaultFs(crash);
    let tree = Tree.open('/db', { fs: faulty, memtableBytes: 1024, maxSealedMemtables: 2, jobScheduler: new JobScheduler(1, 0, 0) });
    // The syncs of the first two sealed logs fail (silently: the memtables are sealed anyway).
    faulty.addRule({ op: 'sync', path: '.log', times: 2, fault: { type: 'error', code: 'EIO' } });
    const want: Record<string, string> = {};
    let i = 0;
    while (tree.stats().flushes === 0) {
      tree.put(key(i), `v${i}${'x'.repeat(60)}`);
      want[key(i)] = `v${i}${'x'.repeat(60)}`;
      i++;
    }
    expect(tree.stats().sealedMemtables).toBe(2); // the second one's log tail is not durable
    tree.put('last', 'y', { sync: true });
    want.last = 'y';
    expect(tree.stats().sealedMemtables).toBe(0);
    crash.crash();
    tree = Tree.open('/db', { fs: crash });
    expect(storeContents(tree)).toEqual(want);
    tree.close();
  });
});

describe('a store reopened over its logs', () => {
  it('needs no flush before a sync write: the replayed logs are durable', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, flushOnCloseBytes: Number.MAX_SAFE_INTEGER });
    tree.put('a', '1');
    tree.close();
    tree = Tree.open('/db', { fs, jobScheduler: new JobScheduler(1, 0, 0) });
    const sealed = tree.stats().sealedMemtables;
    const flushes = tree.stats().flushes;
    tree.put('b', '2', { sync: true });
    expect(tree.stats().sealedMemtables).toBe(sealed);
    expect(tree.stats().flushes).toBe(flushes);
    expect(storeContents(tree)).toEqual({ a: '1', b: '2' });
    tree.close();
  });
});

describe('log handles and syncs', () => {
  it('a sealed log is closed, and the active one at close', () => {
    const handles = trackHandles(new MemFs());
    const tree = Tree.open('/db', { fs: handles.fs });
    const openLogs = (): string[] => [...handles.open].filter((p) => p.endsWith('.log'));
    tree.put('a', '1');
    expect(openLogs()).toHaveLength(1);
    tree.flush();
    tree.put('b', '2');
    tree.flush();
    expect(openLogs()).toHaveLength(1);
    tree.close();
    expect(openLogs()).toEqual([]);
  });

  it('sync() fsyncs the active log once, counted', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    const s = tree.stats().walSyncs;
    tree.sync();
    expect(tree.stats().walSyncs).toBe(s + 1);
    tree.sync();
    expect(tree.stats().walSyncs).toBe(s + 2);
    tree.close();
  });

  it('a failed first write seals no empty memtable', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty, jobScheduler: new JobScheduler(1, 0, 0) });
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(() => tree.put('a', '1')).toThrow();
    tree.put('b', '2');
    expect(tree.stats().sealedMemtables).toBe(0);
    tree.flush();
    expect(tree.stats().flushes).toBe(1);
    expect(tree.stats().levels[0]!.tables).toBe(1);
    expect(storeContents(tree)).toEqual({ b: '2' });
    tree.close();
  });
});
