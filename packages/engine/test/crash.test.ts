// Crash tests. The store runs on FaultFs over CrashFs over MemFs. A FaultFs rule fires at
// a random operation (a write, fsync, rename, directory fsync, open or remove, so often
// inside a flush, a compaction or a manifest update): that is where the process dies.
// CrashFs then drops everything that was not durable (torn writes and directory
// durability on), and the store is reopened on what is left. It must open, and hold
// exactly the writes up to some seqno R (a prefix: a batch is all or nothing) where R is
// at least the last write acknowledged as durable and at most the last write attempted.
// Seeds are printed on failure; CRASH_SEED=<seed> replays one.

import { Leveled, appendWithSeparator } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { FaultFs, type FaultOp, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf } from './helpers.js';

const KILL_OPS: FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove'];

const mergeOperator = appendWithSeparator('|');

const options = (fs: FaultFs, rng: Rng): TreeOptions => ({
  fs,
  mergeOperator,
  memtableBytes: 2048 + rng.int(4096),
  blockSize: 256,
  compression: rng.chance(0.3) ? 'zstd' : 'none',
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 8 * 1024, levelMultiplier: 4, targetTableSize: 4 * 1024 }),
});

/** Every key's visible value, as "key=value" lines. */
function contents(tree: Tree): string[] {
  return [...tree.range()].map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

function expected(oracle: Oracle, seq: number): string[] {
  return oracle.scan(seq, undefined, true, undefined, false, false, undefined).map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

/** What a crash run varies: extra options (from the run's generator), and how values are made. */
interface CrashVariant {
  extra?: (rng: Rng) => Partial<TreeOptions>;
  value?: (rng: Rng) => Uint8Array;
}

/** K/V separation threshold of the blob variant: values straddle it. */
const BLOB_THRESHOLD = 150;
const blobVariant: CrashVariant = {
  extra: (rng) => ({
    kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio: [0.2, 0.5][rng.int(2)]!, blobFileBytes: 2048 + rng.int(8192), compression: rng.chance(0.3) ? 'zstd' : 'none' },
  }),
  value: (rng) => {
    const r = rng.next();
    return valueOf(rng, r < 0.4 ? rng.int(60) : r < 0.7 ? BLOB_THRESHOLD - 2 + rng.int(5) : BLOB_THRESHOLD + rng.int(600));
  },
};

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
let serial = 0;
/** Encrypted store, zstd blob values with per-blob-file dictionaries, document-like values (a dictionary pays on them). */
const encryptedDictionaryVariant: CrashVariant = {
  extra: (rng) => {
    const kv = blobVariant.extra!(rng).kvSeparation as object;
    return {
      encryption: { key: new Uint8Array(32).fill(0x77) },
      compression: { type: 'zstd', dictionary: { maxBytes: 512, sampleBytes: 2048 } },
      kvSeparation: { ...kv, compression: 'zstd' },
    };
  },
  value: (rng) => {
    const r = rng.next();
    const len = r < 0.4 ? rng.int(60) : r < 0.7 ? BLOB_THRESHOLD - 2 + rng.int(5) : BLOB_THRESHOLD + rng.int(600);
    let s = `{"n":${serial++}`;
    while (s.length < len) s += `,"${WORDS[rng.int(WORDS.length)]}":"${WORDS[rng.int(WORDS.length)]}"`;
    return new TextEncoder().encode(s.slice(0, len));
  },
};

function runCrashRounds(
  seed: number,
  rounds: number,
  variant: CrashVariant = {},
): { crashes: number; kills: number; blobFiles: number; dictionaryFiles: number } {
  const rng = new Rng(seed);
  const crashFs = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
  let faultFs = new FaultFs(crashFs);
  const opts = { ...options(faultFs, rng), ...variant.extra?.(rng) };
  const randValue = variant.value ?? ((r: Rng) => valueOf(r, r.int(80)));
  let blobFiles = 0;
  let dictionaryFiles = 0;
  let tree = Tree.open('/db', { ...opts, fs: faultFs });
  const oracle = new Oracle((k, e, o) => mergeOperator.merge(k, e, o));
  let durable = 0; // every write <= this was acknowledged durable
  let kills = 0;
  for (let round = 0; round < rounds; round++) {
    const where = (what: string) => `seed ${seed}, round ${round}: ${what}`;
    // Arm the kill: die at the n-th matching operation from now (or at a clean point).
    const op = KILL_OPS[rng.int(KILL_OPS.length)]!;
    const rule = rng.chance(0.85) ? faultFs.addRule({ op, after: rng.int(op === 'write' ? 120 : 25), fault: { type: 'error', code: 'EIO' } }) : undefined;
    const batchEnds = new Set<number>([oracle.seqno]);
    for (let i = 0; i < 400; i++) {
      if (rule !== undefined && rule.fired > 0) break;
      const r = rng.next();
      const first = tree.seqno + 1;
      try {
        if (r < 0.55) {
          const k = keyOf(rng.int(120));
          const v = randValue(rng);
          const sync = rng.chance(0.1);
          oracle.put(k, v, first);
          const s = tree.put(k, v, { sync });
          batchEnds.add(s);
          if (sync) durable = s;
        } else if (r < 0.62) {
          const k = keyOf(rng.int(120));
          oracle.del(k, first);
          batchEnds.add(tree.delete(k));
        } else if (r < 0.65) {
          // Range deletions (in the memtable, in tables, in compactions when they run).
          const a = rng.int(120);
          const b = a + 1 + rng.int(rng.chance(0.8) ? 10 : 120);
          oracle.deleteRange(keyOf(a), keyOf(b), first);
          batchEnds.add(tree.deleteRange(keyOf(a), keyOf(b)));
        } else if (r < 0.7) {
          const k = keyOf(rng.int(120));
          const v = valueOf(rng, 1 + rng.int(4));
          oracle.merge(k, v, first);
          batchEnds.add(tree.merge(k, v));
        } else if (r < 0.85) {
          const b = tree.batch();
          const n = 2 + rng.int(6);
          for (let j = 0; j < n; j++) {
            const k = keyOf(rng.int(120));
            // One seqno for the whole batch; the oracle applies its operations in order
            // (a key written twice, merges folded at commit, range deletions over earlier writes).
            const c = rng.next();
            if (c < 0.65) {
              const v = randValue(rng);
              b.put(k, v);
              oracle.put(k, v, first);
            } else if (c < 0.8) {
              b.delete(k);
              oracle.del(k, first);
            } else if (c < 0.92) {
              const v = valueOf(rng, 1 + rng.int(4));
              b.merge(k, v);
              oracle.merge(k, v, first);
            } else {
              const a = rng.int(120);
              const e = a + 1 + rng.int(10);
              b.deleteRange(keyOf(a), keyOf(e));
              oracle.deleteRange(keyOf(a), keyOf(e), first);
            }
          }
          const sync = rng.chance(0.15);
          const s = b.commit({ sync });
          batchEnds.add(s);
          if (sync) durable = s;
        } else if (r < 0.9) {
          tree.flush();
          durable = tree.seqno;
        } else if (r < 0.93) {
          tree.compact();
          durable = tree.seqno;
        } else if (r < 0.96) {
          tree.sync();
          durable = tree.seqno;
        } else {
          const k = keyOf(rng.int(120));
          expect(tree.get(k)?.slice(), where('read before the crash')).toEqual(oracle.get(k, tree.seqno));
        }
      } catch (err) {
        if (rule === undefined || rule.fired === 0) throw err;
        // The in-flight operation met the kill: it may or may not have been applied.
        const s = tree.seqno;
        batchEnds.add(s);
        if (oracle.seqno > s) batchEnds.add(oracle.seqno);
        break;
      }
    }
    if (rule !== undefined && rule.fired > 0) kills++;
    const attempted = oracle.seqno;
    dictionaryFiles += tree.stats().blobs.dictionaryFiles;
    // Power loss: the tree object is abandoned, not closed.
    crashFs.crash();
    faultFs = new FaultFs(crashFs);
    try {
      tree = Tree.open('/db', { ...opts, fs: faultFs });
    } catch (err) {
      throw new Error(where(`reopen failed after the crash: ${(err as Error).message}`), { cause: err });
    }
    const r = tree.seqno;
    blobFiles = Math.max(blobFiles, tree.stats().blobs.files);
    expect(r, where('recovered seqno below the last durable write')).toBeGreaterThanOrEqual(durable);
    expect(r, where('recovered seqno above the last attempted write')).toBeLessThanOrEqual(attempted);
    expect(batchEnds.has(r), where(`recovered seqno ${r} is inside a batch`)).toBe(true);
    expect(contents(tree), where(`contents differ from the writes up to seqno ${r}`)).toEqual(expected(oracle, r));
    oracle.truncateAfter(r);
    durable = r; // recovery made everything it kept durable
  }
  tree.close();
  return { crashes: rounds, kills, blobFiles, dictionaryFiles };
}

const SEEDS = process.env.CRASH_SEED ? [Number(process.env.CRASH_SEED)] : Array.from({ length: 12 }, (_, i) => i + 1);

describe('crash recovery (FaultFs kill points over CrashFs)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: 8 crashes, every durable write survives, nothing half-applied`, () => {
      try {
        const { kills } = runCrashRounds(seed, 8);
        expect(kills).toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }

  // Encrypted stores (the header of every new log and manifest, and sealed records and
  // blocks) under the same kill points, with and without zstd.
  for (const seed of SEEDS) {
    const compression = seed % 2 === 0 ? 'zstd' : 'none';
    it(`seed ${seed}, encrypted, ${compression}: 8 crashes, every durable write survives`, () => {
      try {
        const { kills } = runCrashRounds(seed + 1000, 8, { extra: () => ({ encryption: { key: new Uint8Array(32).fill(seed) }, compression }) });
        expect(kills).toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[encrypted; replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }

  // K/V separation: kills often land inside a flush writing blob files, a compaction
  // collecting them, or the manifest edit recording them; nothing a pointer names may be
  // missing after recovery. Values straddle the separation threshold.
  for (const seed of SEEDS.slice(0, 10)) {
    it(`seed ${seed}, blob files in flight: 8 crashes, every durable write survives`, () => {
      try {
        const { kills, blobFiles } = runCrashRounds(seed + 2000, 8, blobVariant);
        expect(kills).toBeGreaterThan(0);
        expect(blobFiles, 'no blob file ever survived a crash').toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[blob files; replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }

  // Encrypted, with blob-file dictionaries: a kill while a blob file's first values are
  // held back for training loses nothing acknowledged.
  for (const seed of SEEDS.slice(0, 4)) {
    it(`seed ${seed}, encrypted, blob-file dictionaries: 8 crashes, every durable write survives`, () => {
      try {
        const { kills, blobFiles, dictionaryFiles } = runCrashRounds(seed + 100, 8, encryptedDictionaryVariant);
        expect(kills).toBeGreaterThan(0);
        expect(blobFiles, 'no blob file ever survived a crash').toBeGreaterThan(0);
        expect(dictionaryFiles, 'no blob file was written with a dictionary').toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[encrypted dictionaries; replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }

  // Jobs in flight: a seeded scheduler starts each flush and compaction, and installs its
  // result, at random later calls. Kills land in a job that runs while writes go on, and
  // power is cut while jobs wait, run, or have finished with their result not installed.
  // Seeds 1 mod 3 simulate the worker (flushes from the memtable's image, obsolete files
  // removed by jobs that may not have run when the power goes).
  for (const seed of SEEDS) {
    it(`seed ${seed}, jobs in flight (seeded scheduler${seed % 3 === 1 ? ', simulated worker' : ''}): 8 crashes, every durable write survives`, () => {
      try {
        const scheduler = (): JobScheduler => new JobScheduler(seed, 0.15, 0.15, { simulateWorker: seed % 3 === 1 });
        const variant: CrashVariant = seed % 3 === 0 ? { extra: (rng) => ({ ...blobVariant.extra!(rng), jobScheduler: scheduler() }), value: blobVariant.value! } : { extra: () => ({ jobScheduler: scheduler() }) };
        const { kills } = runCrashRounds(seed + 3000, 8, variant);
        expect(kills).toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[jobs in flight; replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }

  it('a clean crash between writes loses exactly the unsynced tail', () => {
    const crashFs = new CrashFs(new MemFs(), { tornWrites: false });
    let tree = Tree.open('/db', { fs: crashFs });
    tree.put('a', '1', { sync: true });
    tree.put('b', '2');
    crashFs.crash();
    tree = Tree.open('/db', { fs: crashFs });
    expect(new TextDecoder().decode(tree.get('a'))).toBe('1');
    expect(tree.get('b')).toBeUndefined();
    expect(tree.seqno).toBe(1);
    tree.close();
  });

  it('keeps writes made durable by flush() without a WAL', () => {
    const crashFs = new CrashFs(new MemFs());
    let tree = Tree.open('/db', { fs: crashFs, wal: false });
    tree.put('a', '1');
    tree.flush();
    tree.put('b', '2');
    crashFs.crash();
    tree = Tree.open('/db', { fs: crashFs, wal: false });
    expect(new TextDecoder().decode(tree.get('a'))).toBe('1');
    expect(tree.get('b')).toBeUndefined();
    tree.close();
  });
});
