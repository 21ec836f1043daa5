// Fault tests: FaultFs fails a write, fsync, rename, directory fsync, open or remove
// during a flush, a compaction, a manifest update or a log write. The call reports
// LSM_IO (never another kind of error), the store stays readable and consistent, keeps
// working once the fault clears, and reopens cleanly with the same contents. A write
// whose call failed may or may not survive a reopen (its log record may be complete on
// disk), so after reopening the contents must match the writes either with or without it.

import { Leveled } from '@lsm/compaction';
import { FaultFs, type FaultOp, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf } from './helpers.js';

const OPS: FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove'];
const PATHS = ['.sst', '.log', 'MANIFEST', 'CURRENT', undefined];

const tinyOptions = (fs: FaultFs): TreeOptions => ({
  fs,
  memtableBytes: 3000,
  blockSize: 256,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 10, levelBaseBytes: 8 * 1024, levelMultiplier: 4, targetTableSize: 4 * 1024 }),
});

const lines = (pairs: Iterable<[Uint8Array, Uint8Array]>): string[] => [...pairs].map(([k, v]) => `${hex(k)}=${hex(v)}`);
const want = (o: Oracle, seq: number): string[] => lines(o.scan(seq, undefined, true, undefined, false, false, undefined));

/** What a fault scenario varies: extra options, the files faults aim at, how values are made. */
interface FaultVariant {
  extra?: Partial<TreeOptions>;
  paths?: readonly (string | undefined)[];
  value?: (rng: Rng) => Uint8Array;
}

/** K/V separation: faults aimed mostly at blob files, values straddling the threshold. */
const BLOB_THRESHOLD = 150;
const blobVariant = (rng: Rng): FaultVariant => ({
  extra: { kvSeparation: { minValueSize: BLOB_THRESHOLD, gcRatio: [0.2, 0.5][rng.int(2)]!, blobFileBytes: 2048 + rng.int(8192), compression: rng.chance(0.3) ? 'zstd' : 'none' } },
  paths: ['.blob', '.blob', '.sst', '.log', 'MANIFEST', undefined],
  value: (r) => {
    const x = r.next();
    return valueOf(r, x < 0.4 ? r.int(60) : x < 0.7 ? BLOB_THRESHOLD - 2 + r.int(5) : BLOB_THRESHOLD + r.int(600));
  },
});

function scenario(seed: number, variant: FaultVariant = {}): { faults: number; errors: number } {
  const rng = new Rng(seed);
  const fs = new FaultFs(new MemFs());
  const opts = { ...tinyOptions(fs), ...variant.extra };
  const paths = variant.paths ?? PATHS;
  let tree = Tree.open('/db', opts);
  const oracle = new Oracle();
  const failed: { seq: number; key: Uint8Array; value: Uint8Array }[] = [];
  let errors = 0;
  const where = (s: string) => `seed ${seed}: ${s}`;
  /** The code a failure must have: a full disk has its own. */
  let expected = 'LSM_IO';
  const write = (): void => {
    const k = keyOf(rng.int(80));
    const v = variant.value === undefined ? valueOf(rng, rng.int(100)) : variant.value(rng);
    const first = tree.seqno + 1;
    try {
      oracle.put(k, v, tree.put(k, v, { sync: rng.chance(0.2) }));
    } catch (err) {
      expect(err, where('a failed put must be an LsmError')).toBeInstanceOf(LsmError);
      expect((err as LsmError).code, where((err as Error).message)).toBe(expected);
      errors++;
      if (tree.seqno >= first) failed.push({ seq: first, key: k, value: v });
    }
  };
  for (let i = 0; i < 150; i++) write();
  // Arm one fault, then drive flushes, compactions and writes into it.
  const op = OPS[rng.int(OPS.length)]!;
  const path = paths[rng.int(paths.length)];
  const code = rng.chance(0.5) ? 'EIO' : 'ENOSPC';
  // A full disk has its own code (and stops background work at the first failure).
  expected = code === 'ENOSPC' ? 'LSM_NO_SPACE' : 'LSM_IO';
  const rule = fs.addRule({ op, path, after: rng.int(6), times: 1 + rng.int(3), fault: { type: 'error', code } });
  for (let i = 0; i < 12; i++) {
    const action = rng.int(4);
    try {
      if (action === 0) tree.flush();
      else if (action === 1) tree.compact();
      else if (action === 2) tree.sync();
      else for (let j = 0; j < 20; j++) write();
    } catch (err) {
      expect(err, where(`${op} fault: wrong error type`)).toBeInstanceOf(LsmError);
      expect((err as LsmError).code, where((err as Error).message)).toBe(expected);
      errors++;
    }
    // Readable and consistent right after the fault (a read may itself meet the armed
    // fault: that is LSM_IO too, and a retry gets through once the rule is spent).
    let contents: string[] | undefined;
    for (let attempt = 0; contents === undefined; attempt++) {
      try {
        contents = lines(tree.range());
      } catch (err) {
        expect((err as LsmError).code, where((err as Error).message)).toBe(expected);
        expect(attempt, where('reads keep failing')).toBeLessThan(5);
        errors++;
      }
    }
    expect(contents, where(`contents after a ${op} fault on ${path}`)).toEqual(want(oracle, oracle.seqno));
  }
  fs.clearRules();
  // Works on once the fault is gone (after a full disk, once asked to resume).
  tree.resume();
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

describe('I/O faults during flush, compaction, manifest and log writes', () => {
  const seeds = process.env.FAULT_SEED ? [Number(process.env.FAULT_SEED)] : Array.from({ length: 40 }, (_, i) => i + 1);
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
    // The scenarios must really have hit faults and surfaced errors.
    expect(fired).toBeGreaterThan(seeds.length / 2);
    expect(errors).toBeGreaterThan(0);
  });

  it(`${seeds.length} seeded fault scenarios on an encrypted store (zstd) report LSM_IO and stay consistent`, () => {
    let fired = 0;
    for (const seed of seeds) {
      try {
        fired += scenario(seed + 500, { extra: { encryption: { key: new Uint8Array(32).fill(seed) }, compression: 'zstd' } }).faults;
      } catch (err) {
        (err as Error).message = `[encrypted; replay with FAULT_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    }
    expect(fired).toBeGreaterThan(seeds.length / 2);
  });

  it(`${seeds.length} seeded fault scenarios with K/V separation (faults aimed at blob files) report LSM_IO and stay consistent`, () => {
    let fired = 0;
    let errors = 0;
    for (const seed of seeds) {
      try {
        const r = scenario(seed + 3000, blobVariant(new Rng(seed)));
        fired += r.faults;
        errors += r.errors;
      } catch (err) {
        (err as Error).message = `[K/V separation; replay with FAULT_SEED=${seed}] ${(err as Error).message}`;
        throw err;
      }
    }
    expect(fired).toBeGreaterThan(seeds.length / 2);
    expect(errors).toBeGreaterThan(0);
  });

  it('refuses to open a directory held by another Tree (LSM_LOCKED) and reopens after close', () => {
    const fs = new MemFs();
    const a = Tree.open('/db', { fs });
    expect(() => Tree.open('/db', { fs })).toThrowError(expect.objectContaining({ code: 'LSM_LOCKED' }));
    a.close();
    Tree.open('/db', { fs }).close();
  });
});
