// KeyRing and FileCipher on their own: keys are checked and found by id; each sealed
// block is bound to its offset, block type, compression id and file (fresh salt per
// file), so no nonce repeats under one subkey; the encryption header refuses a wrong key,
// kind or file number and any damaged byte. Encrypted tables, blob files and logs are
// tested in the packages that write them.

import { describe, expect, it } from 'vitest';
import { putU32, xxh32 } from '@lsm/base';
import { expectLsmError } from '@lsm/base/testing';
import { decodeEncryptionHeader, ENCRYPTION_HEADER_SIZE, FileKind, GCM_TAG_LENGTH } from '../src/encryption-header.js';
import { KeyRing, keyIdHex, keyIdOf } from '../src/encryption-keys.js';
import { BlockType, FileCipher } from '../src/file-cipher.js';

const KEY_A = new Uint8Array(32).fill(0xa1);
const KEY_B = new Uint8Array(32).fill(0xb2);
const enc = new TextEncoder();

describe('KeyRing', () => {
  it('rejects keys that are not 32 bytes, naming the option', () => {
    expect(expectLsmError(() => new KeyRing({ key: new Uint8Array(16) }), 'LSM_INVALID_ARGUMENT').message).toContain('encryption.key must be a 32-byte');
    expect(expectLsmError(() => new KeyRing({ key: 'x' as unknown as Uint8Array }), 'LSM_INVALID_ARGUMENT').message).toContain('got string');
    expect(expectLsmError(() => new KeyRing({ key: KEY_A, previousKeys: [new Uint8Array(31)] }), 'LSM_INVALID_ARGUMENT').message).toContain('previousKeys[0]');
    expect(expectLsmError(() => new KeyRing(null as never), 'LSM_INVALID_ARGUMENT').message).toContain('encryption');
  });

  it('finds keys by id; ids are stable 8-byte fingerprints that differ per key', () => {
    const ring = new KeyRing({ key: KEY_B, previousKeys: [KEY_A] });
    expect(ring.find(keyIdOf(KEY_A))).toEqual(KEY_A);
    expect(ring.find(keyIdOf(KEY_B))).toEqual(KEY_B);
    expect(ring.find(new Uint8Array(8))).toBeUndefined();
    expect(keyIdHex(keyIdOf(KEY_A))).not.toBe(keyIdHex(keyIdOf(KEY_B)));
    expect(ring.ids[0]).toBe(keyIdHex(keyIdOf(KEY_B)));
  });
});

describe('FileCipher', () => {
  const ring = new KeyRing({ key: KEY_A });
  const data = enc.encode('some block contents');

  it('round-trips, and binds each block to offset, type, compression id and file', () => {
    const w = FileCipher.forNewFile(ring, FileKind.Blob, 3);
    const header = w.header();
    const sealed = w.seal(data, 64, BlockType.BlobRecord, 0);
    expect(sealed.length).toBe(data.length + GCM_TAG_LENGTH);
    const r = FileCipher.fromHeader(ring, header, 'f', 0, FileKind.Blob, 3);
    expect(r.open(sealed, 64, BlockType.BlobRecord, 0, 'f')).toEqual(data);
    expectLsmError(() => r.open(sealed, 65, BlockType.BlobRecord, 0, 'f'), 'LSM_CORRUPTION');
    expectLsmError(() => r.open(sealed, 64, BlockType.LogRecord, 0, 'f'), 'LSM_CORRUPTION');
    expectLsmError(() => r.open(sealed, 64, BlockType.BlobRecord, 1, 'f'), 'LSM_CORRUPTION');
    expectLsmError(() => r.open(sealed.subarray(0, 10), 64, BlockType.BlobRecord, 0, 'f'), 'LSM_CORRUPTION');
    // Another file (fresh salt, same number and key) cannot open it.
    const other = FileCipher.forNewFile(ring, FileKind.Blob, 3);
    const r2 = FileCipher.fromHeader(ring, other.header(), 'g', 0, FileKind.Blob, 3);
    expect(expectLsmError(() => r2.open(sealed, 64, BlockType.BlobRecord, 0, 'g'), 'LSM_CORRUPTION').message).toContain('failed authentication');
  });

  it('never reuses a nonce under one subkey: fresh salt per file, offset per block', () => {
    const a = FileCipher.forNewFile(ring, FileKind.Table, 1);
    const b = FileCipher.forNewFile(ring, FileKind.Table, 1);
    expect(decodeEncryptionHeader(a.header(), 'a', 0, FileKind.Table).salt).not.toEqual(decodeEncryptionHeader(b.header(), 'b', 0, FileKind.Table).salt);
    // Same plaintext, same offset, two files: unrelated ciphertexts.
    expect(a.seal(data, 0, BlockType.Data)).not.toEqual(b.seal(data, 0, BlockType.Data));
    // Same file, two offsets: unrelated ciphertexts.
    expect(a.seal(data, 0, BlockType.Data)).not.toEqual(a.seal(data, 100, BlockType.Data));
  });

  it('header checks: wrong key, wrong kind, wrong file number, damage', () => {
    const w = FileCipher.forNewFile(ring, FileKind.WriteAheadLog, 12);
    const h = w.header();
    expect(expectLsmError(() => FileCipher.fromHeader(new KeyRing({ key: KEY_B }), h, 'f', 0, FileKind.WriteAheadLog, 12), 'LSM_CORRUPTION').message).toContain('encryption key does not match');
    expect(expectLsmError(() => FileCipher.fromHeader(ring, h, 'f', 0, FileKind.Manifest, 12), 'LSM_CORRUPTION').message).toContain('file kind');
    expect(expectLsmError(() => FileCipher.fromHeader(ring, h, 'f', 0, FileKind.WriteAheadLog, 13), 'LSM_CORRUPTION').message).toContain('expected 13');
    for (let i = 0; i < ENCRYPTION_HEADER_SIZE; i++) {
      const bad = h.slice();
      bad[i]! ^= 0x10;
      expectLsmError(() => FileCipher.fromHeader(ring, bad, 'f', 0, FileKind.WriteAheadLog, 12), 'LSM_CORRUPTION');
    }
    // Salt altered and the checksum recomputed: the key check still fails.
    const forged = h.slice();
    forged[30]! ^= 1;
    putU32(forged, 60, xxh32(forged.subarray(0, 60), 0x4c534d43));
    expect(expectLsmError(() => FileCipher.fromHeader(ring, forged, 'f', 0, FileKind.WriteAheadLog, 12), 'LSM_CORRUPTION').message).toContain('encryption key does not match');
  });
});
