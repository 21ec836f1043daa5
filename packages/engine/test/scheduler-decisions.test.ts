// The scheduler's decisions, one at a time (issue #22): what each flush, compaction and
// failure adds to stats(), how each backpressure wait and slowdown is counted, when a
// store enters and leaves the background-error state (a full disk's retry on an injected
// clock: vitest's fake performance.now and timers), and that files reserved for work in
// flight (ingest's growing reservation) are never taken by a deletion pass while nothing
// obsolete is left behind. Each test says what a user would see go wrong. Small stores on
// MemFs, so that a mutation run of src/jobs/background.ts costs little per mutant.

import { Fifo, Leveled } from '@lsm/compaction';
import { FaultFs, type Fs, MemFs } from '@lsm/fs';
import { expectLsmError } from '@lsm/base/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobScheduler, Tree, type TreeOptions } from '../src/index.js';
import { MAX_CONSECUTIVE_FAILURES, NO_SPACE_RETRY_MS } from '../src/jobs/background.js';
import { keyOf } from './helpers.js';

const enc = new TextEncoder();
const value = (i: number, pad = 40): Uint8Array => enc.encode(`v${i}-${'x'.repeat(pad)}`);

/** Sum of the sizes of the files in /db whose names end with `ext`. */
function bytesOf(fs: Fs, ext: string): number {
  let sum = 0;
  for (const n of fs.readDir('/db')) if (n.endsWith(ext)) sum += fs.metadata(`/db/${n}`).size;
  return sum;
}
const namesOf = (fs: Fs, ext: string): string[] => fs.readDir('/db').filter((n) => n.endsWith(ext)).sort();

/** MemFs that counts the files it removed. */
class CountingFs extends MemFs {
  removed = 0;
  override removeFile(path: string): void {
    super.removeFile(path);
    this.removed++;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('what each job adds to stats()', () => {
  it('a flush counts once, on this thread, with tableBytesWritten equal to the table it wrote', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false, memtableBytes: 1 << 20 });
    for (let i = 0; i < 200; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    const s = tree.stats();
    expect(s.flushes).toBe(1);
    expect(s.flushErrors).toBe(0);
    expect(s.tableBytesWritten).toBe(bytesOf(fs, '.sst'));
    expect(s.tableBytesWritten).toBeGreaterThan(0);
    expect(s.jobs).toMatchObject({ runner: 'inline', inline: 1, onWorker: 0, running: 0, failed: 0 });
    tree.close();
  });

  it('a compaction reads exactly its input tables, writes exactly its outputs, and counts each filter decision once', () => {
    const fs = new MemFs();
    // Every value of an even key is removed, every value of a key that is 1 mod 4 replaced.
    const filter = {
      name: 'evens-out',
      filter: (key: Uint8Array) => {
        const i = Number(new TextDecoder().decode(key).replace(/\D/g, ''));
        return i % 2 === 0 ? ('remove' as const) : i % 4 === 1 ? { change: enc.encode(`changed-${i}`) } : ('keep' as const);
      },
    };
    const tree = Tree.open('/db', { fs, autoCompaction: false, memtableBytes: 1 << 20, compactionFilter: filter });
    for (let i = 0; i < 100; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    for (let i = 100; i < 200; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    const inputs = bytesOf(fs, '.sst');
    const written = tree.stats().tableBytesWritten;
    expect(written).toBe(inputs);
    tree.compact();
    const s = tree.stats();
    expect(s.compactions).toBe(1);
    expect(s.trivialMoves).toBe(0);
    expect(s.compactionErrors).toBe(0);
    expect(s.compactionBytesRead).toBe(inputs);
    // The inputs are gone: what is on disk now is what the compaction wrote.
    expect(s.tableBytesWritten - written).toBe(bytesOf(fs, '.sst'));
    expect(s.filterRemoved).toBe(100);
    expect(s.filterChanged).toBe(50);
    expect(s.jobs.inline).toBe(3);
    expect(tree.get(keyOf(2))).toBeUndefined();
    expect(tree.get(keyOf(5))).toEqual(enc.encode('changed-5'));
    expect(tree.get(keyOf(7))).toEqual(value(7));
    tree.close();
  });

  it('after compactions no obsolete table or log is left on disk, and each file a (simulated) worker removed is counted once', () => {
    const fs = new CountingFs();
    const tree = Tree.open('/db', {
      fs,
      memtableBytes: 2048,
      blockSize: 256,
      compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 8 * 1024, targetTableSize: 4 * 1024 }),
      jobScheduler: new JobScheduler(3, 1, 1, { simulateWorker: true }),
    });
    for (let i = 0; i < 3000; i++) tree.put(keyOf(i % 300), value(i));
    tree.flush();
    tree.compact();
    tree.flush(); // lets the last removal job's result be installed
    const s = tree.stats();
    expect(s.compactions).toBeGreaterThan(3);
    expect(namesOf(fs, '.sst').length).toBe(s.tables);
    expect(namesOf(fs, '.log').length).toBeLessThanOrEqual(1);
    expect(fs.removed).toBeGreaterThan(10);
    expect(s.jobs.filesRemovedOnWorker).toBe(fs.removed);
    for (let k = 0; k < 300; k++) expect(tree.get(keyOf(k))).toEqual(value(2700 + k));
    tree.close();
  });
});

describe('failures: counted, retried, and the background-error state', () => {
  const open = (fs: FaultFs, extra: Partial<TreeOptions> = {}): Tree => Tree.open('/db', { fs, autoCompaction: false, memtableBytes: 1 << 20, ...extra });

  it('a success between failures resets the count: eight compaction failures with a success after the fourth never stop the store', () => {
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    let round = 0;
    const twoTables = (): void => {
      for (let r = 0; r < 2; r++, round++) {
        for (let i = 0; i < 50; i++) tree.put(keyOf(i), value(i + round));
        tree.flush();
      }
    };
    const failCompactions = (times: number): void => {
      const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'EIO' } });
      for (let i = 0; i < times; i++) expectLsmError(() => tree.compact(), 'LSM_IO');
      rule.disarm();
    };
    twoTables();
    failCompactions(MAX_CONSECUTIVE_FAILURES - 1);
    expect(tree.stats()).toMatchObject({ compactionErrors: 4, compactions: 0, jobs: { failed: 4, backgroundError: undefined } });
    tree.compact();
    expect(tree.stats()).toMatchObject({ compactionErrors: 4, compactions: 1 });
    twoTables();
    failCompactions(MAX_CONSECUTIVE_FAILURES - 1);
    expect(tree.stats()).toMatchObject({ compactionErrors: 8, jobs: { failed: 8, backgroundError: undefined } });
    tree.put('still', 'writable');
    tree.compact();
    for (let i = 0; i < 50; i++) expect(tree.get(keyOf(i))).toEqual(value(i + round - 1));
    tree.close();
  });

  it('a compaction that fails five times in a row stops writes, naming the compaction; flushes are not blamed', () => {
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100; i++) tree.put(keyOf(i), value(i + round));
      tree.flush();
    }
    fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'EIO' } });
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
      expectLsmError(() => tree.compact(), 'LSM_IO');
      expect(tree.stats().compactionErrors).toBe(i + 1);
    }
    const s = tree.stats();
    expect(s.flushErrors).toBe(0);
    expect(s.compactions).toBe(0);
    expect(s.jobs.failed).toBe(MAX_CONSECUTIVE_FAILURES);
    expect(s.jobs.backgroundError).toMatch(/^background compaction failed 5 times in a row/);
    const refused = expectLsmError(() => tree.put('x', 'y'), 'LSM_IO');
    expect(refused.message).toMatch(/background compaction failed 5 times/);
    expect(tree.get(keyOf(3))).toEqual(value(4));
    tree.close();
    fs.clearRules();
    const again = open(fs);
    for (let i = 0; i < 100; i++) expect(again.get(keyOf(i))).toEqual(value(i + 1));
    again.close();
  });

  it('a compaction whose manifest edit fails counts as a failed compaction; the store stays readable and reopens whole', () => {
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100; i++) tree.put(keyOf(i), value(i + round));
      tree.flush();
    }
    const rule = fs.addRule({ op: 'write', path: 'MANIFEST', times: 1, fault: { type: 'error', code: 'EIO' } });
    expectLsmError(() => tree.compact(), 'LSM_IO');
    rule.disarm();
    const s = tree.stats();
    expect(s.compactionErrors).toBe(1);
    expect(s.compactions).toBe(0);
    expect(s.jobs.failed).toBe(1);
    for (let i = 0; i < 100; i++) expect(tree.get(keyOf(i))).toEqual(value(i + 1));
    tree.close();
    const again = open(fs);
    for (let i = 0; i < 100; i++) expect(again.get(keyOf(i))).toEqual(value(i + 1));
    again.close();
  });

  it('resume() on a healthy store changes nothing: a single failure afterwards does not stop writes', () => {
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    tree.put('a', '1');
    tree.resume();
    expect(tree.stats().flushes).toBe(0);
    const rule = fs.addRule({ op: 'write', path: '.sst', times: 1, fault: { type: 'error', code: 'EIO' } });
    expectLsmError(() => tree.flush(), 'LSM_IO');
    rule.disarm();
    expect(tree.stats().jobs.backgroundError).toBeUndefined();
    tree.put('b', '2');
    tree.flush();
    // The memtable whose flush failed, and the one after it.
    expect(tree.stats().flushes).toBe(2);
    expect(tree.get('a')).toEqual(enc.encode('1'));
    tree.close();
  });
});

describe('a full disk, on a fake clock', () => {
  const open = (fs: FaultFs): Tree => Tree.open('/db', { fs, autoCompaction: false, memtableBytes: 1 << 20 });

  it('a write is refused until exactly NO_SPACE_RETRY_MS have passed, then it runs the failed flush again', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    tree.put('a', '1');
    const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    // What every write gets now: the store's own error, saying what to do.
    const err = expectLsmError(() => tree.put('b', '2'), 'LSM_NO_SPACE');
    expect(err.name).toBe('NoSpaceError');
    expect(err.message).toMatch(/^background flush needs space the disk does not have/);
    expect(err.message).toContain(`after ${NO_SPACE_RETRY_MS} ms, tree.resume() retries at once`);
    expect((err.cause as { code?: string }).code).toBe('LSM_NO_SPACE');
    expect(tree.stats().jobs.failed).toBe(1);
    vi.advanceTimersByTime(NO_SPACE_RETRY_MS - 1);
    expectLsmError(() => tree.put('b', '2'), 'LSM_NO_SPACE');
    vi.advanceTimersByTime(1);
    rule.disarm();
    tree.put('b', '2');
    expect(tree.stats().jobs.backgroundError).toBeUndefined();
    tree.flush();
    // The memtable whose flush failed, and the one holding 'b'.
    expect(tree.stats()).toMatchObject({ flushes: 2, flushErrors: 1, jobs: { failed: 1 } });
    expect(tree.get('a')).toEqual(enc.encode('1'));
    tree.close();
  });

  it('a write after the interval that fails again puts the store straight back (one more failure, not five)', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    tree.put('a', '1');
    fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    vi.advanceTimersByTime(NO_SPACE_RETRY_MS);
    tree.put('b', '2'); // let through: the retry interval has passed
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    expect(tree.stats().jobs.failed).toBe(2);
    expectLsmError(() => tree.put('c', '3'), 'LSM_NO_SPACE');
    tree.close();
  });

  it('an idle store retries from a timer every NO_SPACE_RETRY_MS while the disk stays full, and recovers once it is not', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    for (let i = 0; i < 50; i++) tree.put(keyOf(i), value(i));
    const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    expect(tree.stats().jobs.failed).toBe(1);
    vi.advanceTimersByTime(NO_SPACE_RETRY_MS - 1);
    expect(tree.stats().jobs.failed).toBe(1);
    vi.advanceTimersByTime(1);
    // The timer ran the flush again; it failed again and armed the timer again.
    expect(tree.stats().jobs.failed).toBe(2);
    expect(tree.stats().jobs.backgroundError).toMatch(/space/);
    vi.advanceTimersByTime(NO_SPACE_RETRY_MS);
    expect(tree.stats().jobs.failed).toBe(3);
    rule.disarm();
    vi.advanceTimersByTime(NO_SPACE_RETRY_MS);
    const s = tree.stats();
    expect(s.jobs).toMatchObject({ failed: 3, backgroundError: undefined });
    expect(s.flushes).toBe(1);
    expect(s.sealedMemtables).toBe(0);
    // Nothing is pending: later intervals run nothing.
    vi.advanceTimersByTime(5 * NO_SPACE_RETRY_MS);
    expect(tree.stats().jobs.failed).toBe(3);
    for (let i = 0; i < 50; i++) expect(tree.get(keyOf(i))).toEqual(value(i));
    tree.close();
  });

  it('close() stops the retry timer: nothing runs on a closed store', () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    const fs = new FaultFs(new MemFs());
    const tree = open(fs);
    tree.put('a', '1');
    fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    const writes = fs.readDir('/db').length;
    try {
      tree.close();
    } catch {
      // close() on a full disk reports where the data is; the store is closed either way.
    }
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(3 * NO_SPACE_RETRY_MS);
    expect(fs.readDir('/db').length).toBeLessThanOrEqual(writes);
  });
});

describe('backpressure: every wait counted, each in its own bucket', () => {
  /** Runs `n` puts; returns the duration of each wait (from the change of stalls.millis around a put that waited once). */
  function waits(tree: Tree, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = tree.stats().stalls;
      tree.put(keyOf(i % 400), value(i));
      const after = tree.stats().stalls;
      expect(after.count - before.count).toBeLessThanOrEqual(2);
      if (after.count - before.count === 1) out.push(after.millis - before.millis);
    }
    return out;
  }

  it('waits for a flush are memtable waits; maxMillis is the longest of them, millis their sum', () => {
    // Jobs start only when a caller waits for them: every seal beyond the first waits.
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      autoCompaction: false,
      memtableBytes: 2048,
      maxSealedMemtables: 1,
      compaction: new Leveled({ l0CompactionTrigger: 1000, l0StallFiles: 1000 }),
      jobScheduler: new JobScheduler(5, 0, 0),
    });
    const each = waits(tree, 1500);
    const s = tree.stats().stalls;
    expect(each.length).toBeGreaterThan(5);
    expect(s.count).toBeGreaterThanOrEqual(each.length);
    expect(s.memtableWaits).toBe(s.count);
    expect(s.l0Waits).toBe(0);
    expect(s.millis).toBeGreaterThan(0);
    for (const ms of each) expect(ms).toBeGreaterThan(0);
    expect(s.maxMillis).toBeCloseTo(Math.max(...each), 6);
    expect(s.maxMillis).toBeLessThanOrEqual(s.millis);
    expect(s.slowdowns).toBe(0);
    tree.close();
  });

  it('at the L0 stall limit a writer waits for an L0 compaction even with automatic compaction off, and that wait is an L0 wait', () => {
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      autoCompaction: false,
      memtableBytes: 2048,
      maxSealedMemtables: 4,
      compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 3, levelBaseBytes: 64 * 1024 }),
      jobScheduler: new JobScheduler(6, 0, 0),
    });
    let mostL0 = 0;
    for (let i = 0; i < 1500; i++) {
      tree.put(keyOf(i % 400), value(i));
      mostL0 = Math.max(mostL0, tree.stats().levels[0]!.tables);
    }
    // A writer at the stall limit (3) waits for the compaction it starts: no write returns with L0 at it.
    expect(mostL0).toBe(2);
    const s = tree.stats();
    expect(s.stalls.l0Waits).toBeGreaterThan(0);
    expect(s.stalls.memtableWaits + s.stalls.l0Waits).toBe(s.stalls.count);
    expect(s.compactions).toBeGreaterThan(0);
    expect(s.levels[0]!.tables).toBeLessThan(3);
    for (let k = 0; k < 400; k++) expect(tree.get(keyOf(k))).toEqual(value(k < 300 ? 1200 + k : 800 + k));
    tree.close();
  });

  it('with a (simulated) worker, a writer is slowed before the limit instead: each slowdown ends when a job finishes, and is counted', () => {
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      autoCompaction: false,
      memtableBytes: 2048,
      maxSealedMemtables: 1,
      jobScheduler: new JobScheduler(8, 0, 0, { simulateWorker: true }),
    });
    let slowed = 0;
    let flushedBySlowdown = 0;
    for (let i = 0; i < 1500; i++) {
      const before = tree.stats();
      tree.put(keyOf(i % 400), value(i));
      const after = tree.stats();
      const d = after.stalls.slowdowns - before.stalls.slowdowns;
      expect(d).toBeLessThanOrEqual(1);
      if (d === 1) {
        slowed++;
        // The slowdown ended when a job in flight finished: mostly the flush, now in a table.
        if (after.flushes > before.flushes) flushedBySlowdown++;
        expect(after.stalls.slowdownMillis).toBeGreaterThan(before.stalls.slowdownMillis);
      }
    }
    const s = tree.stats();
    expect(slowed).toBeGreaterThan(3);
    expect(flushedBySlowdown).toBeGreaterThan(slowed / 2);
    expect(s.stalls.count).toBe(0);
    expect(s.stalls.slowdowns).toBe(slowed);
    expect(s.jobs.onWorker).toBeGreaterThanOrEqual(s.flushes);
    tree.close();
  });

  it('while a flush is in flight the store says one job runs; with a log sync on the worker too, two', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), autoCompaction: false, memtableBytes: 2048, maxSealedMemtables: 4, jobScheduler: new JobScheduler(9, 0, 0) });
    let i = 0;
    while (tree.stats().sealedMemtables === 0) tree.put(keyOf(i), value(i++));
    expect(tree.stats().jobs.running).toBe(1);
    tree.flush();
    expect(tree.stats().jobs.running).toBe(0);
    tree.close();
  });
});

describe('file numbers reserved for work in flight', () => {
  it('ingest of many tables while a flush installs keeps every ingested table: none is taken by the deletion pass', () => {
    const fs = new MemFs();
    const opts: TreeOptions = {
      fs,
      autoCompaction: false,
      memtableBytes: 1 << 20,
      compaction: new Leveled({ targetTableSize: 1024, levelBaseBytes: 16 * 1024 }),
    };
    const tree = Tree.open('/db', opts);
    // A write inside the ingested range: ingest must flush it first, and that flush's
    // install runs a deletion pass while the ingested tables are written but not installed.
    tree.put(keyOf(500), enc.encode('older'));
    const n = 2000;
    const entries = function* (): Generator<[Uint8Array, Uint8Array]> {
      for (let i = 0; i < n; i++) yield [keyOf(i), value(i)];
    };
    tree.ingest(entries());
    const s = tree.stats();
    expect(s.flushes).toBe(1);
    expect(s.tables).toBeGreaterThan(16); // more than one chunk of reserved numbers
    for (let i = 0; i < n; i++) expect(tree.get(keyOf(i)), `key ${i}`).toEqual(value(i));
    expect(namesOf(fs, '.sst').length).toBe(s.tables);
    tree.close();
    const again = Tree.open('/db', opts);
    for (let i = 0; i < n; i += 7) expect(again.get(keyOf(i))).toEqual(value(i));
    again.close();
  });
});

describe('when jobs start and when results are installed', () => {
  it('on an in-process store without a scheduler, the call that seals a memtable also installs its flush and compactions', () => {
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      memtableBytes: 2048,
      compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 8 * 1024, targetTableSize: 4 * 1024 }),
    });
    let flushes = 0;
    for (let i = 0; i < 2000; i++) {
      tree.put(keyOf(i % 300), value(i));
      const s = tree.stats();
      expect(s.sealedMemtables, `put ${i}`).toBe(0);
      expect(s.jobs.running, `put ${i}`).toBe(0);
      expect(s.levels[0]!.tables, `put ${i}`).toBeLessThan(2);
      flushes = s.flushes;
    }
    expect(flushes).toBeGreaterThan(20);
    tree.close();
  });

  it('never more sealed memtables than maxSealedMemtables, even when jobs start only when a writer waits', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), autoCompaction: false, memtableBytes: 2048, maxSealedMemtables: 2, jobScheduler: new JobScheduler(12, 0, 0) });
    let most = 0;
    for (let i = 0; i < 1500; i++) {
      tree.put(keyOf(i % 400), value(i));
      most = Math.max(most, tree.stats().sealedMemtables);
    }
    expect(most).toBe(2);
    const s = tree.stats().stalls;
    expect(s.count).toBeGreaterThan(0);
    expect(s.maxMillis).toBeLessThan(10_000);
    tree.close();
  });

  it('a failing flush is retried at most once per call: five failures in a row take five writes', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs, autoCompaction: false, memtableBytes: 2048 });
    fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'EIO' } });
    let calls = 0;
    for (let i = 0; tree.stats().jobs.backgroundError === undefined && i < 5000; i++) {
      const before = tree.stats().jobs.failed;
      try {
        tree.put(keyOf(i), value(i));
      } catch {
        // the background-error state
      }
      const failed = tree.stats().jobs.failed - before;
      expect(failed, `put ${i}`).toBeLessThanOrEqual(1);
      if (failed > 0) calls++;
    }
    expect(calls).toBe(MAX_CONSECUTIVE_FAILURES);
    expect(tree.stats().jobs.failed).toBe(MAX_CONSECUTIVE_FAILURES);
    // A writer let through while its flush could not run: never more than one memtable per failure beyond the limit.
    expect(tree.stats().sealedMemtables).toBeLessThanOrEqual(1 + MAX_CONSECUTIVE_FAILURES);
    // In that state nothing more is tried: reads and refused writes start no job.
    for (let i = 0; i < 20; i++) {
      tree.get(keyOf(i));
      expectLsmError(() => tree.put('x', 'y'), 'LSM_IO');
    }
    expect(tree.stats().jobs.failed).toBe(MAX_CONSECUTIVE_FAILURES);
    tree.close();
  });

  it('a compaction filter that throws a plain error five times stops writes with code LSM_IO, naming the compaction', () => {
    let throwing = true;
    const filter = {
      name: 'flaky',
      filter: () => {
        if (throwing) throw new TypeError('filter bug');
        return 'keep' as const;
      },
    };
    const tree = Tree.open('/db', { fs: new MemFs(), autoCompaction: false, memtableBytes: 1 << 20, compactionFilter: filter });
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < 50; i++) tree.put(keyOf(i), value(i + r));
      tree.flush();
    }
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) expect(() => tree.compact()).toThrow(/filter bug/);
    const err = expectLsmError(() => tree.put('x', 'y'), 'LSM_IO');
    expect(err.message).toMatch(/^background compaction failed 5 times in a row.*filter bug/);
    throwing = false;
    tree.close();
  });
});

describe('plans applied by a manifest edit alone', () => {
  it('FIFO drops count as compactions, each dropped table once, and raise the history horizon to exactly the newest seqno dropped', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 4096, compaction: new Fifo({ maxTotalBytes: 8 * 1024 }) });
    const n = 400;
    for (let i = 0; i < n; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    const s = tree.stats();
    expect(s.tablesDropped).toBeGreaterThan(1);
    expect(s.compactions).toBeGreaterThan(0);
    expect(s.compactions).toBeLessThanOrEqual(s.tablesDropped);
    expect(s.compactionBytesRead).toBe(0);
    // Each put took one seqno, in key order: the oldest key still readable came right after the horizon.
    let first = 0;
    while (tree.get(keyOf(first)) === undefined) first++;
    expect(first).toBeGreaterThan(0);
    expect(s.historyHorizon).toBe(first);
    for (let i = first; i < n; i++) expect(tree.get(keyOf(i))).toEqual(value(i));
    tree.close();
  });

  it('tables that overlap nothing below move down as trivial moves: no bytes read, counted as moves only', () => {
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      memtableBytes: 2048,
      compaction: new Leveled({ l0CompactionTrigger: 1, l0StallFiles: 8, levelBaseBytes: 1 << 20, targetTableSize: 64 * 1024 }),
    });
    for (let i = 0; i < 2000; i++) tree.put(keyOf(i), value(i));
    tree.flush();
    const s = tree.stats();
    expect(s.trivialMoves).toBeGreaterThan(5);
    expect(s.compactions).toBe(0);
    expect(s.compactionBytesRead).toBe(0);
    expect(s.tablesDropped).toBe(0);
    expect(s.levels[0]!.tables).toBe(0);
    for (let i = 0; i < 2000; i += 37) expect(tree.get(keyOf(i))).toEqual(value(i));
    tree.close();
  });
});

describe('file numbers for flushes with K/V separation', () => {
  it('a flush that writes many blob files has numbers for all of them; every value reads back after reopen', () => {
    const fs = new MemFs();
    const opts: TreeOptions = { fs, autoCompaction: false, memtableBytes: 256 * 1024, kvSeparation: { minValueSize: 512, blobFileBytes: 8 * 1024 } };
    let tree = Tree.open('/db', opts);
    const big = (i: number): Uint8Array => enc.encode(`${i}:${'b'.repeat(2000)}`);
    for (let i = 0; i < 100; i++) tree.put(keyOf(i), big(i));
    tree.flush();
    expect(namesOf(fs, '.blob').length).toBeGreaterThan(10);
    for (let i = 0; i < 100; i++) expect(tree.get(keyOf(i))).toEqual(big(i));
    tree.close();
    tree = Tree.open('/db', opts);
    for (let i = 0; i < 100; i++) expect(tree.get(keyOf(i))).toEqual(big(i));
    tree.close();
  });
});

describe('a log sync on the (simulated) worker beside flushes', () => {
  it('results of a flush that arrive while a log sync is in flight are installed as the flush', () => {
    const tree = Tree.open('/db', {
      fs: new MemFs(),
      autoCompaction: false,
      memtableBytes: (4 << 20) + (256 << 10),
      // Jobs start at once; results come back rarely, so a flush's result arrives while the
      // log sync started just before the seal is still in flight.
      jobScheduler: new JobScheduler(21, 1, 0.002, { simulateWorker: true }),
    });
    const v = new Uint8Array(1000).fill(97);
    for (let i = 0; i < 20_000; i++) tree.put(keyOf(i), v);
    tree.flush();
    const s = tree.stats();
    expect(s.jobs.logSyncs).toBeGreaterThan(0);
    expect(s.flushes).toBeGreaterThanOrEqual(3);
    expect(s.sealedMemtables).toBe(0);
    for (let i = 0; i < 20_000; i += 97) expect(tree.get(keyOf(i))).toEqual(v);
    tree.close();
  });
});
