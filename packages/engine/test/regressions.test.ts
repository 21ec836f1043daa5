// Regression tests for bugs tools/stress found (2026-11-24), one test each, so they stay
// fixed without the stress tool: limit 0, table-cache eviction of a table being handed
// out, a failed open leaving a manifest behind, recovery's flush and log retirement not
// being atomic, a failed manifest edit being replayed, and close() after a log failure.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { FaultFs, type FaultOp, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree } from '../src/index.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const all = (t: Tree): string[] => [...t.range()].map(([k, v]) => `${text(k)}=${text(v)}`);

describe('regressions found by tools/stress', () => {
  it('range and prefix with limit 0 yield nothing', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    expect([...tree.range({ limit: 0 })]).toEqual([]);
    expect([...tree.prefix('a', { limit: 0, reverse: true })]).toEqual([]);
    expect([...tree.range({ limit: 1 })].length).toBe(1);
    tree.close();
  });

  it('a full table cache never closes the table it is handing out', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), maxOpenTables: 8, autoCompaction: false, compaction: new Leveled({ l0StallFiles: 1000 }) });
    for (let t = 0; t < 20; t++) {
      tree.put(`key${String(t).padStart(3, '0')}`, `v${t}`);
      tree.flush();
    }
    for (let t = 0; t < 20; t++) expect(text(tree.get(`key${String(t).padStart(3, '0')}`))).toBe(`v${t}`);
    expect(all(tree).length).toBe(20);
    expect(tree.stats().openTables).toBeLessThanOrEqual(8);
    tree.close();
  });

  // An open that fails (a fault) or dies (a crash) at any point must leave a store that
  // the next open recovers exactly, and whose tables hold no entry twice (compaction
  // checks order and would fail with LSM_CORRUPTION on a duplicate).
  for (const op of ['write', 'sync', 'rename', 'syncDirectory', 'open'] as FaultOp[]) {
    it(`an open that fails at any ${op} leaves a store the next open recovers exactly`, () => {
      for (let at = 0; at < 12; at++) {
        const crashFs = new CrashFs(new MemFs(), { seed: at });
        let tree = Tree.open('/db', { fs: crashFs, memtableBytes: 4096 });
        for (let i = 0; i < 300; i++) tree.put(`k${i % 120}`, `v${i}`, { sync: i % 50 === 49 });
        tree.sync();
        const want = all(tree);
        crashFs.crash(); // leaves data in the log for the next open to recover
        const faulty = new FaultFs(crashFs);
        faulty.addRule({ op, after: at, fault: { type: 'error', code: 'EIO' } });
        try {
          Tree.open('/db', { fs: faulty, memtableBytes: 4096 }).close();
        } catch (err) {
          expect((err as LsmError).code, `${op} #${at}`).toBe('LSM_IO');
        }
        crashFs.crash(); // the failed open's process dies too
        tree = Tree.open('/db', { fs: crashFs, memtableBytes: 4096 });
        expect(all(tree), `${op} #${at}`).toEqual(want);
        tree.compact();
        expect(all(tree), `${op} #${at} after compaction`).toEqual(want);
        tree.close();
      }
    });
  }

  it('a manifest edit whose fsync failed is neither lost nor duplicated after a crash', () => {
    for (let at = 0; at < 6; at++) {
      const crashFs = new CrashFs(new MemFs(), { seed: at });
      const faulty = new FaultFs(crashFs);
      let tree = Tree.open('/db', { fs: faulty, memtableBytes: 4096 });
      for (let i = 0; i < 200; i++) tree.put(`k${i % 90}`, `v${i}`);
      tree.sync();
      const want = all(tree);
      faulty.addRule({ op: 'sync', path: 'MANIFEST', after: at, fault: { type: 'error', code: 'EIO' } });
      for (let r = 0; r < 3; r++) {
        try {
          tree.flush();
        } catch (err) {
          expect((err as LsmError).code).toBe('LSM_IO');
        }
      }
      expect(all(tree)).toEqual(want);
      crashFs.crash();
      tree = Tree.open('/db', { fs: crashFs, memtableBytes: 4096 });
      expect(all(tree), `fault after ${at}`).toEqual(want);
      tree.compact();
      expect(all(tree), `fault after ${at}, compacted`).toEqual(want);
      tree.close();
    }
  });

  it('a failed manifest edit that survives (no crash) names a table that still exists, and nothing twice', () => {
    const fs = new FaultFs(new MemFs());
    let tree = Tree.open('/db', { fs, memtableBytes: 4096 });
    for (let i = 0; i < 200; i++) tree.put(`k${i % 90}`, `v${i}`);
    const want = all(tree);
    // Every manifest fsync fails: each flush's edit is written but never confirmed.
    fs.addRule({ op: 'sync', path: 'MANIFEST', times: Infinity, fault: { type: 'error', code: 'EIO' } });
    expect(() => tree.flush()).toThrowError(expect.objectContaining({ code: 'LSM_IO' }));
    expect(all(tree)).toEqual(want);
    tree.close();
    fs.clearRules();
    tree = Tree.open('/db', { fs, memtableBytes: 4096 });
    expect(all(tree)).toEqual(want);
    tree.compact();
    expect(all(tree)).toEqual(want);
    tree.close();
  });

  it('close() after a failed log write still makes every acknowledged write durable', () => {
    const crashFs = new CrashFs(new MemFs());
    const faulty = new FaultFs(crashFs);
    let tree = Tree.open('/db', { fs: faulty });
    tree.put('a', '1');
    tree.put('b', '2');
    faulty.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'EIO' } });
    expect(() => tree.put('c', '3')).toThrowError(expect.objectContaining({ code: 'LSM_IO' }));
    tree.close();
    crashFs.crash();
    tree = Tree.open('/db', { fs: crashFs });
    expect(text(tree.get('a'))).toBe('1');
    expect(text(tree.get('b'))).toBe('2');
    tree.close();
  });
});
