// The ribbon solver's promises on random systems: insert() stores a row, reports a
// consistent dependent row as REDUNDANT and an inconsistent one as FAILED without storing
// anything, and after backSubstitute() every stored row's equation holds for every one of
// the r result bits (read back from the interleaved solution layout).

import { describe, expect, it } from 'vitest';
import { BandingStorage, backSubstitute, FAILED, insert, REDUNDANT } from '../src/ribbon-solver.js';
import { rng } from './helpers.js';

/** Bit k of the solution value of `slot` in the interleaved layout. */
function solutionBit(sol: Int32Array, r: number, slot: number, k: number): number {
  return (sol[(slot >>> 5) * r + k]! >>> (slot & 31)) & 1;
}

/** The r-bit value <row, solution[start .. start+63]>. */
function evaluate(sol: Int32Array, r: number, start: number, lo: number, hi: number): number {
  let v = 0;
  for (let k = 0; k < r; k++) {
    let bit = 0;
    for (let j = 0; j < 64; j++) {
      const c = j < 32 ? (lo >>> j) & 1 : (hi >>> (j - 32)) & 1;
      if (c) bit ^= solutionBit(sol, r, start + j, k);
    }
    v |= bit << k;
  }
  return v >>> 0;
}

describe('ribbon solver', () => {
  for (const r of [1, 7, 32]) {
    it(`stored rows hold after back-substitution (r = ${r})`, () => {
      const next = rng(100 + r);
      const numSlots = 512;
      const s = new BandingStorage(numSlots);
      const rows: [number, number, number, number][] = [];
      let failed = 0;
      // 95% load: most rows are stored, some fail.
      for (let i = 0; i < 486; i++) {
        const start = (next() >>> 0) % (numSlots - 63);
        const lo = next() | 1, hi = next();
        const rhs = r === 32 ? next() >>> 0 : (next() >>> 0) & ((1 << r) - 1);
        const res = insert(s, start, lo, hi, rhs);
        if (res === FAILED) failed++;
        else rows.push([start, lo, hi, rhs]);
      }
      expect(rows.length).toBeGreaterThan(400);
      const sol = backSubstitute(s, r);
      expect(sol.length).toBe((numSlots / 32) * r);
      for (const [start, lo, hi, rhs] of rows) expect(evaluate(sol, r, start, lo, hi), `row at ${start}`).toBe(rhs);
      void failed;
    });
  }

  it('a repeated row is REDUNDANT with the same right-hand side and FAILED with another, storing nothing', () => {
    const s = new BandingStorage(128);
    expect(insert(s, 5, 0b1011, 0x80000000, 6)).toBe(5);
    const before = [s.lo.slice(), s.hi.slice(), s.rhs.slice()];
    expect(insert(s, 5, 0b1011, 0x80000000, 6)).toBe(REDUNDANT);
    expect(insert(s, 5, 0b1011, 0x80000000, 7)).toBe(FAILED);
    expect([s.lo, s.hi, s.rhs]).toEqual(before);
    // A different row at the same start is reduced and stored at its new pivot.
    expect(insert(s, 5, 0b0011, 0x80000000, 2)).toBe(8); // 1011 ^ 0011 = 1000: pivot 5 + 3
    expect(s.lo[8]).toBe(1);
  });

  it('moves the pivot into the high lane when the low lane cancels', () => {
    const s = new BandingStorage(128);
    expect(insert(s, 0, 1, 0b100, 1)).toBe(0);
    // Same low lane, different high lane: the difference has its lowest bit at 32 + 3.
    expect(insert(s, 0, 1, 0b1100, 0)).toBe(35);
    expect([s.lo[35], s.hi[35], s.rhs[35]]).toEqual([1, 0, 1]);
    const sol = backSubstitute(s, 1);
    expect(evaluate(sol, 1, 0, 1, 0b100)).toBe(1);
    expect(evaluate(sol, 1, 0, 1, 0b1100)).toBe(0);
  });

  it('in the high lane the pivot is the lowest set bit of several, and the rest of the row moves with it', () => {
    const s = new BandingStorage(128);
    expect(insert(s, 0, 1, 0b10010, 1)).toBe(0);
    // The high lanes differ in bits 2, 3 and 4: the pivot is slot 32 + 2, and the row kept
    // there is the difference shifted down by 2 (0b111), not its top bit alone.
    expect(insert(s, 0, 1, 0b01110, 0)).toBe(34);
    expect([s.lo[34], s.hi[34], s.rhs[34]]).toEqual([0b111, 0, 1]);
    const sol = backSubstitute(s, 1);
    expect(evaluate(sol, 1, 0, 1, 0b10010)).toBe(1);
    expect(evaluate(sol, 1, 0, 1, 0b01110)).toBe(0);
  });

  it('clear() undoes an insertion, and empty slots solve to zero', () => {
    const s = new BandingStorage(96);
    const slot = insert(s, 10, 1, 0, 1);
    s.clear(slot);
    expect([s.lo[slot], s.hi[slot], s.rhs[slot]]).toEqual([0, 0, 0]);
    expect([...backSubstitute(s, 3)]).toEqual(new Array(9).fill(0));
    expect(insert(s, 10, 1, 0, 0)).toBe(10);
  });
});
