// Fuzzing the encrypted-block path: decodeStoredBlock with a FileCipher (checksum, flags,
// GCM authentication, then decompression) and the encryption header decoder. Damaged
// input -- including damage an attacker disguises by recomputing the XXH32 checksum --
// must be LSM_CORRUPTION naming the file (or LSM_NOT_SUPPORTED for a well-formed header
// from a newer version), never other plaintext, another error, a hang or a huge allocation.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { appendBlock, BLOCK_TRAILER_SIZE, BlockFlags, decodeStoredBlock } from '../src/block-io.js';
import { blockChecksum, xxh32, ByteSink, putU32 } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE, FileKind, KeyRing, BlockType, FileCipher } from '@lsm/encryption';
import { BlockCompressor } from '../src/compression.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';

const FILE = '/fuzz/000011.sst';
const ring = new KeyRing({ key: new Uint8Array(32).fill(0x3c) });
const writer = FileCipher.forNewFile(ring, FileKind.Table, 11);
const header = writer.header();
const reader = FileCipher.fromHeader(ring, header, FILE, 0, FileKind.Table, 11);
const compressor = new BlockCompressor('zstd', 1);

const fz = {
  stored: new Fuzzed('sstable encrypted stored block (decodeStoredBlock + FileCipher.open)'),
  header: new Fuzzed('encryption header (FileCipher.fromHeader)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An encrypted stored block (ciphertext ‖ tag, trailer) at offset `at`. */
function sealedBlock(data: Uint8Array, zstd: boolean, at: number, type: number): { raw: Uint8Array; size: number } {
  const { id, payload } = zstd ? compressor.compress(data) : { id: 0, payload: data };
  const sealed = writer.seal(payload, at, type, id);
  const sink = new ByteSink(sealed.length + 16);
  appendBlock(sink, sealed, id, at, BlockFlags.Encrypted);
  return { raw: sink.bytes().slice(), size: sealed.length };
}

function fixChecksum(raw: Uint8Array, at: number): void {
  const size = raw.length - BLOCK_TRAILER_SIZE;
  if (size < 0) return;
  putU32(raw, size + 4, blockChecksum(raw.subarray(0, size + 4), at));
}

describe('fuzz: encrypted stored blocks', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (raw: Uint8Array, at: number, type: number) =>
    fz.stored.decode(raw.length, () => decodeStoredBlock(raw, { offset: at, size: raw.length - BLOCK_TRAILER_SIZE }, FILE, { cipher: reader, type }), {
      file: FILE,
      notSupported: true,
    });
  const contents = fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 200 })).map(([u, n]) => new Uint8Array(u.length * n).map((_, i) => u[i % u.length]!)));
  const type = fc.constantFrom(BlockType.Data, BlockType.Index, BlockType.Properties);

  it('random bytes, with a valid checksum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: BLOCK_TRAILER_SIZE, maxLength: 1024 }), fc.nat(1 << 30), type, (b, at, t) => {
        const raw = b.slice();
        fixChecksum(raw, at);
        expect(decode(raw, at, t)).toBeUndefined(); // no random bytes authenticate
      }),
      params(1500),
    );
  });

  it('valid blocks decode exactly; damage, even with the checksum recomputed, never yields other contents', () => {
    fc.assert(
      fc.property(contents, fc.boolean(), fc.nat(1 << 30), type, mutations, fc.boolean(), (data, zstd, at, t, ms, disguise) => {
        const { raw } = sealedBlock(data, zstd, at, t);
        expect(hex(decode(raw, at, t)!)).toBe(hex(data));
        const bad = mutate(raw, ms);
        if (disguise) fixChecksum(bad, at);
        const got = decode(bad, at, t);
        if (got !== undefined) {
          expect(sameBytes(bad, raw), 'a damaged block authenticated').toBe(true);
          expect(hex(got)).toBe(hex(data));
        }
      }),
      params(1500),
    );
  });

  it('a valid block read at another offset or as another type is corruption', () => {
    fc.assert(
      fc.property(contents, fc.nat(1 << 30), fc.integer({ min: 1, max: 1 << 20 }), (data, at, delta) => {
        const { raw } = sealedBlock(data, false, at, BlockType.Data);
        const moved = raw.slice();
        fixChecksum(moved, at + delta);
        expect(decode(moved, at + delta, BlockType.Data)).toBeUndefined();
        expect(decode(raw, at, BlockType.Index)).toBeUndefined();
      }),
      params(800),
    );
  });
});

describe('fuzz: encryption header', { timeout: FUZZ_TIMEOUT }, () => {
  const open = (b: Uint8Array) => fz.header.decode(b.length, () => FileCipher.fromHeader(ring, b, FILE, 0, FileKind.Table, 11), { file: FILE, notSupported: true });

  it('random bytes (any length)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (b) => void open(b)), params(3000));
  });

  it('any damage to a valid header is detected, also with its checksum recomputed', () => {
    fc.assert(
      fc.property(mutations, fc.boolean(), (ms, disguise) => {
        const bad = mutate(header, ms);
        if (disguise && bad.length === ENCRYPTION_HEADER_SIZE) putU32(bad, 60, xxh32(bad.subarray(0, 60), 0x4c534d43));
        const got = open(bad);
        if (!sameBytes(bad, header)) expect(got, 'a damaged header was accepted').toBeUndefined();
      }),
      params(3000),
    );
  });
});
