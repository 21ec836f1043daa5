// Fuzzing blob files with fast-check (packages/fuzz-kit): blob files written from random
// records (raw or zstd), damaged by 1-4 mutations, plus pointers of random bytes. Opening
// the file and reading every record through its pointer must return exactly the value
// written or throw LSM_CORRUPTION naming the file (LSM_NOT_SUPPORTED only for the version
// and flag bytes): never a wrong value, another error, a hang or a huge allocation.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBlobPointer } from '../src/blob-pointer.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';

const PATH = '/fuzz/000042.blob';
const fz = {
  open: new Fuzzed('blob files (BlobFileReader.open)'),
  reads: new Fuzzed('blob record reads of damaged files (read through every pointer)'),
  scan: new Fuzzed('blob file scans (records)'),
  pointers: new Fuzzed('blob pointers (decodeBlobPointer)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const spec = fc.record({
  records: fc.array(fc.record({ key: fc.uint8Array({ maxLength: 24 }), value: fc.uint8Array({ maxLength: 600 }), repeat: fc.boolean() }), { maxLength: 12 }),
  zstd: fc.boolean(),
});

/** Flips `n` bits at positions derived from `at`, all inside the record region. */
function flipRecords(good: Uint8Array, n: number, at: number): Uint8Array {
  const b = good.slice();
  const region = b.length - 24 - 32;
  if (region <= 0) return b;
  for (let i = 0; i < n; i++) {
    const pos = 24 + ((at + i * 7919) % region);
    b[pos] = b[pos]! ^ (1 << (at + i) % 8);
  }
  return b;
}

describe('fuzz: blob files', () => {
  it(
    'damaged blob files read back right or fail with LSM_CORRUPTION',
    () => {
      fc.assert(
        fc.property(spec, mutations, fc.constantFrom('none', 'mutate', 'records'), fc.nat(), ({ records, zstd }, ms, damage, at) => {
          const fs = new MemFs();
          fs.createDirAll('/fuzz');
          const w = new BlobFileWriter(fs, PATH, 42, { compression: zstd ? 'zstd' : 'none', sync: false });
          // Repetitive values give zstd something to compress.
          const values = records.map((r) => (r.repeat ? new Uint8Array(r.value.length * 4).map((_, i) => r.value[i % r.value.length]!) : r.value));
          const ptrs = records.map((r, i) => w.add(r.key, values[i]!));
          w.finish();
          const good = readFile(fs, PATH);
          // A third of the inputs: flips inside the record region only, so open() succeeds and
          // the record reads meet the damage.
          const bad = damage === 'none' ? good : damage === 'mutate' ? mutate(good, ms) : flipRecords(good, ms.length, at);
          writeFile(fs, PATH, bad);
          const r = fz.open.decode(bad.length, () => BlobFileReader.open(fs, PATH, 42), { notSupported: true, file: PATH });
          if (r === undefined) return;
          for (let i = 0; i < ptrs.length; i++) {
            const v = fz.reads.decode(bad.length, () => r.read(ptrs[i]!, records[i]!.key), { notSupported: true, file: PATH });
            if (v !== undefined) expect(sameBytes(v, values[i]!)).toBe(true);
          }
          const all = fz.scan.decode(bad.length, () => r.records(), { notSupported: true, file: PATH });
          if (all !== undefined) {
            expect(all.length).toBe(values.length);
            all.forEach((x, i) => expect(sameBytes(x.value, values[i]!)).toBe(true));
          }
          if (sameBytes(bad, good)) expect(all).toBeDefined();
          r.close();
        }),
        params(300),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'random pointer bytes decode or fail with LSM_CORRUPTION',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 30 }), (b) => {
          const p = fz.pointers.decode(b.length, () => decodeBlobPointer(b, '/t/000001.sst', 7), { file: '/t/000001.sst' });
          if (p !== undefined) expect(p.offset).toBeGreaterThanOrEqual(24);
        }),
        params(2000),
      );
    },
    FUZZ_TIMEOUT,
  );
});
