// The ribbon solver: on-the-fly Gaussian elimination of a banded GF(2) system with band
// width w = 64 (Dillinger & Walzer's "Ribbon"), and back-substitution into interleaved
// column-major solution words. Coefficient rows are two 32-bit lanes (lo = bits 0..31,
// hi = bits 32..63); bench/word-repr.ts measures this against BigInt rows.
//
// Promises: insert() either records the row (returns its pivot slot), reports it as
// linearly dependent but consistent (REDUNDANT, e.g. a duplicate key), or reports failure
// (FAILED) without changing any stored row. Rows are only ever written into empty slots,
// so undoing an insertion is clearing its pivot slot, and undoing the most recent
// insertions first (LIFO) is always exact. After backSubstitute(), for every recorded row
// the dot product of its coefficients with the solution equals its right-hand side.

/** insert() result: the row was linearly dependent on stored rows and consistent with them. */
export const REDUNDANT = -1;
/** insert() result: the row was dependent and inconsistent; nothing was stored. */
export const FAILED = -2;

/** Ribbon width: coefficient bits per row. Fixed by format version 1. */
export const RIBBON_WIDTH = 64;

/**
 * The banded system under construction. Slot i holds a normalized row whose lowest set
 * coefficient bit is bit 0 (the pivot) and whose bit j refers to slot i + j; an empty slot
 * has lo == 0 (a stored row always has bit 0 set).
 */
export class BandingStorage {
  readonly numSlots: number;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly rhs: Int32Array;

  constructor(numSlots: number) {
    this.numSlots = numSlots;
    this.lo = new Int32Array(numSlots);
    this.hi = new Int32Array(numSlots);
    this.rhs = new Int32Array(numSlots);
  }

  /** Clears the slot an earlier insert() returned (undo). */
  clear(slot: number): void {
    this.lo[slot] = 0;
    this.hi[slot] = 0;
    this.rhs[slot] = 0;
  }
}

/**
 * Adds the equation <row, solution[start .. start+63]> = rhs, where row bit 0 is set.
 * Returns the pivot slot (>= 0), REDUNDANT, or FAILED. The caller guarantees
 * start + 63 < numSlots; elimination then never leaves the table, because every stored
 * row's support lies inside the windows of the rows it came from.
 */
export function insert(s: BandingStorage, start: number, lo: number, hi: number, rhs: number): number {
  const L = s.lo, H = s.hi, R = s.rhs;
  let pos = start;
  for (;;) {
    const other = L[pos]!;
    if (other === 0) {
      L[pos] = lo;
      H[pos] = hi;
      R[pos] = rhs;
      return pos;
    }
    lo ^= other;
    hi ^= H[pos]!;
    rhs ^= R[pos]!;
    if (lo === 0) {
      if (hi === 0) return rhs === 0 ? REDUNDANT : FAILED;
      // The next pivot is in the high lane: shift by 32 + tz.
      const tz = 31 - Math.clz32(hi & -hi);
      pos += 32 + tz;
      lo = (hi >>> tz) | 0;
      hi = 0;
    } else {
      const tz = 31 - Math.clz32(lo & -lo);
      if (tz !== 0) {
        lo = (lo >>> tz) | (hi << (32 - tz));
        hi = hi >>> tz;
        pos += tz;
      }
    }
  }
}

/**
 * Solves the stored system by back-substitution and returns the r result columns in
 * interleaved layout: for slot group g (slots 32g .. 32g+31) and fingerprint bit k, word
 * g * r + k holds bit k of the solution value of slot 32g + j at bit j. Free variables
 * (empty slots) are set to zero. numSlots must be a multiple of 32.
 */
export function backSubstitute(s: BandingStorage, r: number): Int32Array {
  const n = s.numSlots;
  const L = s.lo, H = s.hi, R = s.rhs;
  const sol = new Int32Array((n >>> 5) * r);
  // One pass per result column keeps the 64-slot solution window of that column in two
  // registers: after the shift, bit j of (wlo, whi) is the solution of slot i + j.
  for (let k = 0; k < r; k++) {
    let wlo = 0, whi = 0;
    for (let i = n - 1; i >= 0; i--) {
      whi = (whi << 1) | (wlo >>> 31);
      wlo <<= 1;
      const a = L[i]!;
      if (a !== 0) {
        let x = (a & wlo) ^ (H[i]! & whi);
        x ^= x >>> 16;
        x ^= x >>> 8;
        x ^= x >>> 4;
        wlo |= ((0x6996 >>> (x & 15)) ^ (R[i]! >>> k)) & 1;
      }
      if ((i & 31) === 0) sol[(i >>> 5) * r + k] = wlo;
    }
  }
  return sol;
}
