// Backpressure on the write path (makeRoomForWrite in src/write/write-path.ts), with jobs
// that start only when a write must wait for them (a JobScheduler that never starts one
// by itself): a memtable is sealed exactly when it is full, the sealed ones never exceed
// maxSealedMemtables (the write that would exceed it waits, counted as a memtable stall),
// a write leaves L0 under l0StallFiles (waiting for a compaction, counted as an L0 stall), and no write is lost or reordered.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { text } from './helpers.js';
import { JobScheduler, Leveled, Tree } from '../src/index.js';

describe('backpressure', () => {
  it('seals a memtable when it is full, never holds more than maxSealedMemtables, and waits for a flush when it must', () => {
    for (const max of [1, 2, 3]) {
      const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 1024, maxSealedMemtables: max, jobScheduler: new JobScheduler(5, 0, 0) });
      let peak = 0;
      let sealedAt = -1;
      for (let i = 0; i < 200; i++) {
        tree.put(`k${String(i).padStart(4, '0')}`, 'v'.repeat(60));
        const s = tree.stats();
        peak = Math.max(peak, s.sealedMemtables);
        if (sealedAt < 0 && s.sealedMemtables > 0) sealedAt = i;
        // The active memtable is never left over its budget by more than one write.
        expect(s.activeMemtable.bytes, `max ${max} write ${i}`).toBeLessThan(1024 + 200);
      }
      expect(peak, `max ${max}`).toBe(max);
      expect(sealedAt).toBeGreaterThan(3);
      const st = tree.stats().stalls;
      expect(st.memtableWaits, `max ${max}`).toBeGreaterThan(0);
      expect(st.l0Waits, `max ${max}`).toBe(0); // L0 stays far below its stall limit here
      expect(st.count).toBe(st.memtableWaits);
      for (let i = 0; i < 200; i += 37) expect(text(tree.get(`k${String(i).padStart(4, '0')}`))).toBe('v'.repeat(60));
      tree.close();
    }
  });

  it('the next write seals a memtable exactly at its budget, and not one a byte under it', () => {
    for (const [len, sealed] of [
      [975, 1],
      [974, 0],
    ] as const) {
      const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 1024, jobScheduler: new JobScheduler(5, 0, 0) });
      tree.put('k', 'v'.repeat(len)); // 1 + len + 48 bytes of bookkeeping
      expect(tree.stats().activeMemtable.bytes).toBe(1 + len + 48);
      tree.put('z', '1');
      expect(tree.stats().sealedMemtables, `value of ${len} bytes`).toBe(sealed);
      tree.close();
    }
  });

  it('does not seal a memtable below its budget, nor wait', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 64 * 1024, jobScheduler: new JobScheduler(5, 0, 0) });
    for (let i = 0; i < 100; i++) tree.put(`k${i}`, 'v'.repeat(60));
    const s = tree.stats();
    expect(s.sealedMemtables).toBe(0);
    expect(s.flushes).toBe(0);
    expect(s.stalls.count).toBe(0);
    expect(s.activeMemtable.entries).toBe(100);
    tree.close();
  });

  it('keeps L0 under l0StallFiles after each write, waiting for a compaction', () => {
    const compaction = new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 2 });
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 1024, maxSealedMemtables: 2, compaction, jobScheduler: new JobScheduler(9, 0, 0) });
    let peak = 0;
    for (let i = 0; i < 400; i++) {
      tree.put(`k${String(i % 150).padStart(4, '0')}`, `v${i}-${'x'.repeat(50)}`);
      peak = Math.max(peak, tree.stats().levels[0]!.tables);
    }
    expect(peak).toBe(1);
    const st = tree.stats().stalls;
    expect(st.l0Waits).toBeGreaterThan(0);
    for (let i = 250; i < 400; i++) expect(text(tree.get(`k${String(i % 150).padStart(4, '0')}`))).toBe(`v${i}-${'x'.repeat(50)}`);
    tree.close();
  });
});

describe('the slowdown each write asks for (before the hard limits)', () => {
  /** Records each slowdown the write path asks its background work for (a worker would wait that long at most). */
  function spy(tree: Tree): number[] {
    const asked: number[] = [];
    const bg = (tree as unknown as { writes: { bg: { slowdown(ms: number): void } } }).writes.bg;
    const real = bg.slowdown.bind(bg);
    bg.slowdown = (ms: number) => {
      asked.push(ms);
      real(ms);
    };
    return asked;
  }

  it('grows from 0 to 8 ms as the memtable fills past half while every sealed slot is taken', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 2048, maxSealedMemtables: 1, jobScheduler: new JobScheduler(5, 0, 0) });
    const asked = spy(tree);
    let checked = 0;
    for (let i = 0; i < 120; i++) {
      const s = tree.stats();
      const fill = s.activeMemtable.bytes / 2048;
      const full = s.sealedMemtables >= 1;
      asked.length = 0;
      tree.put(`k${String(i).padStart(4, '0')}`, 'v'.repeat(40));
      if (fill >= 1) continue; // sealed instead (the hard limit)
      const want = full && fill > 0.5 ? (fill - 0.5) * 2 * 8 : 0;
      if (want > 0) {
        expect(asked, `write ${i} fill ${fill}`).toEqual([want]);
        checked++;
      } else expect(asked, `write ${i} fill ${fill} sealed ${s.sealedMemtables}`).toEqual([]);
    }
    expect(checked).toBeGreaterThan(10);
    tree.close();
  });

  it('grows with L0 from 8 tables under the stall limit', () => {
    const compaction = new Leveled({ l0CompactionTrigger: 11, l0StallFiles: 11 });
    const tree = Tree.open('/db', { fs: new MemFs(), compaction, jobScheduler: new JobScheduler(5, 0, 0) });
    const asked = spy(tree);
    const seen: [number, number[]][] = [];
    for (let t = 0; t < 6; t++) {
      asked.length = 0;
      tree.put(`k${t}`, 'v');
      seen.push([tree.stats().levels[0]!.tables, [...asked]]);
      tree.flush();
    }
    // L0 before each write: 0..5 tables; the stall is at 11, the slowdown from 11 - 8 = 3.
    expect(seen).toEqual([
      [0, []],
      [1, []],
      [2, []],
      [3, [(1 / 9) * 8]],
      [4, [(2 / 9) * 8]],
      [5, [(3 / 9) * 8]],
    ]);
    tree.close();
  });
});
