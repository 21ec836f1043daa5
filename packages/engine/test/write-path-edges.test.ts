// Edges of the write path and of batch resolution that the other files leave open: a
// first write that fails leaves no unsynced sealed log behind (a later sync write needs no
// flush); a memtable sealed over a failed log write is marked as not recoverable from its
// log, so a checkpoint puts it in a table first; and the bytewise check for repeated keys
// never takes a key for a longer key that starts with it, whatever order they come in.

import { ByteSink, ValueType, bytewiseComparator } from '@lsm/base';
import { FaultFs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Tree, appendWithSeparator } from '../src/index.js';
import { encodeBatch, stampBatch } from '../src/write/batch-codec.js';
import { normalizeBatch } from '../src/write/batch-normalize.js';
import { codeOf, storeContents, text } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('after a failed log write', () => {
  it('a failed first write (nothing in the memtable) leaves no flush owed to a later sync write', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty, memtableBytes: 1024, maxSealedMemtables: 4, jobScheduler: new JobScheduler(1, 0, 0) });
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('first', '1'))).toBe('LSM_IO');
    let i = 0;
    while (tree.stats().sealedMemtables === 0) tree.put(`k${i++}`, 'v'.repeat(60)); // sealed with a synced log
    tree.put('s', 'y', { sync: true });
    expect(tree.stats().flushes).toBe(0);
    expect(tree.stats().sealedMemtables).toBe(1);
    tree.close();
  });

  it('a memtable sealed over the failed log goes to a table before a checkpoint, even once a new log works', () => {
    const faulty = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs: faulty, jobScheduler: new JobScheduler(1, 0, 0) });
    tree.put('a', '1');
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.put('b', '2'))).toBe('LSM_IO');
    tree.put('c', '3'); // a new, working log; the old memtable is sealed
    expect(tree.stats().sealedMemtables).toBe(1);
    expect(tree.stats().flushes).toBe(0);
    tree.checkpoint('/cp');
    expect(tree.stats().flushes).toBeGreaterThanOrEqual(1);
    expect(tree.stats().sealedMemtables).toBe(0);
    tree.close();
    const cp = Tree.open('/cp', { fs: faulty.inner });
    expect(storeContents(cp)).toEqual({ a: '1', c: '3' });
    cp.close();
  });
});

describe('the bytewise repeated-key check', () => {
  const resolver = {
    comparator: bytewiseComparator,
    bytewise: true,
    mergeOperator: appendWithSeparator('+'),
    readBase: () => undefined,
  };

  it('a key is never taken for a longer key it is a prefix of, in either order', () => {
    for (const order of ['ascending', 'descending'] as const) {
      const n = 6000;
      const idx = Array.from({ length: n }, (_, i) => (order === 'ascending' ? i : n - 1 - i));
      const rec = encodeBatch(
        new ByteSink(64),
        0,
        idx.map((i) => ({ type: i % 7 === 0 ? ValueType.Tombstone : ValueType.Value, key: enc(`k${i}`), value: enc(`${i}`) })),
      ).slice();
      stampBatch(rec, 9, n);
      expect(normalizeBatch(rec, 0, resolver), order).toBeNull();
    }
  });
});
