// The scheduler (src/jobs/background.ts) with jobs in flight, small and fast: a seeded
// JobScheduler starts and delivers flushes and compactions at random polls while puts,
// deletes, gets, snapshots, flush() and compact() go on, on a tiny store (MemFs) where
// both happen every few writes. Every read is checked against a model, every wait is
// counted, and the store reopens to the same contents. The full model test
// (model.test.ts) does this at length; this one exists so that a mutation run of the
// scheduler costs about a second per mutant. Each seed runs twice: with every job inline,
// and with a simulated worker (JobScheduler's simulateWorker: the jobs the store would
// send to its worker thread go to an in-process runner of kind 'worker', so the worker
// paths run too: flushes from the memtable's image, obsolete files removed by jobs).
// The seed is in every failure message.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
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
  for (const simulateWorker of [false, true]) for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}${simulateWorker ? ', simulated worker' : ''}: reads agree with a model through flushes, compactions, snapshots and a reopen`, () => {
      const fs = new MemFs();
      const rng = new Rng(seed);
      const opts = (): TreeOptions => ({ fs, ...TINY(), jobScheduler: new JobScheduler(seed, 0.2, 0.2, { simulateWorker }) });
      let onWorker = 0;
      let removedOnWorker = 0;
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
          onWorker += tree.stats().jobs.onWorker;
          removedOnWorker += tree.stats().jobs.filesRemovedOnWorker;
          tree.close();
          tree = Tree.open('/db', opts());
          expect(contents(tree), `${at} (reopened)`).toEqual(model);
        }
        const st = tree.stats();
        if (st.jobs.running > 0) sawInFlight++;
        if (st.levels[0]!.tables > 0) sawL0++;
        expect(st.jobs.runner, at).toBe(simulateWorker ? 'worker' : 'inline');
        if (!simulateWorker) expect(st.jobs.onWorker + st.jobs.filesRemovedOnWorker, at).toBe(0);
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
      if (simulateWorker) {
        // Flushes and compactions went to the worker; so did the removal of the tables they replaced.
        expect(onWorker + st.jobs.onWorker, `seed ${seed}`).toBeGreaterThan(5);
        expect(st.jobs.inline, `seed ${seed}`).toBe(0);
        expect(removedOnWorker + st.jobs.filesRemovedOnWorker, `seed ${seed}`).toBeGreaterThan(0);
      }
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

describe('the worker paths, simulated in process', () => {
  const value = (i: number): string => `value-${i}-${'x'.repeat(90)}`;

  it('a background log sync makes the writes before it survive a power cut, with no sync write', () => {
    // 32 MiB memtable: nothing is flushed; only the worker's log syncs (every 4 MiB of log)
    // make anything durable before the cut.
    const crashFs = new CrashFs(new MemFs(), { tornWrites: false });
    const opts = (simulateWorker: boolean): TreeOptions => ({ fs: crashFs, memtableBytes: 32 << 20, jobScheduler: new JobScheduler(3, 1, 1, { simulateWorker }) });
    const tree = Tree.open('/db', opts(true));
    let i = 0;
    while (tree.stats().jobs.logSyncs < 1) {
      tree.put(key(i), value(i));
      i++;
    }
    // Let the sync job run and deliver (start and deliver chances are 1: the next call).
    tree.get(key(0));
    tree.get(key(0));
    expect(tree.stats().jobs.running).toBe(0);
    expect(tree.stats().flushes).toBe(0);
    const synced = i;
    for (let j = 0; j < 1000; j++, i++) tree.put(key(i), value(i));
    crashFs.crash();
    const back = Tree.open('/db', opts(false));
    // Every write before the sync was requested is back; the log may hold some later ones too.
    for (let j = 0; j < synced; j += 97) expect(text.decode(back.get(key(j))!), `key ${j} of ${synced}`).toBe(value(j));
    expect(back.get(key(synced - 1)) !== undefined).toBe(true);
    back.close();
  });

  it('without a worker there is no background log sync: unsynced writes are lost to the cut', () => {
    const crashFs = new CrashFs(new MemFs(), { tornWrites: false });
    const tree = Tree.open('/db', { fs: crashFs, memtableBytes: 32 << 20, jobScheduler: new JobScheduler(3, 1, 1) });
    for (let i = 0; i < 45_000; i++) tree.put(key(i), value(i));
    tree.get(key(0));
    expect(tree.stats().jobs.logSyncs).toBe(0);
    crashFs.crash();
    const back = Tree.open('/db', { fs: crashFs });
    expect(back.get(key(0))).toBeUndefined();
    back.close();
  });

  it('obsolete tables are removed by worker jobs: none is left behind, no live table is removed', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...TINY(), jobScheduler: new JobScheduler(11, 1, 1, { simulateWorker: true }) });
    for (let i = 0; i < 3000; i++) tree.put(key(i % 400), `${value(i)}`);
    tree.compact();
    tree.flush();
    // The removal jobs run and deliver at the next calls.
    for (let n = 0; n < 5 && tree.stats().jobs.running > 0; n++) tree.get(key(1));
    const st = tree.stats();
    expect(st.jobs.running).toBe(0);
    expect(st.jobs.inline).toBe(0);
    expect(st.jobs.filesRemovedOnWorker).toBeGreaterThan(5);
    // Exactly the live tables are left: every replaced one was removed, no live one was.
    expect(fs.readDir('/db').filter((n) => n.endsWith('.sst')).length).toBe(st.tables);
    for (let i = 0; i < 400; i += 13) expect(tree.get(key(i)) !== undefined).toBe(true);
    tree.close();
  });
});

describe('what stats() counts for each kind of plan', () => {
  it('a sequential load moves its tables down without rewriting them: trivialMoves counts them, compactions does not', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), ...TINY() });
    for (let i = 0; i < 3000; i++) tree.put(key(i), `v${i}-${'x'.repeat(40)}`);
    tree.flush();
    const st = tree.stats();
    expect(st.trivialMoves).toBeGreaterThan(3);
    expect(st.compactions).toBe(0);
    // Nothing was merged: every table ever written is still there, below L0.
    expect(st.tables).toBe(st.flushes);
    expect(st.levels[0]!.tables).toBeLessThan(st.tables);
    for (let i = 0; i < 3000; i += 101) expect(text.decode(tree.get(key(i))!)).toBe(`v${i}-${'x'.repeat(40)}`);
    tree.close();
  });
});
