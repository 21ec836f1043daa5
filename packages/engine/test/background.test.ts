// Background work: flushes and compactions as jobs. What a user sees: writes go on while
// jobs run (on a worker thread on the real disk), waits happen only at the limits and are
// counted, a job that keeps failing turns the store read-only with the job's error (never
// a crash), nothing acknowledged is lost, an idle store installs results by itself, a
// script that forgets close() still exits, and opening stores again and again adds no
// thread (the process's worker pool is reused).

import { MemFs, FaultFs, NodeFs } from '@lsm/fs';
import { counterAdd, type MergeOperator } from '@lsm/compaction';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobScheduler, LsmError, Tree, decodeTtlValue, encodeTtlValue, ttlFilter, type TreeOptions } from '../src/index.js';
import { errorOf, jobError } from '../src/jobs/run-job.js';
import { IoError } from '../src/errors.js';
import { keyOf } from './helpers.js';

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const FS_DIST = fileURLToPath(import.meta.resolve('@lsm/fs'));
const value = (i: number): Uint8Array => new TextEncoder().encode(`value-${i}-${'x'.repeat(80)}`);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lsm-bg-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs an ES module program in a fresh node process; returns its status and output. */
function runNode(program: string, timeoutMs = 60_000): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('jobs on a worker thread (NodeFs)', () => {
  it('writes go on while jobs run; every write reads back after reopen', () => {
    const opts: TreeOptions = { fs: new NodeFs({ root: dir }), memtableBytes: 64 * 1024, blockSize: 1024 };
    let tree = Tree.open(join(dir, 'db'), opts);
    for (let i = 0; i < 20_000; i++) tree.put(keyOf(i), value(i));
    const s = tree.stats();
    expect(s.jobs.runner).toBe('worker');
    expect(s.jobs.onWorker).toBeGreaterThan(10);
    expect(s.jobs.inline).toBe(0);
    expect(s.jobs.failed).toBe(0);
    // 20,000 writes of ~110 B: 2 MiB of log, under the 4 MiB of a background log sync.
    expect(s.jobs.logSyncs).toBe(0);
    for (let i = 0; i < 20_000; i += 97) expect(tree.get(keyOf(i))).toEqual(value(i));
    tree.close();
    tree = Tree.open(join(dir, 'db'), opts);
    let n = 0;
    for (const [k, v] of tree.range()) {
      expect(k).toEqual(keyOf(n));
      expect(v).toEqual(value(n));
      n++;
    }
    expect(n).toBe(20_000);
    tree.close();
  });

  it('a writer is slowed before the limits and waits only at them, and every wait is counted', () => {
    // One sealed memtable allowed, tiny memtables: writes outrun the flushes and must wait.
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 16 * 1024, maxSealedMemtables: 1 });
    for (let i = 0; i < 20_000; i++) tree.put(keyOf(i), value(i));
    const s = tree.stats();
    // Writers outrun the flushes: they are slowed (short waits) or, at the limit, stalled.
    expect(s.stalls.count + s.stalls.slowdowns).toBeGreaterThan(0);
    expect(s.stalls.memtableWaits + s.stalls.l0Waits).toBe(s.stalls.count);
    expect(s.stalls.maxMillis).toBeLessThanOrEqual(s.stalls.millis);
    // A slowdown waits at most 8 ms (plus the install of what finished meanwhile).
    if (s.stalls.slowdowns > 0) expect(s.stalls.slowdownMillis / s.stalls.slowdowns).toBeLessThan(20);
    for (let i = 0; i < 20_000; i += 101) expect(tree.get(keyOf(i))).toEqual(value(i));
    tree.close();
  });

  it('a worker fdatasyncs the active log every 4 MiB, so sealing it syncs little on the caller', () => {
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }) });
    const big = new Uint8Array(1000).fill(7);
    for (let i = 0; i < 20_000; i++) tree.put(keyOf(i), big); // about 20 MB of log
    // One at a time, behind whatever the worker is doing: at least one ran.
    expect(tree.stats().jobs.logSyncs).toBeGreaterThanOrEqual(1);
    expect(tree.stats().jobs.failed).toBe(0);
    tree.close();
    const again = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }) });
    expect(again.get(keyOf(19_999))).toEqual(big);
    again.close();
  });

  it('obsolete files are removed on the worker, and none is left once close() returns', () => {
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 64 * 1024 });
    for (let i = 0; i < 30_000; i++) tree.put(keyOf(i % 7000), value(i));
    tree.compact(); // replaces every table: the old ones become obsolete
    const s = tree.stats();
    expect(s.jobs.filesRemovedOnWorker).toBeGreaterThan(0);
    expect(s.jobs.failed).toBe(0);
    tree.close(); // waits for the removals in flight
    const left = readdirSync(join(dir, 'db'));
    // Only the current version's tables remain (a removal still queued would leave more).
    expect(left.filter((n) => n.endsWith('.sst')).length).toBe(s.tables);
    expect(left.filter((n) => n.startsWith('MANIFEST-')).length).toBe(1);
    const again = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }) });
    for (let i = 23_000; i < 30_000; i += 97) expect(again.get(keyOf(i % 7000))).toEqual(value(i));
    again.close();
  });

  it('an idle store installs finished jobs from the event loop', async () => {
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 32 * 1024 });
    let i = 0;
    while (tree.stats().sealedMemtables === 0) tree.put(keyOf(i), value(i++));
    // No store call from here on: only the event loop can install the flush.
    const deadline = Date.now() + 20_000;
    while (tree.stats().sealedMemtables > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(tree.stats().sealedMemtables).toBe(0);
    expect(tree.stats().flushes).toBeGreaterThan(0);
    tree.close();
  });

  it('a worker flushes the memtable from shared memory: without a log too, large values, deletions and range deletions intact', () => {
    // The worker reads the sealed memtable's arena directly (no log to rebuild it from):
    // with wal: false every entry must still reach the table, byte for byte.
    const opts: TreeOptions = { fs: new NodeFs({ root: dir }), memtableBytes: 256 * 1024, blockSize: 1024, wal: false };
    let tree = Tree.open(join(dir, 'db'), opts);
    const big = (i: number): Uint8Array => new Uint8Array(300_000).fill(i & 0xff); // over a quarter arena chunk: a buffer of its own
    for (let i = 0; i < 6000; i++) tree.put(keyOf(i), i % 1000 === 7 ? big(i) : value(i));
    for (let i = 0; i < 6000; i += 5) tree.delete(keyOf(i));
    tree.deleteRange(keyOf(100), keyOf(200));
    tree.flush();
    const s = tree.stats();
    expect(s.jobs.runner).toBe('worker');
    expect(s.jobs.onWorker).toBeGreaterThan(2);
    expect(s.jobs.inline).toBe(0);
    expect(s.jobs.failed).toBe(0);
    tree.close();
    tree = Tree.open(join(dir, 'db'), opts);
    const want = (i: number): Uint8Array | undefined => (i % 5 === 0 || (i >= 100 && i < 200) ? undefined : i % 1000 === 7 ? big(i) : value(i));
    let n = 0;
    for (const [k, v] of tree.range()) {
      while (want(n) === undefined) n++;
      expect(Buffer.from(k).toString()).toBe(Buffer.from(keyOf(n)).toString());
      expect(Buffer.compare(v, want(n)!)).toBe(0);
      n++;
    }
    while (n < 6000 && want(n) === undefined) n++;
    expect(n).toBe(6000);
    tree.close();
  });

  it('jobs that need a user function a worker cannot load run inline, and stats() says so', () => {
    const custom: MergeOperator = { name: 'test.concat', merge: (_k, e, ops) => new Uint8Array([...(e ?? []), ...ops.flatMap((o) => [...o])]) };
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 16 * 1024, mergeOperator: custom });
    for (let i = 0; i < 10_000; i++) tree.merge(keyOf(i % 500), new Uint8Array([i & 0xff]));
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.onWorker).toBeGreaterThan(0); // flushes: they never call the operator
    expect(s.jobs.inline).toBeGreaterThan(0); // compactions fold operands: on the caller's thread
    expect(tree.get(keyOf(7))!.length).toBe(20);
    tree.close();
  });

  it('built-in merge operators are resolved by name on the worker', () => {
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 16 * 1024, mergeOperator: counterAdd });
    const one = new Uint8Array(8);
    one[0] = 1;
    for (let i = 0; i < 10_000; i++) tree.merge(keyOf(i % 100), one);
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.inline).toBe(0);
    expect(s.mergesCollapsed).toBeGreaterThan(0);
    expect(new DataView(tree.get(keyOf(3))!.buffer, tree.get(keyOf(3))!.byteOffset).getBigUint64(0, true)).toBe(100n);
    tree.close();
  });

  it('the built-in TTL filter runs on the worker; one with a clock of the caller\'s keeps compactions inline', () => {
    const past = Date.now() - 60_000;
    const future = Date.now() + 3_600_000;
    const fill = (tree: Tree): void => {
      // Even keys expired a minute ago, odd keys expire in an hour.
      for (let i = 0; i < 4000; i++) tree.put(keyOf(i), encodeTtlValue(i % 2 === 0 ? past : future, value(i)));
      tree.compact();
    };
    const check = (tree: Tree): void => {
      for (let i = 0; i < 4000; i += 97) {
        const v = tree.get(keyOf(i));
        if (i % 2 === 0) expect(v, `key ${i}`).toBeUndefined();
        else expect(Buffer.from(decodeTtlValue(v!).payload).toString()).toBe(Buffer.from(value(i)).toString());
      }
    };
    const onWorker = Tree.open(join(dir, 'a'), { fs: new NodeFs({ root: dir }), memtableBytes: 64 * 1024, compactionFilter: ttlFilter() });
    fill(onWorker);
    let s = onWorker.stats();
    expect(s.jobs.inline).toBe(0);
    expect(s.compactions).toBeGreaterThan(0);
    expect(s.filterRemoved).toBeGreaterThan(1000);
    check(onWorker);
    onWorker.close();

    const clock = ttlFilter({ now: () => Date.now() });
    const inline = Tree.open(join(dir, 'b'), { fs: new NodeFs({ root: dir }), memtableBytes: 64 * 1024, compactionFilter: clock });
    fill(inline);
    s = inline.stats();
    expect(s.jobs.onWorker).toBeGreaterThan(0); // flushes never call the filter
    expect(s.jobs.inline).toBeGreaterThan(0); // compactions call the caller's clock
    expect(s.filterRemoved).toBeGreaterThan(1000);
    check(inline);
    inline.close();
  });

  it('backgroundThreads: 0 runs every job inline', () => {
    const tree = Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 16 * 1024, backgroundThreads: 0 });
    for (let i = 0; i < 5_000; i++) tree.put(keyOf(i), value(i));
    expect(tree.stats().jobs.runner).toBe('inline');
    expect(tree.stats().jobs.onWorker).toBe(0);
    expect(tree.stats().flushes).toBeGreaterThan(0);
    tree.close();
  });

  it('a script that forgets close() still exits', () => {
    const program = `
      import { Tree } from ${JSON.stringify(DIST)};
      import { NodeFs } from ${JSON.stringify(FS_DIST)};
      const tree = Tree.open(${JSON.stringify(join(dir, 'db'))}, { fs: new NodeFs({ root: ${JSON.stringify(dir)} }), memtableBytes: 16 * 1024 });
      for (let i = 0; i < 5000; i++) tree.put('key' + i, 'value' + i + 'x'.repeat(60));
      console.log('jobs', tree.stats().jobs.onWorker);
    `;
    const r = runNode(program, 30_000);
    expect(r.out).toMatch(/jobs [1-9]/);
    expect(r.status, r.out).toBe(0);
  });

  it('a store opened many times in one process adds no thread (the pool is reused)', () => {
    const program = `
      import { Tree } from ${JSON.stringify(DIST)};
      import { NodeFs } from ${JSON.stringify(FS_DIST)};
      import { readdirSync } from 'node:fs';
      const threads = () => readdirSync('/proc/self/task').length;
      let before = 0;
      for (let round = 0; round < 21; round++) {
        // After the first round the pool holds its workers: count from there.
        if (round === 1) before = threads();
        const tree = Tree.open(${JSON.stringify(join(dir, 'db'))}, { fs: new NodeFs({ root: ${JSON.stringify(dir)} }), memtableBytes: 16 * 1024 });
        for (let i = 0; i < 1000; i++) tree.put('key' + i, 'value' + round + 'x'.repeat(60));
        tree.flush();
        // Both workers (flushes, compactions) started in the first round.
        if (round === 0) tree.compact();
        tree.close();
      }
      await new Promise((r) => setTimeout(r, 500));
      console.log('threads', before, threads());
    `;
    const r = runNode(program);
    expect(r.status, r.out).toBe(0);
    const m = /threads (\d+) (\d+)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    // Counted with the pool's workers in place; Node's own threads may vary by one or
    // two; twenty leaked workers would not.
    expect(Number(m![2]) - Number(m![1])).toBeLessThanOrEqual(2);
  });
});

describe('failing jobs: the background-error state', () => {
  const opts = (fs: FaultFs, extra: Partial<TreeOptions> = {}): TreeOptions => ({ fs, memtableBytes: 4096, blockSize: 256, ...extra });

  for (const scheduled of [false, true]) {
    it(`a flush that keeps failing refuses writes with its error until reopen; nothing acknowledged is lost${scheduled ? ' (jobs in flight)' : ''}`, () => {
      const fs = new FaultFs(new MemFs());
      const o = opts(fs, scheduled ? { jobScheduler: new JobScheduler(7) } : {});
      let tree = Tree.open('/db', o);
      const acked: number[] = [];
      for (let i = 0; i < 200; i++) {
        tree.put(keyOf(i), value(i));
        acked.push(i);
      }
      tree.sync();
      fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'EIO' } });
      let refused: unknown;
      for (let i = 200; i < 5000 && refused === undefined; i++) {
        try {
          tree.put(keyOf(i), value(i), { sync: true });
          acked.push(i);
        } catch (err) {
          refused = err;
        }
      }
      expect(refused).toBeInstanceOf(LsmError);
      expect((refused as LsmError).code).toBe('LSM_IO');
      expect((refused as Error).message).toMatch(/refuses writes until it is reopened/);
      expect((refused as Error).cause).toBeInstanceOf(Error);
      const s = tree.stats();
      expect(s.jobs.backgroundError).toMatch(/background flush failed 5 times/);
      expect(s.jobs.failed).toBeGreaterThanOrEqual(5);
      // Every later write gets the same error; reads go on.
      expect(() => tree.put('late', 'x')).toThrow(/refuses writes/);
      expect(() => tree.flush()).toThrow(/refuses writes/);
      for (const i of acked.filter((_, j) => j % 7 === 0)) expect(tree.get(keyOf(i))).toEqual(value(i));
      tree.close();
      fs.clearRules();
      tree = Tree.open('/db', o);
      for (const i of acked) expect(tree.get(keyOf(i)), `key ${i}`).toEqual(value(i));
      tree.put('after', 'reopen');
      tree.flush();
      expect(tree.get('after')).toEqual(new TextEncoder().encode('reopen'));
      tree.close();
    });
  }

  it('a compaction that fails now and then is retried, and the store keeps working', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', opts(fs));
    for (let i = 0; i < 300; i++) tree.put(keyOf(i % 100), value(i));
    fs.addRule({ op: 'sync', path: '.sst', after: 2, times: 2, fault: { type: 'error', code: 'EIO' } });
    for (let i = 300; i < 3000; i++) tree.put(keyOf(i % 100), value(i));
    const s = tree.stats();
    expect(s.jobs.failed).toBe(2);
    expect(s.jobs.backgroundError).toBeUndefined();
    tree.compact();
    for (let k = 0; k < 100; k++) expect(tree.get(keyOf(k))).toEqual(value(2900 + k));
    tree.close();
  });

  it("a job's error crosses from a worker as data and comes back typed, with its cause's errno code", () => {
    const original = new IoError('writing table /db/000007.sst', Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const back = errorOf({ id: 1, ok: false, error: jobError(original), millis: 0 });
    expect(back).toBeInstanceOf(LsmError);
    expect((back as LsmError).code).toBe('LSM_IO');
    expect(back.message).toBe(original.message);
    expect((back.cause as { code?: string }).code).toBe('EIO');
    const bug = errorOf({ id: 2, ok: false, error: jobError(new TypeError('x is undefined')), millis: 0 });
    expect(bug).not.toBeInstanceOf(LsmError);
    expect(bug.message).toMatch(/background job failed: TypeError: x is undefined/);
  });
});
