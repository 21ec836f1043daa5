// Crash and fault tests with K/V separation on (issue 8): the engine's crash test (a
// FaultFs kill at a random write, fsync, rename, directory fsync, open or remove --
// often inside a flush writing blob files, a compaction collecting them, or the manifest
// edit recording them -- then a CrashFs power loss, torn writes and directory durability
// on) and its fault test (one injected EIO/ENOSPC, the store must report LSM_IO and stay
// consistent), with values around the separation threshold and tiny blob files. After a
// crash the store holds exactly the writes up to some acknowledged-durable-or-later batch
// end; nothing a pointer names is ever missing. The crash rounds also run on encrypted
// stores whose blob files train zstd dictionaries (document-like values, so they pay):
// a kill while a blob file's first values are held back for training loses nothing
// acknowledged. CRASH_SEED / FAULT_SEED replay one seed.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { FaultFs, type FaultOp, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf } from './helpers.js';

const KILL_OPS: FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove'];
const OPS = KILL_OPS;
const PATHS = ['.blob', '.blob', '.sst', '.log', 'MANIFEST', undefined];
const THRESHOLD = 150;

/** Small values, values right around the threshold, and large ones. */
function randValue(rng: Rng): Uint8Array {
  const r = rng.next();
  return valueOf(rng, r < 0.4 ? rng.int(60) : r < 0.7 ? THRESHOLD - 2 + rng.int(5) : THRESHOLD + rng.int(600));
}

const options = (fs: FaultFs, rng: Rng): TreeOptions => ({
  fs,
  memtableBytes: 4096 + rng.int(8192),
  blockSize: 256,
  compression: rng.chance(0.3) ? 'zstd' : 'none',
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 8 * 1024, levelMultiplier: 4, targetTableSize: 4 * 1024 }),
  kvSeparation: { minValueSize: THRESHOLD, gcRatio: [0.2, 0.5][rng.int(2)]!, blobFileBytes: 2048 + rng.int(8192), compression: rng.chance(0.3) ? 'zstd' : 'none' },
});
const tinyOptions = options;

/** How a crash run differs from the plain one: extra options and the values written. */
interface Variant {
  options: (o: TreeOptions) => TreeOptions;
  value: (rng: Rng) => Uint8Array;
}

const PLAIN: Variant = { options: (o) => o, value: randValue };

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
let serial = 0;
/** Document-like values around the threshold and above: a dictionary pays on them. */
function docValue(rng: Rng): Uint8Array {
  const r = rng.next();
  const len = r < 0.4 ? rng.int(60) : r < 0.7 ? THRESHOLD - 2 + rng.int(5) : THRESHOLD + rng.int(600);
  let s = `{"n":${serial++}`;
  while (s.length < len) s += `,"${WORDS[rng.int(WORDS.length)]}":"${WORDS[rng.int(WORDS.length)]}"`;
  return new TextEncoder().encode(s.slice(0, len));
}

/** Encrypted store, zstd blob values with per-blob-file dictionaries. */
const ENCRYPTED_DICTIONARY: Variant = {
  options: (o) => ({
    ...o,
    encryption: { key: new Uint8Array(32).fill(0x77) },
    compression: { type: 'zstd', dictionary: { maxBytes: 512, sampleBytes: 2048 } },
    kvSeparation: { ...(o.kvSeparation as object), compression: 'zstd' },
  }),
  value: docValue,
};

/** Every key's visible value, as "key=value" lines. */
function contents(tree: Tree): string[] {
  return [...tree.range()].map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

function expected(oracle: Oracle, seq: number): string[] {
  return oracle.scan(seq, undefined, true, undefined, false, false, undefined).map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

const lines = (pairs: Iterable<[Uint8Array, Uint8Array]>): string[] => [...pairs].map(([k, v]) => `${hex(k)}=${hex(v)}`);
const want = (o: Oracle, seq: number): string[] => lines(o.scan(seq, undefined, true, undefined, false, false, undefined));

function runCrashRounds(seed: number, rounds: number, variant = PLAIN): { crashes: number; kills: number; blobFiles: number; dictionaryFiles: number } {
  const rng = new Rng(seed);
  const crashFs = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
  let faultFs = new FaultFs(crashFs);
  const opts = variant.options(options(faultFs, rng));
  const randValue = variant.value;
  let dictionaryFiles = 0;
  let tree = Tree.open('/db', { ...opts, fs: faultFs });
  const oracle = new Oracle();
  let durable = 0; // every write <= this was acknowledged durable
  let kills = 0;
  let blobFiles = 0;
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
        } else if (r < 0.7) {
          const k = keyOf(rng.int(120));
          oracle.del(k, first);
          batchEnds.add(tree.delete(k));
        } else if (r < 0.85) {
          const b = tree.batch();
          const n = 2 + rng.int(6);
          for (let j = 0; j < n; j++) {
            const k = keyOf(rng.int(120));
            if (rng.chance(0.8)) {
              const v = randValue(rng);
              b.put(k, v);
              oracle.put(k, v, first + j);
            } else {
              b.delete(k);
              oracle.del(k, first + j);
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

function scenario(seed: number): { faults: number; errors: number } {
  const rng = new Rng(seed);
  const fs = new FaultFs(new MemFs());
  const opts = tinyOptions(fs, rng);
  let tree = Tree.open('/db', opts);
  const oracle = new Oracle();
  const failed: { seq: number; key: Uint8Array; value: Uint8Array }[] = [];
  let errors = 0;
  const where = (s: string) => `seed ${seed}: ${s}`;
  const write = (): void => {
    const k = keyOf(rng.int(80));
    const v = randValue(rng);
    const first = tree.seqno + 1;
    try {
      oracle.put(k, v, tree.put(k, v, { sync: rng.chance(0.2) }));
    } catch (err) {
      expect(err, where('a failed put must be an LsmError')).toBeInstanceOf(LsmError);
      expect((err as LsmError).code, where((err as Error).message)).toBe('LSM_IO');
      errors++;
      if (tree.seqno >= first) failed.push({ seq: first, key: k, value: v });
    }
  };
  for (let i = 0; i < 150; i++) write();
  // Arm one fault, then drive flushes, compactions and writes into it.
  const op = OPS[rng.int(OPS.length)]!;
  const path = PATHS[rng.int(PATHS.length)];
  const rule = fs.addRule({ op, path, after: rng.int(6), times: 1 + rng.int(3), fault: { type: 'error', code: rng.chance(0.5) ? 'EIO' : 'ENOSPC' } });
  for (let i = 0; i < 12; i++) {
    const action = rng.int(4);
    try {
      if (action === 0) tree.flush();
      else if (action === 1) tree.compact();
      else if (action === 2) tree.sync();
      else for (let j = 0; j < 20; j++) write();
    } catch (err) {
      expect(err, where(`${op} fault: wrong error type`)).toBeInstanceOf(LsmError);
      expect((err as LsmError).code, where((err as Error).message)).toBe('LSM_IO');
      errors++;
    }
    // Readable and consistent right after the fault (a read may itself meet the armed
    // fault: that is LSM_IO too, and a retry gets through once the rule is spent).
    let contents: string[] | undefined;
    for (let attempt = 0; contents === undefined; attempt++) {
      try {
        contents = lines(tree.range());
      } catch (err) {
        expect((err as LsmError).code, where((err as Error).message)).toBe('LSM_IO');
        expect(attempt, where('reads keep failing')).toBeLessThan(5);
        errors++;
      }
    }
    expect(contents, where(`contents after a ${op} fault on ${path}`)).toEqual(want(oracle, oracle.seqno));
  }
  fs.clearRules();
  // Works on once the fault is gone.
  for (let i = 0; i < 60; i++) write();
  tree.flush();
  tree.compact();
  expect(lines(tree.range()), where('contents after the fault cleared')).toEqual(want(oracle, oracle.seqno));
  tree.close();
  tree = Tree.open('/db', opts);
  // A failed write may have reached the log, so it may reappear; anything else must match.
  const got = lines(tree.range());
  const without = want(oracle, oracle.seqno);
  const explained = (line: string): boolean => {
    const key = line.split('=')[0]!;
    return failed.some((f) => hex(f.key) === key);
  };
  for (const l of got.filter((x) => !without.includes(x))) {
    const ok = failed.some((f) => `${hex(f.key)}=${hex(f.value)}` === l);
    expect(ok, where(`after reopen, ${l} is neither acknowledged nor a failed write`)).toBe(true);
  }
  for (const l of without.filter((x) => !got.includes(x))) {
    expect(explained(l), where(`after reopen, acknowledged ${l} is missing`)).toBe(true);
  }
  tree.close();
  return { faults: rule.fired, errors };
}

const CRASH_SEEDS = process.env.CRASH_SEED ? [Number(process.env.CRASH_SEED)] : Array.from({ length: 10 }, (_, i) => i + 1);

describe('crash recovery with blob files in flight', () => {
  for (const seed of CRASH_SEEDS) {
    it(`seed ${seed}: 8 crashes, every durable write survives, nothing half-applied`, () => {
      try {
        const { kills, blobFiles } = runCrashRounds(seed, 8);
        expect(kills).toBeGreaterThan(0);
        expect(blobFiles, 'no blob file ever survived a crash').toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }
});

describe('crash recovery, encrypted store with blob-file dictionaries', () => {
  const seeds = process.env.CRASH_SEED ? [Number(process.env.CRASH_SEED)] : [101, 102, 103, 104];
  for (const seed of seeds) {
    it(`seed ${seed}: 8 crashes, every durable write survives, nothing half-applied`, () => {
      try {
        const { kills, blobFiles, dictionaryFiles } = runCrashRounds(seed, 8, ENCRYPTED_DICTIONARY);
        expect(kills).toBeGreaterThan(0);
        expect(blobFiles, 'no blob file ever survived a crash').toBeGreaterThan(0);
        expect(dictionaryFiles, 'no blob file was written with a dictionary').toBeGreaterThan(0);
      } catch (err) {
        (err as Error).message = `[replay with CRASH_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    });
  }
});

describe('I/O faults with K/V separation', () => {
  const seeds = process.env.FAULT_SEED ? [Number(process.env.FAULT_SEED)] : Array.from({ length: 30 }, (_, i) => i + 1);
  it(`${seeds.length} seeded fault scenarios report LSM_IO and stay consistent`, () => {
    let fired = 0;
    let errors = 0;
    for (const seed of seeds) {
      try {
        const r = scenario(seed);
        fired += r.faults;
        errors += r.errors;
      } catch (err) {
        (err as Error).message = `[replay with FAULT_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    }
    expect(fired).toBeGreaterThan(seeds.length / 2);
    expect(errors).toBeGreaterThan(0);
  });
});
