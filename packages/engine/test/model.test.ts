// Model-based randomized test: seeded random sequences of every operation (put, delete,
// deleteWeak, deleteRange, deletePrefix, merge, batches, get, multiGet, range forward and
// reverse with bounds and limits, prefix, snapshots opened, read and released, flush,
// compact, close and reopen) run against a Tree with tiny memtables and tables, so
// flushes and compactions happen all the time, under Leveled, SizeTiered and FIFO, with
// and without K/V separation, and against a simple oracle. Every read is checked when it happens, and the
// whole contents are compared every few steps. A failure message carries the seed and
// the step, so `MODEL_SEED=<seed> npx vitest run test/model.test.ts` replays it.

import { Fifo, Leveled, SizeTiered, appendWithSeparator } from '@lsm/compaction';
import { type Fs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, type Snapshot, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf, withStoreLocation } from './helpers.js';

interface ModelConfig {
  name: string;
  options: () => TreeOptions;
  steps: number;
  keys: number;
  /** Never compact: reads cross many overlapping L0 tables. */
  noCompact?: boolean;
  /** K/V separation threshold: value sizes straddle it, and blob files and blob GC must be seen. */
  blobThreshold?: number;
  /** Jobs deferred by a seeded JobScheduler: they start and are installed at random calls. */
  scheduled?: boolean;
  /** With `scheduled`: the scheduler simulates the worker (its paths, in process: flushes from the memtable's image, file removal jobs). */
  simulateWorker?: boolean;
  /** On the real disk (NodeFs): flushes and compactions run on worker threads. */
  worker?: boolean;
}

/** Tiny trees with K/V separation: tiny blob files, so values are separated, collected and dropped all the time. */
const BLOB_THRESHOLD = 200;
const tinyBlobs = (gcRatio: number): TreeOptions => ({
  ...tiny(),
  memtableBytes: 8192,
  kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio, blobFileBytes: 4096 },
});

const tiny = (): TreeOptions => ({
  memtableBytes: 4096,
  blockSize: 256,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 6, levelBaseBytes: 16 * 1024, levelMultiplier: 4, targetTableSize: 8 * 1024 }),
});

const CONFIGS: ModelConfig[] = [
  { name: 'tiny memtables, leveled', options: tiny, steps: 3000, keys: 300 },
  { name: 'zstd, no WAL', options: () => ({ ...tiny(), wal: false, compression: 'zstd' }), steps: 1500, keys: 200 },
  // K/V separation: merges, range deletions and snapshots meet blob pointers; reopened now and
  // then with separation off (pointers written before must still read back).
  { name: 'kv separation, gcRatio 0.5', options: () => tinyBlobs(0.5), steps: 2500, keys: 250, blobThreshold: BLOB_THRESHOLD },
  {
    name: 'kv separation, gcRatio 0.1, zstd blobs, no WAL',
    options: () => ({ ...tinyBlobs(0.1), wal: false, kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio: 0.1, blobFileBytes: 4096, compression: 'zstd' } }),
    steps: 1500,
    keys: 200,
    blobThreshold: BLOB_THRESHOLD,
  },
  {
    name: 'kv separation, gcRatio 0.3, manual compaction, no cache',
    options: () => ({ ...tinyBlobs(0.3), blockCacheBytes: 0, autoCompaction: false }),
    steps: 1500,
    keys: 150,
    blobThreshold: BLOB_THRESHOLD,
  },
  {
    // Every new blob file holds back its first values (and the table entries meanwhile) to
    // train a dictionary: the hold-back must never reorder, lose or misdirect an entry.
    name: 'kv separation, encrypted, zstd blobs with dictionaries',
    options: () => ({
      ...tinyBlobs(0.3),
      encryption: { key: new Uint8Array(32).fill(0x42) },
      compression: { type: 'zstd', dictionary: { maxBytes: 256, sampleBytes: 3000 } },
      kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio: 0.3, blobFileBytes: 4096, compression: 'zstd' },
    }),
    steps: 1500,
    keys: 200,
    blobThreshold: BLOB_THRESHOLD,
  },
  {
    name: 'size-tiered',
    options: () => ({ ...tiny(), compaction: new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 6 }) }),
    steps: 2000,
    keys: 250,
  },
  {
    // A FIFO budget the test never reaches: FIFO's own drops are tested in strategies.test.ts.
    name: 'fifo (no drops)',
    options: () => ({ ...tiny(), compaction: new Fifo({ maxTotalBytes: 1 << 30 }) }),
    steps: 1500,
    keys: 200,
  },
  {
    name: 'no compaction, many L0 tables',
    options: () => ({ ...tiny(), autoCompaction: false, compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 10_000 }) }),
    steps: 1500,
    keys: 200,
    noCompact: true,
  },
  // A block cache of a few blocks: nearly every read evicts one, and the evicted buffers are
  // recycled (recycleBlocks) under open iterators, snapshots and merges.
  { name: 'tiny block cache (recycled blocks), zstd', options: () => ({ ...tiny(), blockCacheBytes: 4096, compression: 'zstd' }), steps: 2000, keys: 250 },
  { name: 'no filter, no cache, manual compaction', options: () => ({ ...tiny(), filter: false, blockCacheBytes: 0, autoCompaction: false }), steps: 1500, keys: 150 },
  // Jobs in flight: a seeded scheduler starts each flush and compaction, and installs its
  // result, at random later calls, so writes, reads, snapshots, iterators, flush(),
  // compact() and reopen all meet jobs that are waiting, running or finished but not installed.
  { name: 'jobs in flight (seeded scheduler), leveled', options: tiny, steps: 3000, keys: 300, scheduled: true },
  {
    name: 'jobs in flight (seeded scheduler, simulated worker), kv separation, encrypted, dictionaries',
    options: () => ({
      ...tinyBlobs(0.3),
      encryption: { key: new Uint8Array(32).fill(0x17) },
      compression: { type: 'zstd', dictionary: { maxBytes: 256, sampleBytes: 3000 } },
      kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio: 0.3, blobFileBytes: 4096, compression: 'zstd' },
    }),
    steps: 1500,
    keys: 200,
    blobThreshold: BLOB_THRESHOLD,
    scheduled: true,
    simulateWorker: true,
  },
  {
    name: 'jobs in flight (seeded scheduler, simulated worker), size-tiered, no WAL',
    options: () => ({ ...tiny(), wal: false, compaction: new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 6 }) }),
    steps: 1500,
    keys: 250,
    scheduled: true,
    simulateWorker: true,
  },
  // Real threads: the worker runner on NodeFs, results installed whenever they arrive.
  { name: 'worker threads on NodeFs, leveled', options: tiny, steps: 1500, keys: 250, worker: true },
  {
    name: 'worker threads on NodeFs, kv separation, encrypted',
    options: () => ({ ...tinyBlobs(0.3), encryption: { key: new Uint8Array(32).fill(0x5a) } }),
    steps: 1200,
    keys: 200,
    blobThreshold: BLOB_THRESHOLD,
    worker: true,
  },
];

const SEEDS = process.env.MODEL_SEED ? [Number(process.env.MODEL_SEED)] : [1, 2, 3, 4];

function runModel(config: ModelConfig, seed: number): void {
  withStoreLocation(config.worker === true, 'lsm-model-', (fs, dir) => runModelIn(config, seed, fs, dir));
}

function runModelIn(config: ModelConfig, seed: number, fs: Fs, dir: string): void {
  const rng = new Rng(seed);
  const mergeOperator = appendWithSeparator('+');
  const opts: TreeOptions = { ...config.options(), fs, mergeOperator, ...(config.scheduled === true ? { jobScheduler: new JobScheduler(seed, 0.15, 0.15, { simulateWorker: config.simulateWorker === true }) } : {}) };
  let tree = Tree.open(dir, opts);
  const oracle = new Oracle((k, e, o) => mergeOperator.merge(k, e, o));
  const snaps: { snap: Snapshot; seqno: number }[] = [];
  const randKey = (): Uint8Array => keyOf(rng.int(config.keys));
  const t = config.blobThreshold;
  // With separation: sizes around the threshold (t - 2 .. t + 2), small and large.
  const randValue = (): Uint8Array => {
    if (t === undefined) return valueOf(rng, rng.chance(0.05) ? 3000 : rng.int(60));
    const x = rng.next();
    return valueOf(rng, x < 0.4 ? rng.int(60) : x < 0.8 ? t - 2 + rng.int(5) : t + rng.int(3000));
  };
  let blobFilesSeen = 0;
  let rewritten = 0; // values moved by blob GC, summed over reopens
  let step = 0;
  let work = 0; // flushes + compactions, summed over reopens (stats count since open)
  let jobsOnWorker = 0;
  let stepsWithJobsInFlight = 0;
  const where = () => `seed ${seed}, config '${config.name}', step ${step}`;

  const checkRange = (lo: number | undefined, hi: number | undefined, reverse: boolean, limit: number | undefined, at?: { snap: Snapshot; seqno: number }) => {
    const o: Parameters<Tree['range']>[0] = { reverse };
    const loInc = rng.chance(0.5);
    const hiInc = rng.chance(0.5);
    if (lo !== undefined) o[loInc ? 'gte' : 'gt'] = keyOf(lo);
    if (hi !== undefined) o[hiInc ? 'lte' : 'lt'] = keyOf(hi);
    if (limit !== undefined) o.limit = limit;
    const got = [...(at ? at.snap.range(o) : tree.range(o))].map(([k, v]) => `${hex(k)}=${hex(v)}`);
    const want = oracle
      .scan(at?.seqno ?? oracle.seqno, lo === undefined ? undefined : keyOf(lo), loInc, hi === undefined ? undefined : keyOf(hi), hiInc, reverse, limit)
      .map(([k, v]) => `${hex(k)}=${hex(v)}`);
    expect(got, `range ${JSON.stringify({ lo, hi, loInc, hiInc, reverse, limit, snap: at?.seqno })} at ${where()}`).toEqual(want);
  };

  /**
   * Commits a batch: it takes exactly one seqno, its operations apply in order at that
   * seqno (the oracle applies `apply` in order), and reads as of the seqno before it see
   * none of it while reads as of its seqno see all of it (batch atomicity for reads as of
   * a seqno: every key it touched, and a scan over their span as of the seqno before).
   * Three reads in all, so the seeded scheduler is polled as little as before.
   */
  const commitBatch = (b: ReturnType<Tree['batch']>, apply: ((s: number) => void)[], touched: Uint8Array[], opts?: { sync: boolean }) => {
    const before = oracle.seqno;
    const seq = b.commit(opts);
    expect(seq, `batch seqno at ${where()}`).toBe(before + 1);
    for (const f of apply) f(seq);
    expect(tree.seqno, where()).toBe(seq);
    for (const at of [seq - 1, seq]) {
      const got = tree.multiGet(touched, { seqno: at }).map((v) => v && hex(v));
      const want = touched.map((k) => oracle.get(k, at)).map((v) => v && hex(v));
      expect(got, `keys ${touched.map(hex).join(' ')} as of seqno ${at} (batch at ${seq}) at ${where()}`).toEqual(want);
    }
    const ids = touched.map((k) => Number(new TextDecoder().decode(k).slice(4)));
    const lo = keyOf(Math.min(...ids));
    const hi = keyOf(Math.max(...ids) + 3);
    const reverse = step % 2 === 1;
    const got = [...tree.range({ gte: lo, lt: hi, seqno: seq - 1, reverse })].map(([k, v]) => `${hex(k)}=${hex(v)}`);
    const want = oracle.scan(seq - 1, lo, true, hi, false, reverse, undefined).map(([k, v]) => `${hex(k)}=${hex(v)}`);
    expect(got, `range as of seqno ${seq - 1} (batch at ${seq}) at ${where()}`).toEqual(want);
  };

  const randSpan = (): [number, number] => {
    const a = rng.int(config.keys);
    return [a, a + (rng.chance(0.8) ? 1 + rng.int(12) : rng.int(config.keys))];
  };

  for (step = 0; step < config.steps; step++) {
    if (config.scheduled === true && tree.stats().jobs.running > 0) stepsWithJobsInFlight++;
    const r = rng.next();
    const x = rng.next();
    if (x < 0.06) {
      // Range deletions, prefix deletions and merge operands, alone and in batches.
      if (x < 0.012) {
        const [a, b] = randSpan();
        oracle.deleteRange(keyOf(a), keyOf(b), tree.deleteRange(keyOf(a), keyOf(b)));
      } else if (x < 0.016) {
        // Keys are "key-" + 6 digits: a 9-byte prefix picks a block of 100 keys.
        const p = keyOf(rng.int(config.keys)).subarray(0, 9);
        oracle.deletePrefix(p, tree.deletePrefix(p));
      } else if (x < 0.05) {
        const k = randKey();
        const v = valueOf(rng, rng.int(6));
        oracle.merge(k, v, tree.merge(k, v));
      } else {
        // Batches that write a few keys several times: merges fold in order (onto a value
        // the batch wrote, or onto the key's value before the batch), range deletions
        // delete the batch's earlier writes in their range but not its later ones.
        const b = tree.batch();
        const apply: ((s: number) => void)[] = [];
        const touched: Uint8Array[] = [];
        const pool = [randKey(), randKey(), randKey()];
        for (let i = 1 + rng.int(6); i > 0; i--) {
          const k = rng.chance(0.6) ? pool[rng.int(pool.length)]! : randKey();
          touched.push(k);
          const c = rng.next();
          if (c < 0.4) {
            const v = valueOf(rng, rng.int(6));
            b.merge(k, v);
            apply.push((s) => oracle.merge(k, v, s));
          } else if (c < 0.55) {
            const [a, hi] = rng.chance(0.5) ? randSpan() : [Number(new TextDecoder().decode(k).slice(4)), Number(new TextDecoder().decode(k).slice(4)) + 1 + rng.int(3)];
            b.deleteRange(keyOf(a), keyOf(hi));
            apply.push((s) => oracle.deleteRange(keyOf(a), keyOf(hi), s));
          } else if (c < 0.65) {
            b.delete(k);
            apply.push((s) => oracle.del(k, s));
          } else {
            const v = randValue();
            b.put(k, v);
            apply.push((s) => oracle.put(k, v, s));
          }
        }
        commitBatch(b, apply, touched);
      }
    } else if (r < 0.3) {
      const k = randKey();
      const v = randValue();
      const s = tree.put(k, v);
      oracle.put(k, v, s);
    } else if (r < 0.38) {
      const k = randKey();
      oracle.del(k, tree.delete(k));
    } else if (r < 0.42) {
      const k = randKey();
      if (oracle.weakDeleteSafe(k)) oracle.del(k, tree.deleteWeak(k), true);
    } else if (r < 0.5) {
      const b = tree.batch();
      const apply: ((s: number) => void)[] = [];
      const touched: Uint8Array[] = [];
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const k = i > 0 && rng.chance(0.15) ? touched[rng.int(touched.length)]! : randKey();
        touched.push(k);
        if (rng.chance(0.8)) {
          const v = randValue();
          b.put(k, v);
          apply.push((s) => oracle.put(k, v, s));
        } else {
          b.delete(k);
          apply.push((s) => oracle.del(k, s));
        }
      }
      commitBatch(b, apply, touched, { sync: rng.chance(0.1) });
    } else if (r < 0.62) {
      const k = randKey();
      const at = snaps.length > 0 && rng.chance(0.3) ? snaps[rng.int(snaps.length)]! : undefined;
      const got = at ? at.snap.get(k) : tree.get(k);
      const want = oracle.get(k, at?.seqno ?? oracle.seqno);
      expect(got && hex(got), `get ${hex(k)} (snapshot ${at?.seqno}) at ${where()}`).toBe(want && hex(want));
    } else if (r < 0.65) {
      const ks = Array.from({ length: 1 + rng.int(6) }, randKey);
      const got = tree.multiGet(ks).map((v) => v && hex(v));
      expect(got, `multiGet at ${where()}`).toEqual(ks.map((k) => oracle.get(k, oracle.seqno)).map((v) => v && hex(v)));
    } else if (r < 0.72) {
      const a = rng.chance(0.8) ? rng.int(config.keys) : undefined;
      const b = rng.chance(0.8) ? rng.int(config.keys) : undefined;
      const [lo, hi] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
      const at = snaps.length > 0 && rng.chance(0.3) ? snaps[rng.int(snaps.length)]! : undefined;
      checkRange(lo, hi, rng.chance(0.5), rng.chance(0.3) ? rng.int(20) : undefined, at);
    } else if (r < 0.74) {
      // Prefix scans: keys are "key-" + 6 digits, so an 8-byte prefix picks a block of 100 keys.
      const p = keyOf(rng.int(config.keys)).subarray(0, 8);
      const reverse = rng.chance(0.5);
      const got = [...tree.prefix(p, { reverse })].map(([k, v]) => `${hex(k)}=${hex(v)}`);
      const want = oracle.prefix(oracle.seqno, p, reverse).map(([k, v]) => `${hex(k)}=${hex(v)}`);
      expect(got, `prefix ${hex(p)} at ${where()}`).toEqual(want);
    } else if (r < 0.77) {
      if (snaps.length < 6) snaps.push({ snap: tree.snapshot(), seqno: oracle.seqno });
    } else if (r < 0.79) {
      if (snaps.length > 0) snaps.splice(rng.int(snaps.length), 1)[0]!.snap.release();
    } else if (r < 0.81) {
      // An iterator held open across writes, a flush and a compaction sees the store as of its creation.
      const want = oracle.scan(oracle.seqno, undefined, true, undefined, false, false, undefined).map(([k, v]) => `${hex(k)}=${hex(v)}`);
      const it = tree.range();
      const first = it.next();
      for (let i = 0; i < 20; i++) {
        const k = randKey();
        const v = randValue();
        oracle.put(k, v, tree.put(k, v));
        // Point reads while the iterator is positioned: with a small block cache they evict
        // (and recycle) blocks, never the one the iterator stands in.
        const g = randKey();
        const gv = tree.get(g);
        const gw = oracle.get(g, oracle.seqno);
        expect(gv && hex(gv), `get ${hex(g)} beside an open iterator at ${where()}`).toBe(gw && hex(gw));
      }
      if (rng.chance(0.5)) tree.flush();
      if (rng.chance(0.25) && config.noCompact !== true) tree.compact();
      const got = first.done ? [] : [`${hex(first.value[0])}=${hex(first.value[1])}`];
      for (const [k, v] of it) got.push(`${hex(k)}=${hex(v)}`);
      expect(got, `iterator consistency at ${where()}`).toEqual(want);
    } else if (r < 0.83) {
      tree.flush();
    } else if (r < 0.84) {
      if (config.noCompact === true) tree.flush();
      else tree.compact();
    } else if (r < 0.86) {
      for (const s of snaps) s.snap.release();
      snaps.length = 0;
      const st = tree.stats();
      work += st.flushes + st.compactions;
      jobsOnWorker += st.jobs.onWorker;
      blobFilesSeen = Math.max(blobFilesSeen, st.blobs.files);
      rewritten += st.blobs.gcValuesRewritten;
      tree.close();
      tree = Tree.open(dir, t !== undefined && rng.chance(0.2) ? { ...opts, kvSeparation: false } : opts);
      expect(tree.seqno, `seqno after reopen at ${where()}`).toBe(oracle.seqno);
    } else {
      const k = randKey();
      const v = randValue();
      oracle.put(k, v, tree.put(k, v));
    }
    if (step % 250 === 249) checkRange(undefined, undefined, false, undefined);
  }
  checkRange(undefined, undefined, false, undefined);
  checkRange(undefined, undefined, true, undefined);
  const stats = tree.stats();
  work += stats.flushes + stats.compactions;
  jobsOnWorker += stats.jobs.onWorker;
  blobFilesSeen = Math.max(blobFilesSeen, stats.blobs.files);
  rewritten += stats.blobs.gcValuesRewritten;
  tree.close();
  // The configuration must actually have exercised flushes and compactions.
  expect(work, where()).toBeGreaterThan(10);
  if (config.worker === true || config.simulateWorker === true) expect(jobsOnWorker, `${where()}: no job ran on a worker`).toBeGreaterThan(10);
  // The scheduler must really have kept jobs in flight across foreground operations.
  if (config.scheduled === true) expect(stepsWithJobsInFlight, `${where()}: jobs were never in flight`).toBeGreaterThan(40);
  if (t !== undefined) {
    expect(blobFilesSeen, where()).toBeGreaterThan(0);
    expect(rewritten, `${where()}: blob GC never ran`).toBeGreaterThan(0);
    // Reopened, the store holds exactly the oracle's contents.
    tree = Tree.open(dir, opts);
    checkRange(undefined, undefined, false, undefined);
    tree.close();
  }
}

describe('model-based randomized test', () => {
  for (const config of CONFIGS) {
    for (const seed of SEEDS) {
      it(`${config.name}, seed ${seed}`, () => {
        try {
          runModel(config, seed);
        } catch (err) {
          (err as Error).message = `[replay with MODEL_SEED=${seed}] ${(err as Error).message}`;
          throw err;
        }
      });
    }
  }
});
