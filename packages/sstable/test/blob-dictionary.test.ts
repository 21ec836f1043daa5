// Blob files with a trained zstd dictionary: the dictionary is stored once (as the first
// record) and every value is compressed with it (id 2); it pays on values that share
// content; the writer validates it; and a damaged dictionary, or an id-2 record in a file
// without one, is LSM_CORRUPTION naming the file, never a wrong value.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { blobPrefixSize, blobRecordSeed, BlobFlags, BLOB_HEADER_SIZE } from '../src/blob-format.js';
import type { BlobPointer } from '../src/blob-pointer.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { xxh32, putU32 } from '@lsm/base';
import { Rng, expectLsmError, numKey, testSeed } from '@lsm/base/testing';
import { chooseBlobDictionary } from '../src/dictionary/blob-dictionary.js';

const PATH = '/b/000003.blob';
const enc = new TextEncoder();

/** JSON-ish documents: each alone compresses poorly, together they share a lot. */
function docs(n: number, rng: Rng): Uint8Array[] {
  const names = ['user', 'order', 'invoice', 'shipment', 'payment'];
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const doc = {
      id: rng.int(1e9),
      kind: names[rng.int(names.length)],
      createdAt: `2026-11-${String(1 + rng.int(28)).padStart(2, '0')}T${rng.int(24)}:00:00Z`,
      status: rng.int(2) === 0 ? 'active' : 'archived',
      tags: Array.from({ length: 3 }, () => names[rng.int(names.length)]),
      address: { street: `${rng.int(999)} Long Street Name`, city: 'Springfield', country: 'Freedonia' },
      note: 'the quick brown fox jumps over the lazy dog '.repeat(1 + rng.int(2)),
    };
    out.push(enc.encode(JSON.stringify(doc)));
  }
  return out;
}

function write(fs: MemFs, values: Uint8Array[], dictionary: Uint8Array | undefined): BlobPointer[] {
  fs.createDirAll('/b');
  if (fs.exists(PATH)) fs.removeFile(PATH);
  const w = new BlobFileWriter(fs, PATH, 3, { compression: 'zstd', ...(dictionary !== undefined ? { dictionary } : {}) });
  const ptrs = values.map((v, i) => w.add(numKey(i), v));
  w.finish();
  return ptrs;
}

describe('blob file dictionaries', () => {
  it('stores the dictionary once, compresses every value with it, and pays on shared content', () => {
    const seed = testSeed(3);
    const values = docs(400, new Rng(seed));
    const dict = chooseBlobDictionary(values.slice(0, 200), 4096, 3);
    expect(dict, `seed ${seed}`).toBeDefined();
    const fs = new MemFs();
    const plainSize = (write(fs, values, undefined), fs.metadata(PATH).size);
    const ptrs = write(fs, values, dict);
    const dictSize = fs.metadata(PATH).size;
    const data = readFile(fs, PATH);
    expect(data[9]).toBe(BlobFlags.Dictionary);
    for (const p of ptrs) expect(data[p.offset]).toBe(2);
    expect(dictSize).toBeLessThan(plainSize * 0.8);
    const r = BlobFileReader.open(fs, PATH, 3);
    expect(r.dictionary).toEqual({ id: expect.any(Number), byteLength: dict!.length });
    expect(r.recordsStart).toBeGreaterThan(blobPrefixSize(BlobFlags.Dictionary));
    ptrs.forEach((p, i) => expect(r.read(p, numKey(i))).toEqual(values[i]));
    expect(r.records().map((x) => x.value)).toEqual(values);
    r.close();
  });

  it('does not train on too little data, and an empty dictionary file is valid', () => {
    expect(chooseBlobDictionary(docs(2, new Rng(1)), 4096, 3)).toBeUndefined();
    const dict = chooseBlobDictionary(docs(300, new Rng(2)), 2048, 3)!;
    const fs = new MemFs();
    write(fs, [], dict);
    const r = BlobFileReader.open(fs, PATH, 3);
    expect(r.records()).toEqual([]);
    expect(r.dictionary?.byteLength).toBe(dict.length);
    r.close();
  });

  it('the writer validates the dictionary option', () => {
    const fs = new MemFs();
    fs.createDirAll('/b');
    const dict = chooseBlobDictionary(docs(300, new Rng(4)), 2048, 3)!;
    expectLsmError(() => new BlobFileWriter(fs, PATH, 3, { dictionary: dict }), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new BlobFileWriter(fs, PATH, 3, { compression: 'zstd', dictionary: new Uint8Array(0) }), 'LSM_INVALID_ARGUMENT');
    // A structured-dictionary magic with garbage tables: zstd refuses it.
    const bad = new Uint8Array(300).fill(7);
    putU32(bad, 0, 0xec30a437);
    expectLsmError(() => new BlobFileWriter(fs, PATH, 3, { compression: 'zstd', dictionary: bad }), 'LSM_INVALID_ARGUMENT');
    expect(fs.exists(PATH)).toBe(false);
  });

  it('a damaged dictionary record is LSM_CORRUPTION at open, naming the file and its offset', () => {
    const values = docs(200, new Rng(5));
    const dict = chooseBlobDictionary(values, 2048, 3)!;
    const fs = new MemFs();
    const ptrs = write(fs, values, dict);
    const good = readFile(fs, PATH);
    const at = BLOB_HEADER_SIZE;
    const end = ptrs[0]!.offset;
    for (let i = at; i < end; i += Math.max(1, Math.floor((end - at) / 50))) {
      const bad = good.slice();
      bad[i] = bad[i]! ^ 0x40;
      writeFile(fs, PATH, bad);
      const e = expectLsmError(() => BlobFileReader.open(fs, PATH, 3), 'LSM_CORRUPTION');
      expect(e.message).toContain(PATH);
    }
  });

  it('a dictionary zstd refuses (checksum valid) is LSM_CORRUPTION "cannot be loaded"', () => {
    const values = docs(200, new Rng(6));
    const fs = new MemFs();
    // Write a file whose dictionary record holds a structured magic with garbage tables, by
    // building the file with a valid dictionary of the same size, then replacing its bytes.
    const dict = chooseBlobDictionary(values, 2048, 3)!;
    fs.createDirAll('/b');
    const w = new BlobFileWriter(fs, PATH, 3, { compression: 'zstd', dictionary: dict });
    const p = w.add(numKey(0), values[0]!);
    w.finish();
    const data = readFile(fs, PATH);
    const at = BLOB_HEADER_SIZE;
    const recEnd = p.offset;
    // Force a raw-stored dictionary record: id 0, flags 0, key 0, value = garbage.
    const garbage = new Uint8Array(recEnd - at - 4 - 5).fill(9);
    putU32(garbage, 0, 0xec30a437);
    const rec = new Uint8Array(recEnd - at);
    rec[0] = 0;
    rec[1] = 0;
    rec[2] = 0;
    // varint64 of garbage.length in 2 bytes (it is < 16384 and >= 128).
    expect(garbage.length).toBeGreaterThanOrEqual(128);
    rec[3] = (garbage.length & 0x7f) | 0x80;
    rec[4] = garbage.length >>> 7;
    rec.set(garbage, 5);
    putU32(rec, rec.length - 4, xxh32(rec.subarray(0, rec.length - 4), blobRecordSeed(3, at)));
    data.set(rec, at);
    writeFile(fs, PATH, data);
    const e = expectLsmError(() => BlobFileReader.open(fs, PATH, 3), 'LSM_CORRUPTION');
    expect(e.message).toContain('cannot be loaded');
  });

  it('a record with compression id 2 in a file without a dictionary is LSM_CORRUPTION', () => {
    const values = docs(5, new Rng(7));
    const fs = new MemFs();
    const ptrs = write(fs, values, undefined);
    const data = readFile(fs, PATH);
    const p = ptrs[1]!;
    data[p.offset] = 2;
    putU32(data, p.offset + p.size - 4, xxh32(data.subarray(p.offset, p.offset + p.size - 4), blobRecordSeed(3, p.offset)));
    writeFile(fs, PATH, data);
    const r = BlobFileReader.open(fs, PATH, 3);
    expect(expectLsmError(() => r.read(p, numKey(1)), 'LSM_CORRUPTION').message).toContain('has none');
    r.close();
  });

  it('a pointer into the dictionary record is outside the record region', () => {
    const values = docs(100, new Rng(8));
    const fs = new MemFs();
    write(fs, values, chooseBlobDictionary(values, 2048, 3));
    const r = BlobFileReader.open(fs, PATH, 3);
    const e = expectLsmError(() => r.read({ fileId: 3, offset: BLOB_HEADER_SIZE, size: 20 }), 'LSM_CORRUPTION');
    expect(e.message).toContain('outside the record region');
    r.close();
  });
});
