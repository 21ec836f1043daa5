// The scheduler (src/jobs/background.ts) with jobs in flight, small and fast: a seeded
// JobScheduler starts and delivers flushes and compactions at random polls while puts,
// deletes, gets, snapshots, flush() and compact() go on, on a tiny store (MemFs) where
// both happen every few writes. Every read is checked against a model, every wait is
// counted, and the store reopens to the same contents. The full model test
// (model.test.ts) does this at length; this one exists so that a mutation run of the
// scheduler costs about a second per mutant. The seed is in every failure message.

import { Leveled } from '@lsm/compaction';
import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Tree, type TreeOptions } from '../src/index.js';
import { Rng } from './helpers.js';

const TINY = (): TreeOptions => ({
  memtableBytes: 2048,
  blockSize: 256,
  maxSealedMemtables: 2,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 6, levelBaseBytes: 8 * 1024, targetTableSize: 4 * 1024 }),
});

const text = new TextDecoder();
const key = (i: number): string => `key${String(i).padStart(4, '0')}`;

function contents(tree: Tree, seqno?: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of tree.range(seqno === undefined ? {} : { seqno })) out.set(text.decode(k), text.decode(v));
  return out;
}

describe('background work with jobs in flight (seeded scheduler)', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: reads agree with a model through flushes, compactions, snapshots and a reopen`, () => {
      const fs = new MemFs();
      const rng = new Rng(seed);
      const opts = (): TreeOptions => ({ fs, ...TINY(), jobScheduler: new JobScheduler(seed, 0.2, 0.2) });
      let tree = Tree.open('/db', opts());
      const model = new Map<string, string>();
      const snaps: { snap: ReturnType<Tree['snapshot']>; want: Map<string, string> }[] = [];
      let sawInFlight = 0;
      let sawL0 = 0;
      // stats() counts since the last open: the counts of earlier opens add up here.
      let flushes = 0;
      let compactions = 0;
      for (let step = 0; step < 600; step++) {
        const at = `seed ${seed}, step ${step}`;
        const r = rng.next();
        const i = Math.floor(rng.next() * 150);
        if (r < 0.55) {
          const v = `v${step}-${'x'.repeat(Math.floor(rng.next() * 60))}`;
          tree.put(key(i), v);
          model.set(key(i), v);
        } else if (r < 0.7) {
          tree.delete(key(i));
          model.delete(key(i));
        } else if (r < 0.9) {
          const got = tree.get(key(i));
          expect(got === undefined ? undefined : text.decode(got), at).toBe(model.get(key(i)));
        } else if (r < 0.93) {
          snaps.push({ snap: tree.snapshot(), want: new Map(model) });
        } else if (r < 0.95 && snaps.length > 0) {
          const { snap, want } = snaps.shift()!;
          expect(contents(tree, snap.seqno), at).toEqual(want);
          snap.release();
        } else if (r < 0.97) {
          tree.flush();
          expect(tree.stats().sealedMemtables, at).toBe(0);
        } else if (r < 0.98) {
          tree.compact();
        } else if (r < 0.99) {
          expect(contents(tree), at).toEqual(model);
        } else {
          for (const { snap } of snaps.splice(0)) snap.release();
          flushes += tree.stats().flushes;
          compactions += tree.stats().compactions;
          tree.close();
          tree = Tree.open('/db', opts());
          expect(contents(tree), `${at} (reopened)`).toEqual(model);
        }
        const st = tree.stats();
        if (st.jobs.running > 0) sawInFlight++;
        if (st.levels[0]!.tables > 0) sawL0++;
        expect(st.jobs.runner, at).toBe('inline');
        expect(st.jobs.failed, at).toBe(0);
        expect(st.jobs.backgroundError, at).toBeUndefined();
        expect(st.levels[0]!.tables, at).toBeLessThanOrEqual(6);
        expect(st.sealedMemtables, at).toBeLessThanOrEqual(2);
      }
      for (const { snap, want } of snaps) {
        expect(contents(tree, snap.seqno), `seed ${seed}, snapshot at the end`).toEqual(want);
        snap.release();
      }
      const st = tree.stats();
      expect(flushes + st.flushes, `seed ${seed}`).toBeGreaterThan(5);
      expect(compactions + st.compactions, `seed ${seed}`).toBeGreaterThan(0);
      expect(sawInFlight, `seed ${seed}: jobs in flight`).toBeGreaterThan(20);
      expect(sawL0, `seed ${seed}`).toBeGreaterThan(20);
      // Every wait is counted, and the parts add up.
      expect(st.stalls.count, `seed ${seed}`).toBe(st.stalls.memtableWaits + st.stalls.l0Waits);
      expect(st.stalls.millis, `seed ${seed}`).toBeGreaterThanOrEqual(st.stalls.maxMillis);
      tree.close();
      const back = Tree.open('/db', { fs, ...TINY() });
      expect(contents(back), `seed ${seed} (final reopen)`).toEqual(model);
      // Nothing the store needs went missing, and nothing it does not need stayed.
      const tables = back.stats().tables;
      expect(fs.readDir('/db').filter((n) => n.endsWith('.sst')).length, `seed ${seed}`).toBe(tables);
      back.close();
    });
  }

  it('a writer that hits the sealed-memtable limit waits for a flush, and the wait is counted', () => {
    const fs = new MemFs();
    // Jobs start only when the scheduler says (never, here), so writes fill every sealed slot.
    const tree = Tree.open('/db', { fs, ...TINY(), maxSealedMemtables: 1, jobScheduler: new JobScheduler(5, 0, 0) });
    for (let i = 0; i < 400; i++) tree.put(key(i), 'y'.repeat(50));
    const st = tree.stats();
    expect(st.stalls.memtableWaits).toBeGreaterThan(0);
    expect(st.stalls.count).toBeGreaterThanOrEqual(st.stalls.memtableWaits);
    expect(st.sealedMemtables).toBeLessThanOrEqual(1);
    expect(st.flushes).toBeGreaterThan(0);
    for (let i = 0; i < 400; i++) expect(text.decode(tree.get(key(i))!)).toBe('y'.repeat(50));
    tree.close();
  });
});
