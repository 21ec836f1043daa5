import { describe, expect, it } from 'vitest';
import { xxh32, putU32, CorruptionError, NotSupportedError } from '@lsm/base';
import { decodeFooter, ENCRYPTED_FORMAT_VERSION, encodeFooter, FOOTER_SIZE, FORMAT_VERSION } from '../src/footer.js';

const footer = { metaindex: { offset: 100, size: 20 }, index: { offset: 50, size: 42 }, properties: { offset: 200, size: 300 }, formatVersion: FORMAT_VERSION };

describe('footer', () => {
  it('round-trips and ends with the magic "LSMTABLE"', () => {
    const f = encodeFooter(footer);
    expect(f.length).toBe(FOOTER_SIZE);
    expect(new TextDecoder().decode(f.subarray(56))).toBe('LSMTABLE');
    expect(decodeFooter(f, 'x', 1000)).toEqual(footer);
  });

  it('every single-bit flip is corruption (or, for the version, a checked error)', () => {
    const f = encodeFooter(footer);
    for (let i = 0; i < FOOTER_SIZE * 8; i++) {
      const bad = f.slice();
      bad[i >>> 3]! ^= 1 << (i & 7);
      expect(() => decodeFooter(bad, 'x', 1000)).toThrow(CorruptionError);
    }
  });

  it('handles pointing past the footer are corruption', () => {
    expect(() => decodeFooter(encodeFooter(footer), 'x', 450)).toThrow(CorruptionError);
  });

  it('a checksummed newer version is NotSupportedError', () => {
    const f = encodeFooter(footer);
    putU32(f, 48, ENCRYPTED_FORMAT_VERSION + 1);
    putU32(f, 52, xxh32(f.subarray(0, 52), 0x4c534d46));
    expect(() => decodeFooter(f, 'x', 1000)).toThrow(NotSupportedError);
  });
});
