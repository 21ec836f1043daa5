// User-key ordering. A table records its comparator's name and refuses to open under a
// different one, because every block, index and merge relies on one consistent order.
// The bytewise comparator is a plain JS loop: on this machine it is ~4x faster than
// Buffer.compare for 16-byte keys (~13 ns vs ~55 ns; Buffer.compare is a native call).
// prefixSuccessor gives the exclusive end of a prefix's key range in bytewise order.

/** Orders user keys. `compare` returns <0, 0, >0 like Array.prototype.sort's callback. */
export interface Comparator {
  /** Recorded in every table; a table opened with a comparator of another name is refused. */
  readonly name: string;
  compare(a: Uint8Array, b: Uint8Array): number;
  /**
   * Optional: a short key k with a <= k < b, used as an index separator between blocks
   * (smaller index). Must return `a` (or an equal key) when no shorter key exists.
   */
  findShortestSeparator?(a: Uint8Array, b: Uint8Array): Uint8Array;
}

/** Compares two byte strings lexicographically (shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const la = a.length;
  const lb = b.length;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * Compares `buf[off, off+len)` with `key` bytewise without making a view: the block
 * search hot path (a subarray costs ~35 ns, more than the comparison itself).
 */
export function compareBytesAt(buf: Uint8Array, off: number, len: number, key: Uint8Array): number {
  const lk = key.length;
  const n = len < lk ? len : lk;
  for (let i = 0; i < n; i++) {
    const d = buf[off + i]! - key[i]!;
    if (d !== 0) return d;
  }
  return len - lk;
}

/** True when the two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The smallest key greater than every key starting with `prefix` (bytewise), or undefined
 * when there is none (an empty prefix, or one of 0xff bytes only).
 */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const out = prefix.slice(0, i + 1);
      out[i]!++;
      return out;
    }
  }
  return undefined;
}

/** The default order: unsigned bytewise, shorter prefix first (LevelDB's BytewiseComparator). */
export const bytewiseComparator: Comparator = Object.freeze({
  name: 'lsm.BytewiseComparator',
  compare: compareBytes,
  findShortestSeparator(a: Uint8Array, b: Uint8Array): Uint8Array {
    // Skip the common prefix. If a's next byte can be bumped and stay below b's, cut
    // there ("abc" | "abz" -> "abd"). If bumping it would reach b's byte, keep that byte
    // and bump the first later byte of a that is not 0xff ("apple" | "banana" -> "aq"):
    // the result still sorts below b (it is smaller at the differing byte) and above a.
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a[i] === b[i]) i++;
    if (i >= n) return a; // one is a prefix of the other: no shorter separator
    const ab = a[i]!;
    if (ab < 0xff && ab + 1 < b[i]!) {
      const out = a.slice(0, i + 1);
      out[i] = ab + 1;
      return out;
    }
    for (let j = i + 1; j < a.length - 1; j++) {
      if (a[j]! < 0xff) {
        const out = a.slice(0, j + 1);
        out[j] = a[j]! + 1;
        return out;
      }
    }
    return a;
  },
});

/** True when the comparator is the built-in bytewise one, so offset-based fast paths apply. */
export function isBytewise(cmp: Comparator): boolean {
  return cmp === bytewiseComparator;
}
