// What a flush job writes: entries in internal-key order (user key ascending, seqno
// descending) and the range deletions. The caller's thread hands its sealed memtable; a
// worker rebuilds the same entries from the sealed write-ahead log and sorts them once
// (a sort of n entries costs about half of n B+tree insertions, measured 2026-12-03),
// keeping the keys and values as views into the log it read. Equal internal keys cannot
// occur: seqnos grow from batch to batch, and a batch record holds a key at most once.

import { type Comparator, type RangeTombstone, type ValueType, bytewiseComparator } from '@lsm/base';
import { PREFIX_BYTES, keyPrefix48 } from '../memtable/key-prefix.js';
import type { Memtable } from '../memtable/memtable.js';

/** Entries of one flush. */
export interface FlushSource {
  /** Point entries. */
  readonly size: number;
  readonly rangeTombstones: readonly RangeTombstone[];
  /** Calls `add` with every point entry in internal-key order. */
  each(add: (key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array) => void): void;
}

/** A sealed memtable as a flush source. */
export function memtableSource(mem: Memtable): FlushSource {
  return {
    size: mem.size,
    rangeTombstones: mem.rangeTombstones,
    each(add) {
      const it = mem.iterator();
      try {
        for (it.seekToFirst(); it.valid(); it.next()) add(it.userKey(), it.seqno(), it.type(), it.value());
      } finally {
        it.close();
      }
    },
  };
}

/** Entries gathered unordered (from a log), sorted once before they are read. */
export class SortedRun implements FlushSource {
  private readonly keys: Uint8Array[] = [];
  private readonly seqs: number[] = [];
  private readonly types: number[] = [];
  private readonly vals: Uint8Array[] = [];
  readonly rangeTombstones: RangeTombstone[] = [];

  constructor(private readonly comparator: Comparator) {}

  get size(): number {
    return this.keys.length;
  }

  add(seqno: number, type: ValueType, key: Uint8Array, value: Uint8Array): void {
    this.keys.push(key);
    this.seqs.push(seqno);
    this.types.push(type);
    this.vals.push(value);
  }

  addRangeTombstone(seqno: number, start: Uint8Array, end: Uint8Array): void {
    this.rangeTombstones.push({ start, end, seqno });
  }

  each(add: (key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array) => void): void {
    const order = this.order();
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      add(this.keys[j]!, this.seqs[j]!, this.types[j] as ValueType, this.vals[j]!);
    }
  }

  /** Entry indexes in internal-key order. */
  private order(): Uint32Array {
    const n = this.keys.length;
    const keys = this.keys;
    const seqs = this.seqs;
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    let cmp: (a: number, b: number) => number;
    if (this.comparator !== bytewiseComparator) {
      const c = this.comparator.compare;
      cmp = (a, b) => c(keys[a]!, keys[b]!) || seqs[b]! - seqs[a]!;
    } else {
      // Bytewise: three 48-bit prefixes per key (as in the memtable) settle most
      // comparisons without touching the key bytes.
      const p1 = new Float64Array(n);
      const p2 = new Float64Array(n);
      const p3 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        p1[i] = keyPrefix48(k, 0);
        p2[i] = keyPrefix48(k, 6);
        p3[i] = keyPrefix48(k, 12);
      }
      cmp = (a, b) => {
        let d = p1[a]! - p1[b]!;
        if (d !== 0) return d;
        d = p2[a]! - p2[b]!;
        if (d !== 0) return d;
        d = p3[a]! - p3[b]!;
        if (d !== 0) return d;
        return compareFrom(keys[a]!, keys[b]!, PREFIX_BYTES) || seqs[b]! - seqs[a]!;
      };
    }
    mergeSort(idx, new Uint32Array(n), 0, n, cmp);
    return idx;
  }
}

/**
 * Sorts a[lo, hi) by `cmp` (stable), with `tmp` as scratch. A merge sort with insertion
 * sort for short runs: measured 1.5x faster than TypedArray.prototype.sort with a
 * comparator on 220k entries (2026-12-03), and it returns early on sorted runs
 * (sequential loads).
 */
function mergeSort(a: Uint32Array, tmp: Uint32Array, lo: number, hi: number, cmp: (x: number, y: number) => number): void {
  if (hi - lo <= 16) {
    for (let i = lo + 1; i < hi; i++) {
      const x = a[i]!;
      let j = i - 1;
      while (j >= lo && cmp(a[j]!, x) > 0) {
        a[j + 1] = a[j]!;
        j--;
      }
      a[j + 1] = x;
    }
    return;
  }
  const mid = (lo + hi) >>> 1;
  mergeSort(a, tmp, lo, mid, cmp);
  mergeSort(a, tmp, mid, hi, cmp);
  if (cmp(a[mid - 1]!, a[mid]!) <= 0) return;
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) tmp[k++] = cmp(a[i]!, a[j]!) <= 0 ? a[i++]! : a[j++]!;
  while (i < mid) tmp[k++] = a[i++]!;
  while (j < hi) tmp[k++] = a[j++]!;
  a.set(tmp.subarray(lo, hi), lo);
}

/** Bytewise comparison from byte `from` (the bytes before are equal, or both keys shorter). */
function compareFrom(a: Uint8Array, b: Uint8Array, from: number): number {
  const la = a.length;
  const lb = b.length;
  const n = la < lb ? la : lb;
  for (let i = Math.min(from, n); i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}
