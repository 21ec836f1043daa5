// Which logs a flush makes obsolete (logNumberAfterFlushing and flushed in
// src/write/write-path.ts): after a flush only the logs of memtables still unflushed
// remain, a flush of an older memtable keeps the logs of newer ones, and a store without
// a log records a log number past every file, so a log left by an earlier open with a log
// is never replayed over data already in tables (which would bring back a deleted key).

import { FaultFs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { text, storeContents, logFiles } from './helpers.js';
import { JobScheduler, Tree } from '../src/index.js';

describe('logs after a flush', () => {
  it('a flush leaves only the active log, and a reopen replays nothing twice', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, flushOnCloseBytes: Number.MAX_SAFE_INTEGER });
    tree.put('a', '1');
    tree.flush();
    tree.put('b', '2');
    tree.flush();
    tree.put('c', '3');
    expect(logFiles(fs)).toHaveLength(1);
    tree.close();
    tree = Tree.open('/db', { fs });
    expect(storeContents(tree)).toEqual({ a: '1', b: '2', c: '3' });
    tree.close();
  });

  it('flushing the oldest sealed memtable keeps the logs of the newer ones until they are flushed', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, memtableBytes: 1024, maxSealedMemtables: 4, jobScheduler: new JobScheduler(3, 0, 0) });
    for (let i = 0; i < 40; i++) tree.put(`k${String(i).padStart(3, '0')}`, 'v'.repeat(60));
    const sealed = tree.stats().sealedMemtables;
    expect(sealed).toBeGreaterThanOrEqual(2);
    expect(logFiles(fs)).toHaveLength(sealed + 1);
    tree.flush();
    expect(tree.stats().sealedMemtables).toBe(0);
    expect(logFiles(fs)).toHaveLength(1);
    tree.close();
    const again = Tree.open('/db', { fs });
    expect(Object.keys(storeContents(again))).toHaveLength(40);
    again.close();
  });

  it('a store opened without a log never lets an older log replay over its tables', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, flushOnCloseBytes: Number.MAX_SAFE_INTEGER });
    tree.put('a', '1');
    tree.put('keep', 'k');
    tree.close();
    expect(logFiles(fs)).toHaveLength(1); // a=1 is only in the log
    // The old log cannot be removed while the store runs without a log: it stays on disk.
    const faulty = new FaultFs(fs);
    faulty.addRule({ op: 'remove', path: '.log', times: Infinity, fault: { type: 'error', code: 'EIO' } });
    tree = Tree.open('/db', { fs: faulty, wal: false });
    expect(text(tree.get('a'))).toBe('1');
    tree.delete('a');
    tree.flush();
    tree.compact(); // the bottom level drops the deletion and the value below it
    expect(tree.get('a')).toBeUndefined();
    tree.close();
    expect(logFiles(fs)).toHaveLength(1);
    tree = Tree.open('/db', { fs });
    expect(storeContents(tree)).toEqual({ keep: 'k' });
    tree.close();
  });
});
