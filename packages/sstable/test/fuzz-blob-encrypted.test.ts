// Fuzzing encrypted blob files (with and without a dictionary) with fast-check
// (packages/fuzz-kit): files written from random records, damaged by 1-4 mutations or by
// flips inside the records with each damaged record's checksum recomputed (so only the
// cipher can notice, as with a deliberate change). Opening with the key and reading every
// record through its pointer must return exactly the value written or throw
// LSM_CORRUPTION naming the file (LSM_NOT_SUPPORTED only for version and flag bytes):
// never a wrong value, another error, a hang or a huge allocation.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { blobRecordSeed } from '../src/blob-format.js';
import type { BlobPointer } from '../src/blob-pointer.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { xxh32, putU32 } from '@lsm/base';
import { KeyRing } from '@lsm/encryption';
import { chooseBlobDictionary } from '../src/dictionary/blob-dictionary.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';

const PATH = '/fuzz/000043.blob';
const KEYS = new KeyRing({ key: new Uint8Array(32).fill(0x5c) });
const fz = {
  open: new Fuzzed('encrypted blob files (BlobFileReader.open)'),
  reads: new Fuzzed('encrypted blob record reads of damaged files'),
  scan: new Fuzzed('encrypted blob file scans (records)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

// One dictionary for the whole run (training per case would dominate the run time).
const DICT = chooseBlobDictionary(
  Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`{"id":${i * 7919},"name":"item-${i % 13}","tags":["a","b","c"],"note":"shared text ${i % 5}"}`)),
  1024,
  3,
);

const spec = fc.record({
  records: fc.array(fc.record({ key: fc.uint8Array({ maxLength: 24 }), value: fc.uint8Array({ maxLength: 600 }), repeat: fc.boolean() }), { maxLength: 10 }),
  compression: fc.constantFrom('none', 'zstd', 'dict'),
});

/** Flips bits inside records and refits each damaged record's checksum. */
function flipAndRefit(good: Uint8Array, ptrs: readonly BlobPointer[], n: number, at: number): Uint8Array {
  const b = good.slice();
  if (ptrs.length === 0) return b;
  for (let i = 0; i < n; i++) {
    const p = ptrs[(at + i) % ptrs.length]!;
    const pos = p.offset + ((at * 31 + i * 7919) % (p.size - 4));
    b[pos] = b[pos]! ^ (1 << (at + i) % 8);
    putU32(b, p.offset + p.size - 4, xxh32(b.subarray(p.offset, p.offset + p.size - 4), blobRecordSeed(p.fileId, p.offset)));
  }
  return b;
}

describe('fuzz: encrypted blob files', () => {
  it(
    'damaged encrypted blob files read back right or fail with LSM_CORRUPTION',
    () => {
      expect(DICT).toBeDefined();
      fc.assert(
        fc.property(spec, mutations, fc.constantFrom('none', 'mutate', 'refit'), fc.nat(), ({ records, compression }, ms, damage, at) => {
          const fs = new MemFs();
          fs.createDirAll('/fuzz');
          const w = new BlobFileWriter(fs, PATH, 43, {
            compression: compression === 'none' ? 'none' : 'zstd',
            encryption: KEYS,
            sync: false,
            ...(compression === 'dict' ? { dictionary: DICT! } : {}),
          });
          const values = records.map((r) => (r.repeat ? new Uint8Array(r.value.length * 4).map((_, i) => r.value[i % r.value.length]!) : r.value));
          const ptrs = records.map((r, i) => w.add(r.key, values[i]!));
          w.finish();
          const good = readFile(fs, PATH);
          const bad = damage === 'none' ? good : damage === 'mutate' ? mutate(good, ms) : flipAndRefit(good, ptrs, ms.length, at);
          writeFile(fs, PATH, bad);
          const r = fz.open.decode(bad.length, () => BlobFileReader.open(fs, PATH, 43, { encryption: KEYS }), { notSupported: true, file: PATH });
          if (r === undefined) return;
          let failures = 0;
          for (let i = 0; i < ptrs.length; i++) {
            const v = fz.reads.decode(bad.length, () => r.read(ptrs[i]!, records[i]!.key), { notSupported: true, file: PATH });
            if (v !== undefined) expect(sameBytes(v, values[i]!)).toBe(true);
            else failures++;
          }
          // A refitted flip in a record can only be caught by the cipher: it must be.
          if (damage === 'refit' && ptrs.length > 0) expect(failures).toBeGreaterThan(0);
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
});
