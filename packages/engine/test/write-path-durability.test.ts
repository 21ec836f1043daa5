// The write path's promises under failures and crashes (src/write/write-path.ts): a write
// is acknowledged only once its log record is written, and a sync write only once it is
// synced, with every earlier write durable too, across log rotations; a failed log write
// is LSM_IO, applies nothing, uses up its seqno for good and sends the next write to a new
// log; a log that cannot be created is LSM_IO naming it and leaves no file behind; a failed
// log sync is LSM_IO; without a log, writes reach tables at close. CrashFs drops what was
// not durable; FaultFs injects the failures.

import { CrashFs } from '@lsm/crashfs';
import { FaultFs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Tree } from '../src/index.js';
import { codeOf, logFiles, storeContents, text, trackHandles } from './helpers.js';

describe('the write path under log failures', () => {
  it('a failed log write is LSM_IO, applies nothing, uses up its seqno, and the next write starts a new log', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty });
    expect(tree.put('a', '1')).toBe(1);
    const before = logFiles(faulty);
    expect(before).toHaveLength(1);
    const wal0 = tree.stats().walBytesWritten;
    const writes0 = tree.stats().writes;
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    let err: unknown;
    try {
      tree.batch().put('b', '2').put('c', '3').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LSM_IO' });
    expect(String((err as Error).message)).toContain('writing the write-ahead log');
    expect(tree.get('b')).toBeUndefined();
    expect(tree.get('c')).toBeUndefined();
    expect(tree.seqno).toBe(2); // used up
    expect(tree.stats().walBytesWritten).toBe(wal0);
    expect(tree.stats().writes).toBe(writes0);
    // The next write goes to a new log and takes the next seqno.
    expect(tree.put('d', '4')).toBe(3);
    const after = logFiles(faulty);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after).toContain(before[0]);
    expect(tree.put('e', '5')).toBe(4);
    expect(logFiles(faulty)).toEqual(after);
    expect(storeContents(tree)).toEqual({ a: '1', d: '4', e: '5' });
    tree.close();
    const again = Tree.open('/db', { fs: faulty.inner });
    expect(again.get('a')).toBeDefined();
    expect(text(again.get('d'))).toBe('4');
    expect(text(again.get('e'))).toBe('5');
    expect(again.seqno).toBe(4);
    again.close();
  });

  it('a failed log sync of a sync write is LSM_IO and uses up the seqno; the earlier writes survive a crash', () => {
    const crash = new CrashFs(new MemFs(), { tornWrites: false });
    const faulty = new FaultFs(crash);
    let tree = Tree.open('/db', { fs: faulty });
    tree.put('a', '1', { sync: true });
    const syncs = tree.stats().walSyncs;
    faulty.addRule({ op: 'sync', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('b', '2', { sync: true }))).toBe('LSM_IO');
    expect(tree.stats().walSyncs).toBe(syncs);
    expect(tree.seqno).toBe(2);
    expect(tree.put('c', '3', { sync: true })).toBe(3);
    expect(tree.stats().walSyncs).toBe(syncs + 1);
    crash.crash();
    tree = Tree.open('/db', { fs: crash });
    expect(text(tree.get('a'))).toBe('1');
    expect(text(tree.get('c'))).toBe('3');
    expect(tree.seqno).toBeGreaterThanOrEqual(3);
    tree.close();
  });

  it('tree.sync() after a failed log sync: LSM_IO naming the sync, and the next write starts a new log', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty });
    tree.put('a', '1');
    const n = logFiles(faulty).length;
    faulty.addRule({ op: 'sync', path: '.log', fault: { type: 'error', code: 'EIO' } });
    let err: unknown;
    try {
      tree.sync();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LSM_IO' });
    expect(String((err as Error).message)).toContain('syncing the write-ahead log');
    tree.put('b', '2');
    expect(logFiles(faulty).length).toBe(n + 1);
    expect(storeContents(tree)).toEqual({ a: '1', b: '2' });
    tree.close();
  });

  it('a log that cannot be created is LSM_IO naming it, leaves no file, and the write can be retried', () => {
    const handles = trackHandles(new MemFs());
    const faulty = new FaultFs(handles.fs);
    const tree = Tree.open('/db', { fs: faulty });
    tree.put('a', '1');
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('b', '2'))).toBe('LSM_IO');
    const existing = logFiles(faulty);
    faulty.clearRules();
    faulty.addRule({ op: 'syncDirectory', fault: { type: 'error', code: 'EIO' } });
    let err: unknown;
    try {
      tree.put('c', '3');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LSM_IO' });
    expect(String((err as Error).message)).toMatch(/creating write-ahead log \/db\/\d+\.log/);
    expect(logFiles(faulty)).toEqual(existing); // the new log was removed
    expect([...handles.open].filter((p) => p.endsWith('.log'))).toHaveLength(1); // and closed: only the active log is open
    expect(tree.seqno).toBe(2); // nothing taken
    faulty.clearRules();
    expect(tree.put('c', '3')).toBe(3);
    expect(storeContents(tree)).toEqual({ a: '1', c: '3' });
    tree.close();
  });
});

describe('durability across log rotations', () => {
  it('a sync write makes every earlier write durable, in the logs of sealed memtables too', () => {
    for (const tornWrites of [false, true]) {
      const crash = new CrashFs(new MemFs(), { tornWrites, seed: 3, directorySync: true });
      let tree = Tree.open('/db', { fs: crash, memtableBytes: 4096, maxSealedMemtables: 8 });
      const want: Record<string, string> = {};
      for (let i = 0; i < 300; i++) {
        const k = `key-${String(i).padStart(4, '0')}`;
        const v = `value-${i}-${'x'.repeat(40)}`;
        tree.put(k, v, { sync: i === 299 });
        want[k] = v;
      }
      expect(tree.stats().walSyncs).toBeGreaterThan(1);
      crash.crash();
      tree = Tree.open('/db', { fs: crash });
      expect(storeContents(tree), `tornWrites ${tornWrites}`).toEqual(want);
      tree.close();
    }
  });

  it('syncs each log it seals that holds writes, and only those', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, memtableBytes: 4096 });
    const s0 = tree.stats().walSyncs;
    tree.flush(); // nothing written: nothing sealed, nothing synced
    expect(tree.stats().walSyncs).toBe(s0);
    tree.put('a', '1');
    tree.flush(); // seals a log with a write: synced
    expect(tree.stats().walSyncs).toBe(s0 + 1);
    expect(tree.stats().flushes).toBe(1);
    tree.flush();
    expect(tree.stats().walSyncs).toBe(s0 + 1);
    expect(tree.stats().flushes).toBe(1);
    tree.close();
  });
});

describe('a sealed log whose tail may not be durable', () => {
  it('after a failed log write, the next sync write first puts the sealed memtable in a table', () => {
    const crash = new CrashFs(new MemFs(), { tornWrites: false });
    const faulty = new FaultFs(crash);
    let tree = Tree.open('/db', { fs: faulty, jobScheduler: new JobScheduler(1, 0, 0) });
    tree.put('a', '1');
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('b', '2'))).toBe('LSM_IO');
    tree.put('c', '3'); // a new log; the old one, holding a, is sealed unsynced
    expect(tree.stats().sealedMemtables).toBe(1);
    expect(tree.stats().flushes).toBe(0);
    tree.put('d', '4', { sync: true });
    expect(tree.stats().sealedMemtables).toBe(0);
    expect(tree.stats().flushes).toBe(1);
    crash.crash();
    tree = Tree.open('/db', { fs: crash });
    expect(storeContents(tree)).toEqual({ a: '1', c: '3', d: '4' });
    tree.close();
  });

  it('when sealing a full memtable cannot sync its log, the next sync write first puts it in a table', () => {
    const crash = new CrashFs(new MemFs(), { tornWrites: false });
    const faulty = new FaultFs(crash);
    let tree = Tree.open('/db', { fs: faulty, memtableBytes: 1024, maxSealedMemtables: 4, jobScheduler: new JobScheduler(1, 0, 0) });
    const rule = faulty.addRule({ op: 'sync', path: '.log', fault: { type: 'error', code: 'EIO' } });
    const want: Record<string, string> = {};
    let i = 0;
    while (tree.stats().sealedMemtables === 0) {
      const k = `k${String(i++).padStart(3, '0')}`;
      tree.put(k, 'v'.repeat(60));
      want[k] = 'v'.repeat(60);
    }
    expect(rule.fired).toBe(1); // the seal's sync failed, silently
    expect(tree.stats().flushes).toBe(0);
    tree.put('late', 'x');
    expect(tree.stats().flushes).toBe(0); // not a sync write: no need yet
    tree.put('sync', 'y', { sync: true });
    want.late = 'x';
    want.sync = 'y';
    expect(tree.stats().flushes).toBe(1);
    expect(tree.stats().sealedMemtables).toBe(0);
    // Once flushed, the next sealed log is synced as usual: a sync write needs no flush again.
    while (tree.stats().sealedMemtables === 0) {
      const k = `k${String(i++).padStart(3, '0')}`;
      tree.put(k, 'w'.repeat(60));
      want[k] = 'w'.repeat(60);
    }
    tree.put('sync2', 'z', { sync: true });
    want.sync2 = 'z';
    expect(tree.stats().flushes).toBe(1);
    crash.crash();
    tree = Tree.open('/db', { fs: crash });
    expect(storeContents(tree)).toEqual(want);
    tree.close();
  });

  it('a sealed log that was synced needs no flush before a sync write', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 1024, maxSealedMemtables: 4, jobScheduler: new JobScheduler(1, 0, 0) });
    let i = 0;
    while (tree.stats().sealedMemtables === 0) tree.put(`k${i++}`, 'v'.repeat(60));
    tree.put('sync', 'y', { sync: true });
    expect(tree.stats().flushes).toBe(0);
    expect(tree.stats().sealedMemtables).toBe(1);
    tree.close();
  });
});

describe('what needs the logs', () => {
  it('a checkpoint holds the logs of the sealed memtables and of the active one', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, memtableBytes: 1024, maxSealedMemtables: 4, jobScheduler: new JobScheduler(1, 0, 0) });
    const want: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      tree.put(`k${String(i).padStart(3, '0')}`, `v${i}${'x'.repeat(60)}`);
      want[`k${String(i).padStart(3, '0')}`] = `v${i}${'x'.repeat(60)}`;
    }
    expect(tree.stats().sealedMemtables).toBeGreaterThanOrEqual(2);
    tree.checkpoint('/cp');
    tree.close();
    const cp = Tree.open('/cp', { fs });
    expect(storeContents(cp)).toEqual(want);
    cp.close();
  });

  it('after a failed log write, sync() and a checkpoint put the memtables in tables', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty });
    tree.put('a', '1');
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('b', '2'))).toBe('LSM_IO');
    const syncs = tree.stats().walSyncs;
    tree.sync(); // the log is broken: a flush, not a sync of it
    expect(tree.stats().flushes).toBe(1);
    expect(tree.stats().walSyncs).toBe(syncs);
    tree.close();
    const faulty2 = new FaultFs(new MemFs());
    const t2 = Tree.open('/db', { fs: faulty2 });
    t2.put('a', '1');
    faulty2.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => t2.put('b', '2'))).toBe('LSM_IO');
    t2.checkpoint('/cp');
    expect(t2.stats().flushes).toBe(1);
    t2.close();
    const cp = Tree.open('/cp', { fs: faulty2.inner });
    expect(storeContents(cp)).toEqual({ a: '1' });
    cp.close();
  });
});

describe('without a log', () => {
  it('writes no log, and close() puts every write in a table', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, wal: false });
    tree.put('a', '1');
    tree.batch().put('b', '2').delete('a').commit({ sync: true });
    expect(logFiles(fs)).toEqual([]);
    expect(tree.stats().walBytesWritten).toBe(0);
    expect(tree.stats().walSyncs).toBe(0);
    expect(storeContents(tree)).toEqual({ b: '2' });
    tree.close();
    tree = Tree.open('/db', { fs, wal: false });
    expect(storeContents(tree)).toEqual({ b: '2' });
    expect(tree.seqno).toBe(2);
    tree.close();
  });
});
