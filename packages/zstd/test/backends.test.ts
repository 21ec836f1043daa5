// The two zstd backends against each other: the WebAssembly module is the one the build
// script made (hash), both are zstd 1.5.7 with the same level range and output bound, they
// write byte-identical frames (plain and with a dictionary, magicless or not) and each
// reads the other's; errors (damaged frames, short output, refused dictionaries) throw on
// both; large inputs grow the WebAssembly memory and still round-trip.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadNativeZstd, loadWasmZstd, ZSTD_MAX_LEVEL, ZSTD_MIN_LEVEL, zstdCompressBound, type ZstdBackend, type ZstdFrameFormat } from '../src/index.js';
import { ZSTD_WASM_BASE64, ZSTD_WASM_SHA256 } from '../src/wasm/zstd-wasm-binary.js';

const native = loadNativeZstd();
const wasm = loadWasmZstd();
const pairs: [ZstdBackend, ZstdBackend][] = [
  [native, wasm],
  [wasm, native],
];

/** Seeded text-like records: what tables hold. */
function records(seed: number, bytes: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % 1000;
  };
  let s = '';
  while (s.length < bytes) s += JSON.stringify({ id: next(), user: `user-${next() % 37}`, status: ['active', 'pending'][next() % 2], n: next() });
  return new TextEncoder().encode(s.slice(0, bytes));
}

function compressWith(z: ZstdBackend, src: Uint8Array, level: number): Uint8Array {
  const out = new Uint8Array(zstdCompressBound(src.length));
  return out.slice(0, z.compress(out, src, level));
}

describe('the WebAssembly module', () => {
  it('is the one wasm/build.sh wrote, zstd 1.5.7 like the native binding', () => {
    expect(createHash('sha256').update(Buffer.from(ZSTD_WASM_BASE64, 'base64')).digest('hex')).toBe(ZSTD_WASM_SHA256);
    expect(wasm.versionNumber).toBe(10507);
    expect(native.versionNumber).toBe(wasm.versionNumber);
  });

  it('has the level range and output bound the constants say', () => {
    for (const z of [native, wasm]) expect([z.minLevel, z.maxLevel]).toEqual([ZSTD_MIN_LEVEL, ZSTD_MAX_LEVEL]);
    const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as { compressBound(n: number): number };
    for (const n of [0, 1, 255, 4096, 131071, 131072, 131073, 10_000_000]) expect(zstdCompressBound(n)).toBe(binding.compressBound(n));
  });
});

describe('frames', () => {
  it('are byte-identical from both backends at every kind of level, and cross-decompress', () => {
    for (const [seed, size] of [[1, 0], [2, 1], [3, 4096], [4, 70_000], [5, 300_000]] as const) {
      const src = records(seed, size);
      for (const level of [-5, 1, 3, 9, 19]) {
        const a = compressWith(native, src, level);
        expect(Buffer.from(compressWith(wasm, src, level)).equals(Buffer.from(a))).toBe(true);
        for (const [, reader] of pairs) {
          const back = new Uint8Array(size);
          expect(reader.decompress(back, a)).toBe(size);
          expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
        }
      }
    }
  });

  it('with a dictionary are byte-identical in every frame format and cross-decompress', () => {
    const dict = records(77, 8192);
    const formats: ZstdFrameFormat[] = [
      { magicless: true, contentSize: false, checksum: false, dictionaryId: false },
      { magicless: false, contentSize: true, checksum: true, dictionaryId: true },
    ];
    for (const format of formats) {
      for (const [writer, reader] of pairs) {
        const c = writer.dictionaryCompressor(dict, 3, format);
        const other = (writer === native ? wasm : native).dictionaryCompressor(dict, 3, format);
        const d = reader.dictionaryDecompressor(dict, format);
        expect(d.dictionaryId).toBe(0);
        for (let i = 0; i < 20; i++) {
          const src = records(1000 + i, 4096);
          const out = new Uint8Array(zstdCompressBound(src.length));
          const n = c.compress(out, src);
          const out2 = new Uint8Array(out.length);
          const m = other.compress(out2, src);
          expect(Buffer.from(out2.subarray(0, m)).equals(Buffer.from(out.subarray(0, n)))).toBe(true);
          const back = new Uint8Array(src.length);
          expect(d.decompress(back, out.subarray(0, n))).toBe(src.length);
          expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
        }
      }
    }
  });

  it('grow the WebAssembly memory for large inputs and still round-trip', () => {
    const src = records(9, 24 << 20);
    const a = compressWith(wasm, src, 1);
    const back = new Uint8Array(src.length);
    expect(native.decompress(back, a)).toBe(src.length);
    back.fill(0);
    expect(wasm.decompress(back, compressWith(native, src, 1))).toBe(src.length);
    expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
    // After the big call the scratch areas were given back; small calls still work.
    const small = records(10, 4096);
    expect(wasm.decompress(new Uint8Array(4096), compressWith(wasm, small, 3))).toBe(4096);
  });
});

describe('errors', () => {
  const frame = compressWith(native, records(3, 4096), 3);

  it('damaged frames and short outputs throw on both backends, with the same zstd message', () => {
    const damaged = frame.slice();
    damaged[damaged.length >> 1]! ^= 0xff;
    damaged[7]! ^= 0x55;
    for (const bad of [new TextEncoder().encode('not a zstd frame'), damaged, frame.subarray(0, frame.length - 3)]) {
      const messages = [native, wasm].map((z) => {
        try {
          z.decompress(new Uint8Array(4096), bad);
          return 'no error';
        } catch (err) {
          return (err as Error).message;
        }
      });
      expect(messages[0]).not.toBe('no error');
      expect(messages[1]).toBe(messages[0]);
    }
    for (const z of [native, wasm]) expect(() => z.decompress(new Uint8Array(100), frame)).toThrow(/too small/i);
  });

  it('a malformed structured dictionary is refused by both', () => {
    const bad = new Uint8Array(600).fill(7);
    new DataView(bad.buffer).setUint32(0, 0xec30a437, true);
    for (const z of [native, wasm]) {
      expect(() => z.dictionaryDecompressor(bad, { magicless: true })).toThrow();
      const c = z.dictionaryCompressor(bad, 3, { magicless: true, contentSize: false, checksum: false, dictionaryId: false });
      expect(() => c.compress(new Uint8Array(8192), records(4, 4096))).toThrow();
    }
  });
});
