import { describe, expect, it } from 'vitest';
import { BlockCompressor, CompressionId, decompressBlock } from '../src/compression.js';
import { CorruptionError } from '@lsm/base';
import { expectLsmError, Rng } from '@lsm/base/testing';

describe('block compression', () => {
  it('zstd round-trips compressible data', () => {
    const c = new BlockCompressor('zstd', 3);
    const raw = new TextEncoder().encode('the quick brown fox jumps over the lazy dog '.repeat(100));
    const { id, payload } = c.compress(raw);
    expect(id).toBe(CompressionId.Zstd);
    expect(payload.length).toBeLessThan(raw.length / 4);
    const out = decompressBlock(id, payload.slice(), 'f', 0);
    expect(Buffer.from(out).equals(Buffer.from(raw))).toBe(true);
    expect(c.compressedBlocks).toBe(1);
  });

  it('falls back to raw when compression does not save 1/8', () => {
    const c = new BlockCompressor('zstd', 3);
    const raw = new Rng(3).bytes(4096);
    const { id, payload } = c.compress(raw);
    expect(id).toBe(CompressionId.None);
    expect(payload).toBe(raw);
    expect(c.rawBlocks).toBe(1);
    expect(decompressBlock(id, payload, 'f', 0)).toBe(payload);
  });

  it("'none' never compresses", () => {
    const c = new BlockCompressor('none');
    const raw = new Uint8Array(4096);
    expect(c.compress(raw)).toEqual({ id: CompressionId.None, payload: raw });
  });

  it('rejects bad levels and kinds', () => {
    expectLsmError(() => new BlockCompressor('zstd', 1000), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new BlockCompressor('lz4' as 'zstd'), 'LSM_INVALID_ARGUMENT');
  });

  it('damaged zstd payloads are CorruptionError naming file and offset', () => {
    const c = new BlockCompressor('zstd', 3);
    const raw = new TextEncoder().encode('abcabcabcabc'.repeat(200));
    const { payload } = c.compress(raw);
    const good = payload.slice();
    const rng = new Rng(9);
    let errors = 0;
    for (let i = 0; i < 500; i++) {
      const bad = good.slice();
      bad[rng.int(bad.length)]! ^= 1 << rng.int(8);
      try {
        const out = decompressBlock(CompressionId.Zstd, bad, 'file.sst', 4242);
        // zstd has its own frame checks, but not every flip is caught here; the block
        // checksum is what guarantees detection. Output length is still exact.
        expect(out.length).toBe(raw.length);
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptionError);
        expect((err as CorruptionError).offset).toBe(4242);
        expect((err as Error).message).toContain('file.sst');
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
    expectLsmError(() => decompressBlock(CompressionId.Zstd, good.subarray(0, 5), 'f', 0), 'LSM_CORRUPTION');
  });

  it('unknown compression ids are LSM_NOT_SUPPORTED', () => {
    expectLsmError(() => decompressBlock(9, new Uint8Array(4), 'f', 0), 'LSM_NOT_SUPPORTED');
  });

  it('a dictionary block without the table dictionary is LSM_CORRUPTION', () => {
    const err = expectLsmError(() => decompressBlock(CompressionId.ZstdDict, new Uint8Array(4), 'f', 123), 'LSM_CORRUPTION');
    expect(err.message).toMatch(/dictionary/);
  });
});
