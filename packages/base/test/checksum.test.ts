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
