// The two AES-256-GCM backends (node:crypto and @noble/ciphers) must be interchangeable:
// the same bytes for the same inputs, each opening what the other sealed, both refusing
// any tampered byte. Random sizes around block sizes, seeded.

import { afterEach, describe, expect, it } from 'vitest';
import { gcmBackend, gcmOpen, gcmSeal, setGcmBackend, type GcmBackend } from '../src/aes-gcm.js';
import { testSeed, withSeed } from '@lsm/base/testing';

const initial = gcmBackend();
afterEach(() => setGcmBackend(initial));

function with_<T>(b: GcmBackend, fn: () => T): T {
  const prev = gcmBackend();
  setGcmBackend(b);
  try {
    return fn();
  } finally {
    setGcmBackend(prev);
  }
}

describe('AES-256-GCM backends', () => {
  it('uses node:crypto on Node', () => {
    expect(initial).toBe('node');
  });

  it('seal the same bytes and open each other (seeded)', () => {
    const seed = testSeed(4242);
    withSeed(seed, (rng) => {
      const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
      for (let i = 0; i < 300; i++) {
        const key = bytes(32);
        const nonce = bytes(12);
        const aad = bytes(rng.int(40));
        const pt = bytes([0, 1, 15, 16, 17, 4095, 4096, 4097, 100000][i % 9]! + (i > 9 ? rng.int(3) : 0));
        const a = with_('node', () => gcmSeal(key, nonce, aad, pt));
        const b = with_('noble', () => gcmSeal(key, nonce, aad, pt));
        expect(Buffer.compare(a, b), `seed ${seed} case ${i}`).toBe(0);
        expect(Buffer.compare(with_('noble', () => gcmOpen(key, nonce, aad, a)), pt)).toBe(0);
        expect(Buffer.compare(with_('node', () => gcmOpen(key, nonce, aad, b)), pt)).toBe(0);
        // Any flipped byte (ciphertext, tag) or a different AAD is refused by both.
        const bad = a.slice();
        bad[rng.int(bad.length)]! ^= 1 << rng.int(8);
        for (const be of ['node', 'noble'] as const) {
          expect(() => with_(be, () => gcmOpen(key, nonce, aad, bad))).toThrow();
          expect(() => with_(be, () => gcmOpen(key, nonce, Uint8Array.of(...aad, 0), a))).toThrow();
        }
      }
    });
  });

  it('refuses data shorter than a tag', () => {
    const k = new Uint8Array(32);
    const n = new Uint8Array(12);
    for (const be of ['node', 'noble'] as const) expect(() => with_(be, () => gcmOpen(k, n, new Uint8Array(0), new Uint8Array(15)))).toThrow();
  });
});
