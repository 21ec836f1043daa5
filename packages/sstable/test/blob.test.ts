// Blob files (K/V separation): round trips with and without zstd, pointer coding, and
// every way a read can go wrong -- damaged bytes, a pointer to the wrong record, the wrong
// file or past the end, an unfinished file, a newer version or flag -- each a typed error
// (LSM_CORRUPTION naming file and offset, or LSM_NOT_SUPPORTED), never a wrong value.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { BLOB_HEADER_SIZE, encodeBlobHeader } from '../src/blob-format.js';
import { decodeBlobPointer, encodeBlobPointer, type BlobPointer } from '../src/blob-pointer.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { CorruptionError, xxh32, putU32 } from '@lsm/base';
import { Rng, expectLsmError, numKey, testSeed } from '@lsm/base/testing';

const PATH = '/b/000007.blob';

function build(fs: MemFs, n: number, rng: Rng, zstd = false, maxLen = 6000): { ptrs: BlobPointer[]; keys: Uint8Array[]; values: Uint8Array[] } {
  fs.createDirAll('/b');
  const w = new BlobFileWriter(fs, PATH, 7, { compression: zstd ? 'zstd' : 'none' });
  const ptrs: BlobPointer[] = [];
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = numKey(i);
    const len = rng.int(3) === 0 ? rng.int(20) : 100 + rng.int(maxLen);
    // Half-compressible values: random bytes followed by a copy.
    const v = new Uint8Array(len);
    for (let j = 0; j < len; j++) v[j] = j < len / 2 ? rng.int(256) : v[j - Math.floor(len / 2)]!;
    keys.push(k);
    values.push(v);
    ptrs.push(w.add(k, v));
  }
  const done = w.finish();
  expect(done.recordCount).toBe(n);
  expect(done.recordBytes).toBe(ptrs.reduce((s, p) => s + p.size, 0));
  expect(fs.metadata(PATH).size).toBe(done.fileSize);
  return { ptrs, keys, values };
}

describe('blob files', () => {
  for (const zstd of [false, true]) {
    it(`round-trips values through pointers (${zstd ? 'zstd' : 'raw'})`, () => {
      const seed = testSeed(11);
      const fs = new MemFs();
      const { ptrs, keys, values } = build(fs, 200, new Rng(seed), zstd);
      const r = BlobFileReader.open(fs, PATH, 7);
      for (let i = 0; i < ptrs.length; i++) {
        const p = decodeBlobPointer(encodeBlobPointer(ptrs[i]!));
        expect(p).toEqual(ptrs[i]);
        expect(r.read(p, keys[i])).toEqual(values[i]);
      }
      const recs = r.records();
      expect(recs.map((x) => x.value)).toEqual(values);
      expect(recs.map((x) => ({ fileId: 7, offset: x.offset, size: x.size }))).toEqual(ptrs);
      r.close();
      if (zstd) expect(fs.metadata(PATH).size).toBeLessThan(values.reduce((s, v) => s + v.length, 0));
    });
  }

  it('an empty blob file is valid', () => {
    const fs = new MemFs();
    build(fs, 0, new Rng(1));
    const r = BlobFileReader.open(fs, PATH, 7);
    expect(r.records()).toEqual([]);
    r.close();
  });

  it('a pointer to another record, another file or past the end is LSM_CORRUPTION', () => {
    const fs = new MemFs();
    const { ptrs, keys } = build(fs, 10, new Rng(2));
    const r = BlobFileReader.open(fs, PATH, 7);
    // Another intact record read for this key: the key check catches it.
    const e = expectLsmError(() => r.read(ptrs[3]!, keys[2]), 'LSM_CORRUPTION') as CorruptionError;
    expect(e.file).toBe(PATH);
    expect(e.offset).toBe(ptrs[3]!.offset);
    expect(e.message).toContain('another key');
    expectLsmError(() => r.read({ ...ptrs[2]!, offset: ptrs[2]!.offset + 1 }, keys[2]), 'LSM_CORRUPTION');
    expectLsmError(() => r.read({ ...ptrs[2]!, size: ptrs[2]!.size - 1 }, keys[2]), 'LSM_CORRUPTION');
    expectLsmError(() => r.read({ ...ptrs[2]!, fileId: 8 }, keys[2]), 'LSM_CORRUPTION');
    expectLsmError(() => r.read({ ...ptrs[9]!, size: ptrs[9]!.size + 40 }, keys[9]), 'LSM_CORRUPTION');
    r.close();
    // The same file opened as another id.
    expectLsmError(() => BlobFileReader.open(fs, PATH, 9), 'LSM_CORRUPTION');
  });

  it('malformed pointers are LSM_CORRUPTION', () => {
    expectLsmError(() => decodeBlobPointer(new Uint8Array([1, 2])), 'LSM_CORRUPTION');
    expectLsmError(() => decodeBlobPointer(new Uint8Array([1, 30, 20, 0])), 'LSM_CORRUPTION'); // trailing byte
    expectLsmError(() => decodeBlobPointer(new Uint8Array([1, 3, 20])), 'LSM_CORRUPTION'); // inside the header
    expectLsmError(() => decodeBlobPointer(new Uint8Array([1, 30, 2])), 'LSM_CORRUPTION'); // too small
    expectLsmError(() => decodeBlobPointer(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 30, 20])), 'LSM_CORRUPTION');
  });

  it('every flipped byte is detected: by read() in a record, by open() in header and footer, by records() anywhere', () => {
    const fs = new MemFs();
    const { ptrs, keys, values } = build(fs, 6, new Rng(3), false, 150);
    const good = readFile(fs, PATH);
    for (let at = 0; at < good.length; at++) {
      const bad = good.slice();
      bad[at] = bad[at]! ^ 0x20;
      writeFile(fs, PATH, bad);
      let r: BlobFileReader;
      try {
        r = BlobFileReader.open(fs, PATH, 7);
      } catch (err) {
        expect((err as CorruptionError).code, `byte ${at}`).toMatch(/LSM_CORRUPTION|LSM_NOT_SUPPORTED/);
        continue;
      }
      expectLsmError(() => r.records(), 'LSM_CORRUPTION');
      let failures = 0;
      for (let i = 0; i < ptrs.length; i++) {
        try {
          expect(r.read(ptrs[i]!, keys[i])).toEqual(values[i]);
        } catch (err) {
          expect(err, `byte ${at}`).toBeInstanceOf(CorruptionError);
          expect((err as CorruptionError).file).toBe(PATH);
          failures++;
        }
      }
      // A damaged record byte fails exactly the read of that record.
      const hit = ptrs.findIndex((p) => at >= p.offset && at < p.offset + p.size);
      expect(failures, `byte ${at}`).toBe(hit >= 0 ? 1 : 0);
      r.close();
    }
  });

  it('a file cut short (an unfinished write) does not open', () => {
    const fs = new MemFs();
    build(fs, 5, new Rng(4));
    const good = readFile(fs, PATH);
    for (const len of [0, 10, BLOB_HEADER_SIZE, good.length - 32, good.length - 1]) {
      writeFile(fs, PATH, good.subarray(0, len));
      expectLsmError(() => BlobFileReader.open(fs, PATH, 7), 'LSM_CORRUPTION');
    }
  });

  it('a newer version or an unknown header flag is LSM_NOT_SUPPORTED', () => {
    const fs = new MemFs();
    build(fs, 2, new Rng(5));
    const good = readFile(fs, PATH);
    for (const [at, byte] of [
      [8, 2],
      [9, 4],
      [9, 0x80],
    ] as const) {
      const h = encodeBlobHeader(7);
      h[at] = byte;
      // Re-seal the header checksum so only the field is "wrong".
      const sealed = encodeBlobHeader(7);
      sealed.set(h.subarray(0, 20));
      putU32(sealed, 20, xxh32(sealed.subarray(0, 20)));
      const bad = good.slice();
      bad.set(sealed, 0);
      writeFile(fs, PATH, bad);
      expectLsmError(() => BlobFileReader.open(fs, PATH, 7), 'LSM_NOT_SUPPORTED');
    }
  });

  it('the writer rejects bad input, and abandon() removes the partial file', () => {
    const fs = new MemFs();
    fs.createDirAll('/b');
    const w = new BlobFileWriter(fs, PATH, 7);
    expectLsmError(() => w.add(new Uint8Array(70000), new Uint8Array(1)), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => w.add(new Uint8Array(1), 'x' as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT');
    w.add(new Uint8Array(1), new Uint8Array(10));
    w.abandon();
    expect(fs.exists(PATH)).toBe(false);
    expectLsmError(() => w.add(new Uint8Array(1), new Uint8Array(1)), 'LSM_CLOSED');
    expectLsmError(() => new BlobFileWriter(fs, PATH, -1), 'LSM_INVALID_ARGUMENT');
  });
});
