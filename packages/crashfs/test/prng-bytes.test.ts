// The torn-write generator and the byte image (issue #22). Prng is mulberry32 exactly (a
// reference implementation from its published form is the oracle), so a seed printed by a
// failing crash test reproduces the same torn image in any version; tornBudget keeps
// nothing one time in eight, everything one time in eight, and a uniform amount otherwise;
// intInclusive is uniform over [0, max] from 53 bits. ByteImage exposes zeros past what
// was written, and a zero-length write changes nothing.

import { describe, expect, it } from 'vitest';
import { ByteImage } from '../src/bytes.js';
import { Prng, tornBudget } from '../src/prng.js';

/** mulberry32 as published (Tommy Ettinger; bryc's JavaScript form). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

describe('Prng', () => {
  it('is mulberry32: the same 1,000 outputs as the published form, for several seeds', () => {
    for (const seed of [0, 1, 42, 0x7fffffff, -5]) {
      const p = new Prng(seed);
      const ref = mulberry32(seed);
      for (let i = 0; i < 1000; i++) expect(p.nextU32(), `seed ${seed}, output ${i}`).toBe(ref());
    }
  });

  it('intInclusive(max) takes 27 + 26 bits of two outputs, in that order', () => {
    const p = new Prng(7);
    const ref = mulberry32(7);
    for (const max of [0, 1, 6, 1000, 2 ** 40]) {
      for (let i = 0; i < 200; i++) {
        const hi = ref() >>> 5;
        const lo = ref() >>> 6;
        expect(p.intInclusive(max)).toBe(Math.min(max, Math.floor(((hi * 67108864 + lo) / 2 ** 53) * (max + 1))));
      }
    }
  });

  it('tornBudget: nothing one time in eight, everything one time in eight, else uniform', () => {
    const rng = new Prng(11);
    const units = 1000;
    let none = 0;
    let all = 0;
    let sum = 0;
    let middle = 0;
    const n = 16_000;
    for (let i = 0; i < n; i++) {
      const b = tornBudget(rng, units);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(units);
      if (b === 0) none++;
      else if (b === units) all++;
      else {
        middle++;
        sum += b;
      }
    }
    expect(none / n).toBeGreaterThan(0.11);
    expect(none / n).toBeLessThan(0.14);
    expect(all / n).toBeGreaterThan(0.11);
    expect(all / n).toBeLessThan(0.14);
    expect(sum / middle).toBeGreaterThan(480);
    expect(sum / middle).toBeLessThan(520);
  });
});

describe('ByteImage', () => {
  it('a write past the end fills the gap with zeros; a zero-length write past the end changes nothing', () => {
    const img = new ByteImage();
    img.write(3, new Uint8Array([7, 8]));
    expect([...img.view()]).toEqual([0, 0, 0, 7, 8]);
    img.write(100, new Uint8Array(0));
    expect(img.view().length).toBe(5);
  });

  it('setLen shrinks, and growing again shows zeros, not the old bytes', () => {
    const img = new ByteImage(new Uint8Array([1, 2, 3, 4, 5, 6]));
    img.setLen(2);
    expect([...img.view()]).toEqual([1, 2]);
    img.setLen(5);
    expect([...img.view()]).toEqual([1, 2, 0, 0, 0]);
    img.write(7, new Uint8Array([9]));
    expect([...img.view()]).toEqual([1, 2, 0, 0, 0, 0, 0, 9]);
  });

  it('keeps its content across many growths (a log appended a byte at a time)', () => {
    const img = new ByteImage();
    for (let i = 0; i < 5000; i++) img.write(i, new Uint8Array([i & 0xff]));
    const v = img.view();
    expect(v.length).toBe(5000);
    for (let i = 0; i < 5000; i += 97) expect(v[i]).toBe(i & 0xff);
  });
});
