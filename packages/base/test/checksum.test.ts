// Checksums: XXH32/XXH64 match the reference test vectors, streaming XXH64 equals the
// one-shot digest over any split, and block checksums depend on the block's offset.

import { describe, expect, it } from 'vitest';
import { blockChecksum, blockChecksumSeed, FileHasher, xxh32, xxh64, xxh64Hex } from '../src/checksum.js';
import { Rng } from '../src/testing/index.js';

describe('checksums', () => {
  it('match the reference XXH32 / XXH64 test vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxh32(new TextEncoder().encode('a'))).toBe(0x550d7456);
    expect(xxh64Hex(new TextEncoder().encode('a'))).toBe('d24ec4f1a98c6e5b');
  });

  it('streaming XXH64 equals one-shot over any split', () => {
    const rng = new Rng(1);
    const data = rng.bytes(100_000);
    const h = new FileHasher();
    let p = 0;
    while (p < data.length) {
      const n = Math.min(data.length - p, 1 + rng.int(9000));
      h.update(data.subarray(p, p + n));
      p += n;
    }
    expect(h.bytesHashed).toBe(data.length);
    expect(h.digestHex()).toBe(xxh64Hex(data));
  });

  it('block checksums depend on the block offset', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    expect(blockChecksum(data, 0)).not.toBe(blockChecksum(data, 4096));
    expect(blockChecksumSeed(2 ** 40)).not.toBe(blockChecksumSeed(0));
  });
});

describe('checksum details that are part of the file format', () => {
  it('block seeds are pinned: offset low word ^ high word ^ salt', () => {
    // Stored checksums depend on these values: changing them makes every file unreadable.
    expect(blockChecksumSeed(0)).toBe(0x5ea1ab1e);
    expect(blockChecksumSeed(4096)).toBe(0x5ea1bb1e);
    expect(blockChecksumSeed(2 ** 32 + 5)).toBe(0x5ea1ab1a);
    expect(blockChecksumSeed(2 ** 40 + 7)).toBe(0x5ea1aa19);
    const data = new TextEncoder().encode('payload+trailer');
    expect(blockChecksum(data, 2 ** 40 + 7)).toBe(xxh32(data, 0x5ea1aa19));
  });

  it('hex digests keep their leading zeros (always 16 digits)', () => {
    const data = new TextEncoder().encode('k20'); // XXH64 = 0x004541b87408e056
    expect(xxh64(data)).toBe(0x004541b87408e056n);
    expect(xxh64Hex(data)).toBe('004541b87408e056');
    const h = new FileHasher();
    h.update(data);
    expect(h.digestHex()).toBe('004541b87408e056');
  });

  it('a FileHasher counts bytes and ignores empty writes', () => {
    const h = new FileHasher();
    expect(h.bytesHashed).toBe(0);
    expect(h.digestHex()).toBe(xxh64Hex(new Uint8Array(0)));
    h.update(new Uint8Array(0));
    h.update(new Uint8Array([1, 2, 3]));
    h.update(new Uint8Array(0));
    expect(h.bytesHashed).toBe(3);
    expect(h.digestHex()).toBe(xxh64Hex(new Uint8Array([1, 2, 3])));
  });

  it('xxh32 takes the seed modulo 2^32', () => {
    const data = new Uint8Array([7, 7, 7]);
    expect(xxh32(data, -1)).toBe(xxh32(data, 0xffffffff));
    expect(xxh32(data, 1)).not.toBe(xxh32(data, 0));
  });
});
