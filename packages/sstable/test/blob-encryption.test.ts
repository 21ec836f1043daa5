// Encrypted blob files: round trips (none / zstd / zstd + dictionary), nothing in
// plaintext, and the threat model on blob files -- wrong key, missing or unexpected key,
// key rotation, a flipped bit anywhere (also with the record checksum recomputed, as an
// attacker would), a record moved within its file or copied from another blob file, a
// record downgraded to plaintext, altered header flags, a renamed file, truncation --
// each a typed error, never a wrong value.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { blobRecordSeed, BLOB_HEADER_SIZE } from '../src/blob-format.js';
import type { BlobPointer } from '../src/blob-pointer.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { xxh32, getU32, putU32, CorruptionError } from '@lsm/base';
import { decodeEncryptionHeader, ENCRYPTION_HEADER_SIZE, FileKind, KeyRing } from '@lsm/encryption';
import { Rng, expectLsmError, numKey, testSeed } from '@lsm/base/testing';
import { chooseBlobDictionary } from '../src/dictionary/blob-dictionary.js';

const PATH = '/b/000009.blob';
const KEY_A = new Uint8Array(32).fill(0xa1);
const KEY_B = new Uint8Array(32).fill(0xb2);
const RING_A = new KeyRing({ key: KEY_A });
const enc = new TextEncoder();

type Mode = 'none' | 'zstd' | 'zstd+dictionary';
const MODES: Mode[] = ['none', 'zstd', 'zstd+dictionary'];

interface Built {
  fs: MemFs;
  ptrs: BlobPointer[];
  keys: Uint8Array[];
  values: Uint8Array[];
  dictionary: Uint8Array | undefined;
}

/** Values that share vocabulary (so a dictionary pays) with a visible marker in each. */
function values(n: number, rng: Rng): Uint8Array[] {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    let s = `SECRET-VALUE-${i}:`;
    while (s.length < 300 + rng.int(600)) s += `${words[rng.int(words.length)]}=${rng.int(1000)};`;
    out.push(enc.encode(s));
  }
  return out;
}

function build(mode: Mode, opts: { n?: number; fs?: MemFs; path?: string; fileId?: number; keys?: KeyRing | undefined; seed?: number } = {}): Built {
  const fs = opts.fs ?? new MemFs();
  fs.createDirAll('/b');
  const rng = new Rng(opts.seed ?? testSeed(21));
  const vals = values(opts.n ?? 60, rng);
  const dictionary = mode === 'zstd+dictionary' ? chooseBlobDictionary(vals, 4096, 3) : undefined;
  if (mode === 'zstd+dictionary') expect(dictionary).toBeDefined();
  const keys = 'keys' in opts ? opts.keys : RING_A;
  const w = new BlobFileWriter(fs, opts.path ?? PATH, opts.fileId ?? 9, {
    compression: mode === 'none' ? 'none' : 'zstd',
    ...(keys !== undefined ? { encryption: keys } : {}),
    ...(dictionary !== undefined ? { dictionary } : {}),
  });
  const ptrs: BlobPointer[] = [];
  const ks: Uint8Array[] = [];
  vals.forEach((v, i) => {
    const k = numKey(i, 8, 'SECRET-KEY-');
    ks.push(k);
    ptrs.push(w.add(k, v));
  });
  const done = w.finish();
  expect(done.recordBytes).toBe(ptrs.reduce((s, p) => s + p.size, 0));
  expect(fs.metadata(opts.path ?? PATH).size).toBe(done.fileSize);
  return { fs, ptrs, keys: ks, values: vals, dictionary };
}

/** Overwrites the record checksum at `p` as an attacker would after changing its bytes. */
function fixChecksum(data: Uint8Array, p: BlobPointer, atOffset = p.offset): void {
  const body = p.size - 4;
  putU32(data, atOffset + body, xxh32(data.subarray(atOffset, atOffset + body), blobRecordSeed(p.fileId, atOffset)));
}

function open(fs: MemFs, keys: KeyRing | null = RING_A, path = PATH, id = 9): BlobFileReader {
  return BlobFileReader.open(fs, path, id, keys === null ? {} : { encryption: keys });
}

describe('encrypted blob files', () => {
  for (const mode of MODES) {
    it(`${mode}: round-trips through pointers and records()`, () => {
      const { fs, ptrs, keys, values: vals, dictionary } = build(mode);
      const data = readFile(fs, PATH);
      expect(data[9]! & 1).toBe(1);
      const h = decodeEncryptionHeader(data.subarray(BLOB_HEADER_SIZE, BLOB_HEADER_SIZE + ENCRYPTION_HEADER_SIZE), PATH, BLOB_HEADER_SIZE, FileKind.Blob);
      expect(h.fileNumber).toBe(9);
      const r = open(fs);
      expect(r.encrypted).toBe(true);
      expect(r.dictionary?.byteLength).toBe(dictionary?.length);
      ptrs.forEach((p, i) => expect(r.read(p, keys[i])).toEqual(vals[i]));
      expect(r.records().map((x) => x.value)).toEqual(vals);
      // Every record is flagged encrypted; with a dictionary every compressed one uses id 2.
      for (const p of ptrs) {
        expect(data[p.offset + 1]).toBe(1);
        if (mode === 'zstd+dictionary') expect([0, 2]).toContain(data[p.offset]);
      }
      r.close();
    });
  }

  it('holds no key or value bytes in plaintext', () => {
    for (const mode of MODES) {
      const { fs } = build(mode);
      const data = Buffer.from(readFile(fs, PATH));
      for (const needle of ['SECRET', 'VALUE', 'alpha', 'charlie']) expect(data.indexOf(needle), `${mode}: ${needle}`).toBe(-1);
      expect(data.indexOf(Buffer.from(KEY_A.subarray(0, 8)))).toBe(-1);
      // The same file without a key shows them (so the search can see).
      const plain = Buffer.from(readFile(build(mode, { keys: undefined }).fs, PATH));
      expect(plain.indexOf('SECRET-KEY-')).toBeGreaterThanOrEqual(0);
    }
  });

  it('wrong key: LSM_CORRUPTION "encryption key does not match" at open; previousKeys read it', () => {
    const { fs, ptrs, keys, values: vals } = build('zstd');
    const e = expectLsmError(() => open(fs, new KeyRing({ key: KEY_B })), 'LSM_CORRUPTION');
    expect(e.message).toContain('encryption key does not match');
    const r = open(fs, new KeyRing({ key: KEY_B, previousKeys: [KEY_A] }));
    expect(r.read(ptrs[3]!, keys[3])).toEqual(vals[3]);
    r.close();
  });

  it('a missing key, or a key for a plaintext file: LSM_INVALID_ARGUMENT, as for tables', () => {
    const { fs } = build('none');
    expect(expectLsmError(() => open(fs, null), 'LSM_INVALID_ARGUMENT').message).toContain('is encrypted');
    const plain = build('none', { keys: undefined }).fs;
    expect(expectLsmError(() => open(plain), 'LSM_INVALID_ARGUMENT').message).toContain('is not encrypted');
  });

  it('every flipped bit is detected: at open, by read() or by records(), never a wrong value', () => {
    for (const mode of MODES) {
      const { fs, ptrs, keys, values: vals } = build(mode, { n: 8 });
      const good = readFile(fs, PATH);
      const seed = testSeed(5);
      const rng = new Rng(seed);
      for (let i = 0; i < 400; i++) {
        const at = i < good.length && i < 200 ? i : rng.int(good.length);
        const bad = good.slice();
        bad[at] = bad[at]! ^ (1 << rng.int(8));
        writeFile(fs, PATH, bad);
        let r: BlobFileReader;
        try {
          r = open(fs);
        } catch (err) {
          expect((err as { code?: string }).code, `${mode} seed ${seed} byte ${at}`).toMatch(/LSM_CORRUPTION|LSM_NOT_SUPPORTED/);
          continue;
        }
        let detected = false;
        ptrs.forEach((p, j) => {
          try {
            expect(r.read(p, keys[j])).toEqual(vals[j]);
          } catch (err) {
            expect(err, `${mode} seed ${seed} byte ${at}`).toBeInstanceOf(CorruptionError);
            detected = true;
          }
        });
        try {
          r.records();
        } catch (err) {
          expect(err).toBeInstanceOf(CorruptionError);
          detected = true;
        }
        expect(detected, `${mode} seed ${seed}: flip at ${at} went unnoticed`).toBe(true);
        r.close();
      }
    }
  });

  it('a bit flipped in a record whose checksum is recomputed fails authentication', () => {
    for (const mode of MODES) {
      const { fs, ptrs, keys } = build(mode, { n: 6 });
      const good = readFile(fs, PATH);
      for (const p of ptrs) {
        // The compression id (bound into the AAD), a length byte, a ciphertext byte, a tag byte.
        for (const rel of [0, 3, Math.floor(p.size / 2), p.size - 6]) {
          const bad = good.slice();
          bad[p.offset + rel] = bad[p.offset + rel]! ^ 0x01;
          fixChecksum(bad, p);
          writeFile(fs, PATH, bad);
          const r = open(fs);
          expectLsmError(() => r.read(p, keys[ptrs.indexOf(p)]), 'LSM_CORRUPTION');
          r.close();
        }
      }
    }
  });

  it('a record moved to another offset of its file (checksum fixed for the new place) fails authentication', () => {
    const rng = new Rng(1);
    const fs = new MemFs();
    fs.createDirAll('/b');
    // Equal-sized records, so one can be swapped into another's place.
    const w = new BlobFileWriter(fs, PATH, 9, { encryption: RING_A });
    const v = () => Uint8Array.from({ length: 200 }, () => rng.int(256));
    const ptrs = [0, 1, 2].map((i) => w.add(numKey(i), v()));
    w.finish();
    const data = readFile(fs, PATH);
    const [a, b] = [ptrs[0]!, ptrs[1]!];
    expect(a.size).toBe(b.size);
    data.copyWithin(b.offset, a.offset, a.offset + a.size);
    fixChecksum(data, b);
    writeFile(fs, PATH, data);
    const r = open(fs);
    const e = expectLsmError(() => r.read(b), 'LSM_CORRUPTION');
    expect(e.message).toContain('failed authentication');
    r.close();
  });

  it('a record copied from another blob file (same number, other salt; or another number) fails', () => {
    const first = build('zstd', { n: 5 });
    const data = readFile(first.fs, PATH);
    // Another file with the same number and contents: only its salt differs.
    const twin = readFile(build('zstd', { n: 5 }).fs, PATH);
    const p = first.ptrs[2]!;
    data.set(twin.subarray(p.offset, p.offset + p.size), p.offset);
    writeFile(first.fs, PATH, data);
    let r = open(first.fs);
    expect(expectLsmError(() => r.read(p, first.keys[2]), 'LSM_CORRUPTION').message).toContain('failed authentication');
    r.close();
    // A file numbered 10 written with the same key: its record, checksum refitted for file 9.
    const other = build('zstd', { n: 5, fileId: 10, path: '/b/000010.blob' });
    const src = readFile(other.fs, '/b/000010.blob');
    const good = readFile(build('zstd', { n: 5 }).fs, PATH);
    const q = other.ptrs[2]!;
    const bad = good.slice();
    bad.set(src.subarray(q.offset, q.offset + q.size), p.offset);
    fixChecksum(bad, { ...p, size: q.size });
    writeFile(first.fs, PATH, bad);
    r = open(first.fs);
    expectLsmError(() => r.read({ ...p, size: q.size }, first.keys[2]), 'LSM_CORRUPTION');
    r.close();
  });

  it('a record downgraded to plaintext (flag cleared, checksum fixed) is LSM_CORRUPTION', () => {
    const { fs, ptrs } = build('none', { n: 3 });
    const data = readFile(fs, PATH);
    const p = ptrs[1]!;
    data[p.offset + 1] = 0;
    fixChecksum(data, p);
    writeFile(fs, PATH, data);
    const r = open(fs);
    expect(expectLsmError(() => r.read(p), 'LSM_CORRUPTION').message).toContain('stored unencrypted');
    r.close();
  });

  it('altered header flags or a renamed file are LSM_CORRUPTION, even with the header checksum fixed', () => {
    const { fs } = build('zstd+dictionary', { n: 30 });
    const good = readFile(fs, PATH);
    // Clear the dictionary flag and refit the header checksum: the key check covers the header.
    const bad = good.slice();
    bad[9] = 0x01;
    putU32(bad, 20, xxh32(bad.subarray(0, 20)));
    writeFile(fs, PATH, bad);
    expectLsmError(() => open(fs), 'LSM_CORRUPTION');
    // Clearing the encryption flag makes it look plaintext: the caller with a key is told.
    const plain = good.slice();
    plain[9] = 0x02;
    putU32(plain, 20, xxh32(plain.subarray(0, 20)));
    writeFile(fs, PATH, plain);
    expect(expectLsmError(() => open(fs), 'LSM_INVALID_ARGUMENT').message).toContain('not encrypted');
    // The same file under another number.
    writeFile(fs, '/b/000011.blob', good);
    expectLsmError(() => open(fs, RING_A, '/b/000011.blob', 11), 'LSM_CORRUPTION');
  });

  it('a truncated file does not open', () => {
    const { fs } = build('zstd+dictionary', { n: 30 });
    const good = readFile(fs, PATH);
    for (const len of [0, BLOB_HEADER_SIZE, BLOB_HEADER_SIZE + 40, BLOB_HEADER_SIZE + ENCRYPTION_HEADER_SIZE + 10, good.length - 33, good.length - 1]) {
      writeFile(fs, PATH, good.subarray(0, len));
      expectLsmError(() => open(fs), 'LSM_CORRUPTION');
    }
  });

  it('the record checksum catches damage before decryption (header checksum, footer intact)', () => {
    const { fs, ptrs } = build('none', { n: 2 });
    const data = readFile(fs, PATH);
    const p = ptrs[0]!;
    expect(getU32(data, p.offset + p.size - 4)).toBe(xxh32(data.subarray(p.offset, p.offset + p.size - 4), blobRecordSeed(9, p.offset)));
    data[p.offset + 5] = data[p.offset + 5]! ^ 0x10;
    writeFile(fs, PATH, data);
    const r = open(fs);
    expect(expectLsmError(() => r.read(p), 'LSM_CORRUPTION').message).toContain('checksum mismatch');
    r.close();
  });
});
