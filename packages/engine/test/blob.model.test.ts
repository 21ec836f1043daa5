// Model-based randomized test with K/V separation on (issue 8): the engine's model test
// (seeded random puts, deletes, single deletes, batches, gets, multiGets, ranges both ways
// with bounds and limits, prefix scans, snapshots, iterators held across flushes and
// compactions, flush, compact, close and reopen -- sometimes reopened with separation
// off) with values whose sizes sit around the separation threshold, tiny blob files and
// several GC ratios, so values are separated, collected and dropped all the time (also in
// an encrypted store whose blob files train zstd dictionaries). Every
// read is checked against the oracle when it happens. MODEL_SEED=<seed> replays a seed.

import { Leveled } from '@lsm/compaction';
import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { type Snapshot, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf } from './helpers.js';

interface ModelConfig {
  name: string;
  options: () => TreeOptions;
  steps: number;
  keys: number;
}

/** Values of at least this many bytes are separated. */
const THRESHOLD = 200;

const tiny = (gcRatio: number): TreeOptions => ({
  memtableBytes: 8192,
  blockSize: 256,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 6, levelBaseBytes: 16 * 1024, levelMultiplier: 4, targetTableSize: 8 * 1024 }),
  kvSeparation: { minValueSize: THRESHOLD, gcRatio, blobFileBytes: 4096 },
});

const CONFIGS: ModelConfig[] = [
  { name: 'kv separation, gcRatio 0.5', options: () => tiny(0.5), steps: 2500, keys: 250 },
  { name: 'kv separation, gcRatio 0.1, zstd blobs, no WAL', options: () => ({ ...tiny(0.1), wal: false, kvSeparation: { minValueSize: THRESHOLD, gcRatio: 0.1, blobFileBytes: 4096, compression: 'zstd' } }), steps: 1500, keys: 200 },
  { name: 'kv separation, gcRatio 0.3, manual compaction, no cache', options: () => ({ ...tiny(0.3), blockCacheBytes: 0, autoCompaction: false }), steps: 1500, keys: 150 },
  {
    // Every new blob file holds back its first values (and the table entries meanwhile) to
    // train a dictionary: the hold-back must never reorder, lose or misdirect an entry.
    name: 'kv separation, encrypted, zstd blobs with dictionaries',
    options: () => ({
      ...tiny(0.3),
      encryption: { key: new Uint8Array(32).fill(0x42) },
      compression: { type: 'zstd', dictionary: { maxBytes: 256, sampleBytes: 3000 } },
      kvSeparation: { minValueSize: THRESHOLD, gcRatio: 0.3, blobFileBytes: 4096, compression: 'zstd' },
    }),
    steps: 1500,
    keys: 200,
  },
];

const SEEDS = process.env.MODEL_SEED ? [Number(process.env.MODEL_SEED)] : [1, 2, 3];

function runModel(config: ModelConfig, seed: number): void {
  const rng = new Rng(seed);
  const fs = new MemFs();
  const dir = '/db';
  const opts = { ...config.options(), fs };
  let tree = Tree.open(dir, opts);
  const oracle = new Oracle();
  const snaps: { snap: Snapshot; seqno: number }[] = [];
  const randKey = (): Uint8Array => keyOf(rng.int(config.keys));
  // Sizes around the separation threshold (THRESHOLD - 2 .. THRESHOLD + 2), small and large.
  const randValue = (): Uint8Array => {
    const r = rng.next();
    return valueOf(rng, r < 0.4 ? rng.int(60) : r < 0.8 ? THRESHOLD - 2 + rng.int(5) : THRESHOLD + rng.int(3000));
  };
  let step = 0;
  let work = 0; // flushes + compactions, summed over reopens (stats count since open)
  let blobFilesSeen = 0;
  let rewritten = 0; // values moved by blob GC, summed over reopens
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

  for (step = 0; step < config.steps; step++) {
    const r = rng.next();
    if (r < 0.3) {
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
      const ops: [Uint8Array, Uint8Array | undefined][] = [];
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const k = randKey();
        if (rng.chance(0.8)) {
          const v = randValue();
          b.put(k, v);
          ops.push([k, v]);
        } else {
          b.delete(k);
          ops.push([k, undefined]);
        }
      }
      const last = b.commit({ sync: rng.chance(0.1) });
      let s = last - ops.length + 1;
      for (const [k, v] of ops) {
        if (v === undefined) oracle.del(k, s++);
        else oracle.put(k, v, s++);
      }
      expect(last, where()).toBe(oracle.seqno);
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
      }
      if (rng.chance(0.5)) tree.flush();
      if (rng.chance(0.25)) tree.compact();
      const got = first.done ? [] : [`${hex(first.value[0])}=${hex(first.value[1])}`];
      for (const [k, v] of it) got.push(`${hex(k)}=${hex(v)}`);
      expect(got, `iterator consistency at ${where()}`).toEqual(want);
    } else if (r < 0.83) {
      tree.flush();
    } else if (r < 0.84) {
      tree.compact();
    } else if (r < 0.86) {
      for (const s of snaps) s.snap.release();
      snaps.length = 0;
      const st = tree.stats();
      work += st.flushes + st.compactions;
      blobFilesSeen = Math.max(blobFilesSeen, st.blobs.files);
      rewritten += st.blobs.gcValuesRewritten;
      tree.close();
      // Now and then without separation: pointers written before must still read back.
      tree = Tree.open(dir, rng.chance(0.2) ? { ...opts, kvSeparation: false } : opts);
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
  blobFilesSeen = Math.max(blobFilesSeen, stats.blobs.files);
  rewritten += stats.blobs.gcValuesRewritten;
  tree.close();
  // The configuration must actually have exercised flushes, compactions and blob files.
  expect(work, where()).toBeGreaterThan(10);
  expect(blobFilesSeen, where()).toBeGreaterThan(0);
  expect(rewritten, `${where()}: blob GC never ran`).toBeGreaterThan(0);
  // Reopened, the store holds exactly the oracle's contents.
  tree = Tree.open(dir, opts);
  checkRange(undefined, undefined, false, undefined);
  tree.close();
}

describe('model-based randomized test with K/V separation', () => {
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
