// Encrypted tables (AES-256-GCM): round trips, and every case of the threat model -- a
// wrong key, a missing or unexpected key, a block altered, moved within its file, copied
// from another file, given another compression id or downgraded to plaintext, a tampered
// header or footer, a renamed file -- each detected and reported, never decrypted into
// garbage. (Flipped bits and truncation at every length: corruption.test.ts. KeyRing and
// FileCipher on their own: @lsm/encryption's tests.)

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { blockChecksum, xxh32, putU32, ValueType } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE } from '@lsm/encryption';
import { expectLsmError } from '@lsm/base/testing';
import { FOOTER_SIZE } from '../src/footer.js';
import { Table, type TableOptions } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

const KEY_A = new Uint8Array(32).fill(0xa1);
const KEY_B = new Uint8Array(32).fill(0xb2);
const PATH = '/d/000009.sst';
const enc = new TextEncoder();
const N = 300;

const keyOf = (i: number) => enc.encode(`secret-key-${String(i).padStart(5, '0')}`);
const valueOf = (i: number) => enc.encode(`PLAINTEXT-VALUE-${i}-`.repeat(3));

function write(fs: MemFs, path: string, options: TableWriterOptions): void {
  fs.createDirAll('/d');
  const w = new TableWriter(fs, path, { blockSize: 256, ...options });
  for (let i = 0; i < N; i++) w.add(keyOf(i), 10 + i, ValueType.Value, valueOf(i));
  w.addRangeTombstone(keyOf(5), keyOf(7), 1000);
  w.finish();
}

function readAll(fs: MemFs, path: string, options: TableOptions): number {
  const t = Table.open(fs, path, options);
  let i = 0;
  const it = t.iterator();
  for (it.seekToFirst(); it.valid(); it.next(), i++) {
    expect(Buffer.from(it.userKey()).equals(keyOf(i))).toBe(true);
    expect(Buffer.from(it.value()).equals(valueOf(i))).toBe(true);
  }
  it.close();
  expect(t.get(keyOf(77))?.value).toEqual(valueOf(77));
  expect(t.rangeTombstones()).toHaveLength(1);
  t.close();
  return i;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0;
}

const ENC = { encryption: { key: KEY_A }, fileNumber: 9 };

/** The (offset, size) of data block `i` of the encrypted table at PATH. */
function dataBlock(fs: MemFs, i: number): { offset: number; size: number } {
  const t = Table.open(fs, PATH, ENC);
  const index = t.indexBlock();
  const h = { offset: index.blockOffset(i), size: index.blockSize(i) };
  t.close();
  return h;
}

/** Rewrites a block's checksum so only the cipher can notice what was changed (what an attacker can do). */
function fixChecksum(bytes: Uint8Array, h: { offset: number; size: number }): void {
  putU32(bytes, h.offset + h.size + 4, blockChecksum(bytes.subarray(h.offset, h.offset + h.size + 4), h.offset));
}

describe('encrypted tables', () => {
  for (const compression of ['none', 'zstd'] as const) {
    it(`${compression}: round trip; no key, value or plaintext key bytes in the file`, () => {
      const fs = new MemFs();
      write(fs, PATH, { compression, ...ENC });
      expect(readAll(fs, PATH, ENC)).toBe(N);
      const t = Table.open(fs, PATH, ENC);
      expect(t.properties.formatVersion).toBe(2);
      t.close();
      expect(Table.readProperties(fs, PATH, ENC).entryCount).toBe(N);
      expect(tableVerify(fs, PATH, ENC).ok).toBe(true);
      const bytes = readFile(fs, PATH);
      for (const i of [0, 1, 77, N - 1]) {
        expect(contains(bytes, keyOf(i))).toBe(false);
        expect(contains(bytes, valueOf(i).subarray(0, 12))).toBe(false);
      }
      expect(contains(bytes, enc.encode('secret-key'))).toBe(false);
      expect(contains(bytes, enc.encode('PLAINTEXT'))).toBe(false);
      expect(contains(bytes, KEY_A.subarray(0, 8))).toBe(false);
      // The same table unencrypted does hold them (the check above can see plaintext).
      const plain = new MemFs();
      write(plain, PATH, { compression: 'none' });
      expect(contains(readFile(plain, PATH), enc.encode('secret-key'))).toBe(true);
    });
  }

  it('wrong key: LSM_CORRUPTION "encryption key does not match", from the header, at open', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    const size = readFile(fs, PATH).length;
    const wrong = { encryption: { key: KEY_B }, fileNumber: 9 };
    const err = expectLsmError(() => Table.open(fs, PATH, wrong), 'LSM_CORRUPTION');
    expect(err.message).toContain('encryption key does not match');
    expect(err.message).toContain(PATH);
    // Reported at the header (before the footer), i.e. before any block was read.
    expect((err as unknown as { offset: number }).offset).toBeGreaterThanOrEqual(size - FOOTER_SIZE - ENCRYPTION_HEADER_SIZE);
    expectLsmError(() => Table.readProperties(fs, PATH, wrong), 'LSM_CORRUPTION');
    const v = tableVerify(fs, PATH, wrong);
    expect(v.ok).toBe(false);
    expect(v.problems[0]!.message).toContain('encryption key does not match');
  });

  it('a missing key, or a key for a plaintext table, is LSM_INVALID_ARGUMENT', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    expect(expectLsmError(() => Table.open(fs, PATH), 'LSM_INVALID_ARGUMENT').message).toContain('is encrypted');
    expect(expectLsmError(() => tableVerify(fs, PATH), 'LSM_INVALID_ARGUMENT').message).toContain('is encrypted');
    const plain = new MemFs();
    write(plain, PATH, {});
    expect(expectLsmError(() => Table.open(plain, PATH, ENC), 'LSM_INVALID_ARGUMENT').message).toContain('not encrypted');
  });

  it('key rotation: a ring with the old key as a previous key reads old tables', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    const rotated = { encryption: { key: KEY_B, previousKeys: [KEY_A] }, fileNumber: 9 };
    expect(readAll(fs, PATH, rotated)).toBe(N);
    // Rewritten with the ring, the table uses the new key only.
    write(fs, '/d/000010.sst', { ...rotated, fileNumber: 10 });
    expect(readAll(fs, '/d/000010.sst', { encryption: { key: KEY_B }, fileNumber: 10 })).toBe(N);
    expectLsmError(() => Table.open(fs, '/d/000010.sst', { encryption: { key: KEY_A }, fileNumber: 10 }), 'LSM_CORRUPTION');
  });

  it('a renamed or swapped file (another file number) is corruption', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    expect(expectLsmError(() => Table.open(fs, PATH, { ...ENC, fileNumber: 10 }), 'LSM_CORRUPTION').message).toContain('expected 10');
  });

  it('a block copied from another table to the same offset fails authentication', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    write(fs, '/d/other.sst', ENC); // same entries, layout and file number; another salt
    const h = dataBlock(fs, 1);
    const bytes = readFile(fs, PATH);
    const other = readFile(fs, '/d/other.sst');
    bytes.set(other.subarray(h.offset, h.offset + h.size + 8), h.offset); // its checksum holds here too
    writeFile(fs, PATH, bytes);
    const t = Table.open(fs, PATH, ENC);
    const err = expectLsmError(() => {
      const it = t.iterator();
      for (it.seekToFirst(); it.valid(); it.next());
    }, 'LSM_CORRUPTION');
    expect(err.message).toContain('failed authentication');
    expect(tableVerify(fs, PATH, ENC).ok).toBe(false);
  });

  it('two blocks swapped within a table (checksums recomputed) fail authentication', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    // Two neighbouring data blocks of equal stored size (entries of one length).
    let k = 1;
    while (dataBlock(fs, k).size !== dataBlock(fs, k + 1).size) k++;
    const h1 = dataBlock(fs, k);
    const h2 = dataBlock(fs, k + 1);
    const bytes = readFile(fs, PATH);
    const b1 = bytes.slice(h1.offset, h1.offset + h1.size);
    bytes.copyWithin(h1.offset, h2.offset, h2.offset + h2.size);
    bytes.set(b1, h2.offset);
    fixChecksum(bytes, h1);
    fixChecksum(bytes, h2);
    writeFile(fs, PATH, bytes);
    const t = Table.open(fs, PATH, ENC);
    const err = expectLsmError(() => {
      const it = t.iterator();
      for (it.seekToFirst(); it.valid(); it.next());
    }, 'LSM_CORRUPTION');
    expect(err.message).toContain('failed authentication');
    expect(err.message).toContain(`offset ${h1.offset}`);
  });

  // One trailer byte changed with the block checksum recomputed: only the cipher can notice.
  for (const [what, at, value, message] of [
    ['an altered compression id fails authentication', 0, 1, 'failed authentication'], // claims zstd
    ['a block downgraded to plaintext (flag cleared) is corruption', 1, 0, 'unencrypted'],
  ] as const) {
    it(`${what} (checksum recomputed)`, () => {
      const fs = new MemFs();
      write(fs, PATH, ENC);
      const h = dataBlock(fs, 0);
      const bytes = readFile(fs, PATH);
      bytes[h.offset + h.size + at] = value;
      fixChecksum(bytes, h);
      writeFile(fs, PATH, bytes);
      const t = Table.open(fs, PATH, ENC);
      expect(expectLsmError(() => t.get(keyOf(0)), 'LSM_CORRUPTION').message).toContain(message);
    });
  }

  it('a tampered footer handle (footer checksum recomputed) fails the key check', () => {
    const fs = new MemFs();
    write(fs, PATH, ENC);
    const bytes = readFile(fs, PATH);
    const f = bytes.length - FOOTER_SIZE;
    bytes[f + 24]! += 1; // index size
    putU32(bytes, f + 52, xxh32(bytes.subarray(f, f + 52), 0x4c534d46));
    writeFile(fs, PATH, bytes);
    expect(expectLsmError(() => Table.open(fs, PATH, ENC), 'LSM_CORRUPTION').message).toContain('encryption key does not match');
  });
});
