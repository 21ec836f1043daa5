// A sealed memtable as data another thread can read. Its entries, in internal-key order,
// go into four typed arrays (made once, on the caller's thread, by one walk over the
// B+tree's leaves) that are transferred, not copied; the keys and values stay where they
// are, in the arena's shared buffers. A flush on a worker reads the memtable from this,
// instead of re-reading, checksumming (decrypting) and sorting its write-ahead log.
//
// Promises: eachImageEntry() hands out exactly the memtable's point entries at the time of
// memtableImage(), in its order, with the same bytes. A sealed memtable never changes, so
// an image of one stays true for as long as the memtable's arena lives (the worker's copy
// of the shared buffers keeps it alive).

import type { RangeTombstone, ValueType } from '@lsm/base';
import { Arena, type ArenaImage } from './arena.js';
import type { Memtable } from './memtable.js';
import { LEN_SHIFT } from './memtable-tree.js';

/** A memtable's entries and buffers, as postMessage can carry them. */
export interface MemtableImage {
  readonly arena: ArenaImage;
  /** Point entries. */
  readonly count: number;
  /** Per entry, in internal-key order: arena location of the key (its value follows it). */
  readonly locs: Float64Array;
  /** Per entry: key length * 2^32 + value length. */
  readonly lens: Float64Array;
  readonly seqs: Float64Array;
  readonly types: Uint8Array;
  /** Range deletions in insertion order (copied by postMessage: few and small). */
  readonly rangeTombstones: readonly RangeTombstone[];
}

/** The image of `mem`, which must not take writes any more (a sealed memtable). */
export function memtableImage(mem: Memtable): MemtableImage {
  const tree = mem.tree;
  const n = tree.size;
  const locs = new Float64Array(n);
  const lens = new Float64Array(n);
  const seqs = new Float64Array(n);
  const types = new Uint8Array(n);
  let j = 0;
  for (let leaf: typeof tree.first | null = tree.first; leaf !== null; leaf = leaf.next) {
    const ll = leaf.locs, ln = leaf.lens, ls = leaf.seqs, lt = leaf.types;
    for (let i = 0, c = leaf.n; i < c; i++, j++) {
      locs[j] = ll[i]!;
      lens[j] = ln[i]!;
      seqs[j] = ls[i]!;
      types[j] = lt[i]!;
    }
  }
  return { arena: tree.arenaImage(), count: n, locs, lens, seqs, types, rangeTombstones: mem.rangeTombstones.slice() };
}

/** The buffers of `image` that postMessage should move instead of copying (its own arrays; the arena is shared). */
export function imageTransferList(image: MemtableImage): ArrayBuffer[] {
  return [image.locs.buffer as ArrayBuffer, image.lens.buffer as ArrayBuffer, image.seqs.buffer as ArrayBuffer, image.types.buffer as ArrayBuffer];
}

/** Calls `add` with every point entry of `image` in order; keys and values are views into the arena. */
export function eachImageEntry(image: MemtableImage, add: (key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array) => void): void {
  const arena = Arena.fromImage(image.arena);
  const { locs, lens, seqs, types } = image;
  for (let i = 0, n = image.count; i < n; i++) {
    const loc = locs[i]!;
    const len = lens[i]!;
    const klen = Math.floor(len / LEN_SHIFT);
    add(arena.view(loc, klen), seqs[i]!, types[i] as ValueType, arena.view(loc + klen, len - klen * LEN_SHIFT));
  }
}
