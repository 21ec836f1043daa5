// Fuzzing the log reader (readLog: write-ahead logs and manifests share the framing) with
// fast-check: random bytes, valid logs of random records (some spanning several 32 KiB
// blocks), every truncation of a valid log, and valid logs damaged by 1-4 mutations. The
// contract: a valid log gives back exactly its records; a truncated one (a torn tail) gives
// a prefix of them and is never an error; a damaged one gives a prefix of its records or
// throws LSM_CORRUPTION naming the file -- never a record that was not written, never
// another error; in salvage mode it never throws and gives a subsequence of the records.

import { MemFs, readFile } from '@lsm/fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, position, sameBytes } from './fuzz-helpers.js';

const FILE = '/db/000012.log';

const fz = {
  strict: new Fuzzed('engine log reader (readLog, strict)'),
  salvage: new Fuzzed('engine log reader (readLog, salvage)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

/** Record payloads: mostly small, some larger than a log block. */
const records = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 80_000 }).chain((n) => fc.integer().map((seed) => fill(n, seed))) },
  ),
  { maxLength: 8 },
);

function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A log file holding `recs`, as LogWriter writes it. */
function writeLog(recs: readonly Uint8Array[], logNumber: number): Uint8Array {
  const fs = new MemFs();
  fs.createDirAll('/db');
  const f = fs.open(FILE, { write: true, createNew: true });
  const w = new LogWriter(f, logNumber);
  for (const r of recs) w.addRecord(r);
  w.close();
  return readFile(fs, FILE);
}

/** Reads `data`; returns copies of the records delivered (undefined when it threw LSM_CORRUPTION). */
function read(data: Uint8Array, logNumber: number, salvage: boolean): Uint8Array[] | undefined {
  return (salvage ? fz.salvage : fz.strict).decode(
    data.length,
    () => {
      const out: Uint8Array[] = [];
      readLog(data, FILE, logNumber, (rec) => out.push(rec.slice()), { salvage });
      return out;
    },
    { file: FILE },
  );
}

/** True when `got` is `want[0..got.length)`. */
function isPrefix(got: readonly Uint8Array[], want: readonly Uint8Array[]): boolean {
  return got.length <= want.length && got.every((g, i) => sameBytes(g, want[i]!));
}

/** True when `got` is a subsequence of `want` (in order). */
function isSubsequence(got: readonly Uint8Array[], want: readonly Uint8Array[]): boolean {
  let j = 0;
  for (const g of got) {
    while (j < want.length && !sameBytes(g, want[j]!)) j++;
    if (j++ >= want.length) return false;
  }
  return true;
}

const logNumber = fc.integer({ min: 1, max: 2 ** 40 });

describe('fuzz: log reader', { timeout: FUZZ_TIMEOUT }, () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), logNumber, (data, n) => {
        read(data, n, false);
        expect(read(data, n, true), 'salvage mode must not throw').toBeDefined();
      }),
      params(4000),
    );
  });

  it('valid logs read back exactly; every truncation is a clean torn tail', () => {
    fc.assert(
      fc.property(records, logNumber, position, (recs, n, cut) => {
        const data = writeLog(recs, n);
        const all = read(data, n, false);
        expect(all?.length).toBe(recs.length);
        expect(isPrefix(all!, recs)).toBe(true);
        const torn = data.subarray(0, Math.floor(cut * data.length));
        const got = read(torn, n, false);
        expect(got, `truncated to ${torn.length} of ${data.length}: a torn tail is not damage`).toBeDefined();
        expect(isPrefix(got!, recs), 'a torn log gave records that were not written').toBe(true);
      }),
      params(1500),
    );
  });

  it('damaged logs give a prefix of the records or LSM_CORRUPTION; salvage gives a subsequence', () => {
    fc.assert(
      fc.property(records, logNumber, mutations, (recs, n, ms) => {
        const data = writeLog(recs, n);
        const bad = mutate(data, ms);
        const strict = read(bad, n, false);
        if (strict !== undefined) expect(isPrefix(strict, recs), 'a damaged log gave records that were not written').toBe(true);
        const salvaged = read(bad, n, true);
        expect(salvaged, 'salvage mode must not throw').toBeDefined();
        expect(isSubsequence(salvaged!, recs), 'salvage gave records that were not written').toBe(true);
        if (sameBytes(bad, data)) expect(strict?.length).toBe(recs.length);
      }),
      params(3000),
    );
  });

  it('a log read with another file number yields nothing (fragments are bound to their file)', () => {
    fc.assert(
      fc.property(records, logNumber, (recs, n) => {
        expect(read(writeLog(recs, n), n + 1, false)).toEqual([]);
      }),
      params(300),
    );
  });
});
