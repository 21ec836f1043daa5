// Fuzzing encrypted logs (write-ahead logs and manifests of stores opened with
// `encryption`): the header check (openLog) and readLog with a cipher. The contract: a
// valid log gives back exactly its records; a truncated one (a torn tail, also inside the
// header) gives a prefix and is never an error; a damaged one -- also when the attacker
// recomputes the fragment checksums -- gives a prefix of the records or LSM_CORRUPTION
// naming the file, never a record that was not written, never another error.

import { MemFs, readFile } from '@lsm/fs';
import { FileKind, KeyRing } from '@lsm/encryption';
import { xxh32 } from '@lsm/base';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog, startLog } from '../src/log/log-encryption.js';
import { logChecksumSeed } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, position, sameBytes } from './fuzz-helpers.js';

const FILE = '/db/000012.log';
const N = 12;
const keys = new KeyRing({ key: new Uint8Array(32).fill(0x42) });

const fz = {
  strict: new Fuzzed('engine encrypted log reader (openLog + readLog, strict)'),
  salvage: new Fuzzed('engine encrypted log reader (openLog + readLog, salvage)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const records = fc.array(fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ maxLength: 200 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 20_000, maxLength: 40_000 }) }), {
  maxLength: 6,
});

function writeLog(recs: readonly Uint8Array[]): Uint8Array {
  const fs = new MemFs();
  fs.createDirAll('/db');
  const w = startLog(fs.open(FILE, { write: true, createNew: true }), N, FileKind.WriteAheadLog, keys, true);
  for (const r of recs) w.addRecord(r);
  w.close();
  return readFile(fs, FILE);
}

function read(data: Uint8Array, salvage: boolean): Uint8Array[] | undefined {
  return (salvage ? fz.salvage : fz.strict).decode(
    data.length,
    () => {
      const out: Uint8Array[] = [];
      const crypt = openLog(data, FILE, FileKind.WriteAheadLog, N, keys, '/db');
      if (crypt === null) return out;
      readLog(data, FILE, N, (rec) => out.push(rec.slice()), { salvage, cipher: crypt.cipher, start: crypt.start });
      return out;
    },
    { file: FILE },
  );
}

const isPrefix = (got: readonly Uint8Array[], want: readonly Uint8Array[]) => got.length <= want.length && got.every((g, i) => sameBytes(g, want[i]!));

/** Fragment starts of a log (headers intact), from offset 64. */
function fragmentStarts(data: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 64;
  while (pos + 7 <= data.length) {
    const left = 32768 - (pos % 32768);
    if (left < 7) {
      pos += left;
      continue;
    }
    out.push(pos);
    pos += 7 + (data[pos + 4]! | (data[pos + 5]! << 8));
  }
  return out;
}

describe('fuzz: encrypted log reader', { timeout: FUZZ_TIMEOUT }, () => {
  it('random bytes, also behind a valid header', () => {
    const header = writeLog([]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (b, withHeader) => {
        const data = withHeader ? Uint8Array.from([...header, ...b]) : b;
        const got = read(data, false);
        if (got !== undefined) expect(got).toEqual([]); // nothing authenticates
        read(data, true);
      }),
      params(1500),
    );
  });

  it('valid logs read back exactly; every truncation is a clean torn tail', () => {
    fc.assert(
      fc.property(records, position, (recs, cut) => {
        const data = writeLog(recs);
        const all = read(data, false);
        expect(all?.length).toBe(recs.length);
        expect(isPrefix(all!, recs)).toBe(true);
        const torn = data.subarray(0, Math.floor(cut * data.length));
        const got = read(torn, false);
        expect(got, `truncated to ${torn.length} of ${data.length}: a torn tail is not damage`).toBeDefined();
        expect(isPrefix(got!, recs)).toBe(true);
      }),
      params(600),
    );
  });

  it('damaged logs (random, or disguised with recomputed checksums) give a prefix or LSM_CORRUPTION', () => {
    fc.assert(
      fc.property(records, mutations, fc.nat(), fc.nat(), (recs, ms, which, where) => {
        const data = writeLog(recs);
        const bad = mutate(data, ms);
        for (const salvage of [false, true]) {
          const got = read(bad, salvage);
          if (got !== undefined) expect(got.every((g) => recs.some((r) => sameBytes(r, g))), 'a record that was not written').toBe(true);
          if (got !== undefined && !salvage) expect(isPrefix(got, recs)).toBe(true);
        }
        // Disguised: one payload byte of one fragment changed, its checksum recomputed.
        const starts = fragmentStarts(data);
        if (starts.length === 0) return;
        const at = starts[which % starts.length]!;
        const len = data[at + 4]! | (data[at + 5]! << 8);
        if (len === 0) return;
        const forged = data.slice();
        forged[at + 7 + (where % len)]! ^= 0x01;
        const crc = xxh32(forged.subarray(at + 6, at + 7 + len), logChecksumSeed(N));
        forged.set([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], at);
        expect(read(forged, false), 'a forged record was accepted').toBeUndefined();
      }),
      params(1000),
    );
  });
});
