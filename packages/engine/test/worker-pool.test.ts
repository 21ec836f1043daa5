// The process's worker pool (src/jobs/worker-pool.ts), on real threads: stores share its
// workers, one after another and at the same time, and each sees only its own results and
// files; a store that closes while a job of its own still runs (the job
// must not go on writing into a directory the next open may reuse) waits for it first,
// and when a worker is ended anyway another store's job on it comes back once, failed or
// done, even to a caller that never yields; one store's user function that cannot be
// loaded leaves the worker serving the others. Starts worker threads from the built
// dist/ (build the engine first).

import { NodeFs } from '@lsm/fs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MergeOperator, Tree, type TreeOptions, appendWithSeparator, loadableOnWorker } from '../src/index.js';
import type { JobResult } from '../src/jobs/job-types.js';
import { type PoolWorker, poolSize, poolWorker } from '../src/jobs/worker-pool.js';
import { type WorkerRunner, workerRunnerFor } from '../src/jobs/worker-runner.js';
import { resolveOptions } from '../src/options.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lsm-pool-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const dec = new TextDecoder();

/** A store in its own root under the test's folder, with tiny memtables (many jobs). */
function openStore(name: string, extra: Partial<TreeOptions> = {}): Tree {
  const r = join(root, name);
  mkdirSync(r, { recursive: true });
  return Tree.open(join(r, 'db'), { fs: new NodeFs({ root: r }), memtableBytes: 8 * 1024, blockSize: 512, ...extra });
}

/** A runner for a store directory, as the store makes it (jobs on pool workers). */
function runnerFor(name: string): WorkerRunner {
  const r = join(root, name);
  mkdirSync(join(r, 'db'), { recursive: true });
  const runner = workerRunnerFor(join(r, 'db'), resolveOptions({ fs: new NodeFs({ root: r }) }));
  if (runner === undefined) throw new Error('no worker runner on NodeFs');
  return runner;
}

/** A job that touches nothing that exists: removing names that are not there succeeds. */
function submitRemoval(runner: WorkerRunner, id: number): void {
  runner.submit({ kind: 'remove-files', id, names: [`${900000 + id}.sst`] }, { env: undefined as never, blobWork: false });
}

/** Every result the runner gives until `n` have come (at most 20 s). */
function collect(runner: WorkerRunner, n: number): JobResult[] {
  const got: JobResult[] = [];
  const end = performance.now() + 20_000;
  while (got.length < n && performance.now() < end) got.push(...runner.wait(200));
  return got;
}

/**
 * Two stores' runners on the same pool worker (r2's first job done there), closed after
 * `body`; `before` is that worker.
 */
function withTwoRunners(body: (r1: WorkerRunner, r2: WorkerRunner, before: PoolWorker) => void): void {
  const r1 = runnerFor('a');
  const r2 = runnerFor('b');
  try {
    submitRemoval(r2, 1);
    expect(collect(r2, 1).map((r) => r.ok)).toEqual([true]);
    body(r1, r2, poolWorker(0));
  } finally {
    r1.close();
    r2.close();
  }
}

describe('the worker pool', () => {
  it('a store opened, written and closed again and again runs every job on the same threads', () => {
    const ids = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const tree = openStore('a');
      for (let i = 0; i < 600; i++) tree.put(`key${String(i).padStart(5, '0')}`, `round ${round} ${'x'.repeat(60)}`);
      tree.flush();
      expect(tree.stats().jobs.onWorker, `round ${round}`).toBeGreaterThan(0);
      ids.add(poolWorker(0).worker.threadId);
      tree.close();
    }
    expect([...ids]).toHaveLength(1);
    // One flush worker and one compaction worker, whatever the number of opens.
    expect(poolSize()).toBeLessThanOrEqual(2);
    const tree = openStore('a');
    expect(dec.decode(tree.get('key00042'))).toBe(`round 4 ${'x'.repeat(60)}`);
    tree.close();
  });

  it('two stores open at once share the workers; each holds exactly its own data', () => {
    const a = openStore('a');
    const b = openStore('b', { encryption: { key: new Uint8Array(32).fill(7) } });
    for (let i = 0; i < 3000; i++) {
      // Overlapping keys, different values: a job writing one store's data into the other would show.
      a.put(`k${i % 1500}`, `a${i}${'.'.repeat(40)}`);
      b.put(`k${i % 1500}`, `b${i}${'-'.repeat(40)}`);
    }
    a.compact();
    b.compact();
    for (const [t, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const s = t.stats();
      expect(s.jobs.onWorker, name).toBeGreaterThan(5);
      expect(s.jobs.inline, name).toBe(0);
      expect(s.compactions, name).toBeGreaterThan(0);
    }
    expect(poolSize()).toBeLessThanOrEqual(2);
    a.close();
    b.close();
    const a2 = openStore('a');
    const b2 = openStore('b', { encryption: { key: new Uint8Array(32).fill(7) } });
    for (let k = 0; k < 1500; k++) {
      expect(dec.decode(a2.get(`k${k}`)), `a k${k}`).toBe(`a${k + 1500}${'.'.repeat(40)}`);
      expect(dec.decode(b2.get(`k${k}`)), `b k${k}`).toBe(`b${k + 1500}${'-'.repeat(40)}`);
    }
    a2.close();
    b2.close();
    // Each store's files stayed in its own directory: no table of b's in a's and none of a's in b's.
    expect(readdirSync(join(root, 'a', 'db')).some((f) => f.endsWith('.sst'))).toBe(true);
    expect(readdirSync(join(root, 'b', 'db')).some((f) => f.endsWith('.sst'))).toBe(true);
  });

  it('each store gets its own results, even with the same job ids', () => {
    const r1 = runnerFor('a');
    const r2 = runnerFor('b');
    try {
      for (let id = 1; id <= 5; id++) {
        submitRemoval(r1, id);
        submitRemoval(r2, id);
      }
      const g1 = collect(r1, 5);
      const g2 = collect(r2, 5);
      expect(g1.map((r) => r.id).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(g2.map((r) => r.id).sort()).toEqual([1, 2, 3, 4, 5]);
      expect([...g1, ...g2].every((r) => r.ok)).toBe(true);
      // Nothing more arrives for either.
      expect(r1.wait(100)).toEqual([]);
      expect(r2.wait(100)).toEqual([]);
    } finally {
      r1.close();
      r2.close();
    }
  });

  it('a store closed with a job still running waits for it and leaves the worker to the others', () => {
    withTwoRunners((r1, r2, before) => {
      const victim = join(root, 'a', 'db', '123456.sst');
      writeFileSync(victim, 'x');
      r1.submit({ kind: 'remove-files', id: 1, names: ['123456.sst'] }, { env: undefined as never, blobWork: false });
      r1.close();
      // close() returned after its job ended: the file is gone, and nothing ends the worker.
      expect(existsSync(victim)).toBe(false);
      expect(poolWorker(0)).toBe(before);
      expect(before.retired).toBe(false);
      submitRemoval(r2, 2);
      expect(collect(r2, 1).map((r) => [r.id, r.ok])).toEqual([[2, true]]);
    });
  });

  it("a worker ended under a store's job: the job comes back once, without the event loop, and the next runs on a new worker", () => {
    withTwoRunners((r1, r2, before) => {
      // r2's job and r1's queue on the same worker; r1 closes without waiting, which ends it.
      submitRemoval(r2, 2);
      submitRemoval(r1, 1);
      r1.close(0);
      expect(before.retired).toBe(true);
      const after = poolWorker(0);
      expect(after).not.toBe(before);
      // A synchronous wait (no event loop in between) still hears of it: r2's job comes
      // back exactly once, done before the end or failed by it (the store retries it).
      const got = collect(r2, 1);
      expect(got).toHaveLength(1);
      expect(got[0]!.id).toBe(2);
      if (!got[0]!.ok) expect(got[0]!.error.message).toBe('background worker ended (another store closed while its job ran there)');
      expect(r2.wait(100)).toEqual([]);
      // Whichever way job 2 went, job 3 goes to the new worker, never to the ended one.
      submitRemoval(r2, 3);
      expect(collect(r2, 1).map((r) => [r.id, r.ok])).toEqual([[3, true]]);
      expect(poolWorker(0)).toBe(after);
      expect(r2.unusable).toBeUndefined();
    });
  });

  it('a store whose last job ended before its worker was ended sends the next one to the new worker', () => {
    withTwoRunners((r1, r2, before) => {
      submitRemoval(r1, 1);
      r1.close(0);
      expect(before.retired).toBe(true);
      submitRemoval(r2, 2);
      expect(collect(r2, 1).map((r) => [r.id, r.ok])).toEqual([[2, true]]);
      expect(poolWorker(0)).not.toBe(before);
    });
  });

  it("one store's function that cannot be loaded leaves the worker serving the others", () => {
    const missing = pathToFileURL(join(root, 'nope.mjs')).href;
    const op = appendWithSeparator(',');
    const mine: MergeOperator = { name: 'test.append', merge: (k, e, ops) => op.merge(k, e, ops) };
    const broken = openStore('a', { mergeOperator: loadableOnWorker(mine, { module: missing, export: 'append' }) });
    const fine = openStore('b');
    for (let i = 0; i < 2000; i++) {
      broken.merge(`k${i % 50}`, `${i}`);
      fine.put(`k${i % 500}`, `v${i}${'x'.repeat(50)}`);
    }
    broken.compact();
    fine.compact();
    expect(broken.stats().jobs.workerProblem).toContain(`from ${missing} (export append)`);
    expect(fine.stats().jobs.workerProblem).toBeUndefined();
    const thread = poolWorker(0).worker.threadId;
    for (let i = 0; i < 2000; i++) fine.put(`j${i % 500}`, `w${i}${'y'.repeat(50)}`);
    fine.flush();
    expect(poolWorker(0).worker.threadId).toBe(thread);
    expect(fine.stats().jobs.inline).toBe(0);
    // The broken store's merges are all there (its compactions ran inline).
    const want = Array.from({ length: 40 }, (_, j) => String(7 + 50 * j)).join(',');
    expect(dec.decode(broken.get('k7'))).toBe(want);
    expect(dec.decode(fine.get('j499'))).toBe(`w1999${'y'.repeat(50)}`);
    broken.close();
    fine.close();
  });
});
