// The range-tombstone block: range deletions [start, end) at a seqno, stored unfragmented
// and sorted by start (then seqno descending, then end). Entry key = start user key + an
// 8-byte trailer (type 0x0f, seqno); entry value = end user key. Fragmenting overlapping
// tombstones is the engine's business (as in Pebble's keyspan); this block stores exactly
// what the writer was given.

import { BlockBuilder } from './block-builder.js';
import { decodeBlockEntries, type Block } from './block-reader.js';
import { type Comparator, getTrailerSeqno, putTrailer, RANGE_TOMBSTONE_TYPE, type RangeTombstone, TRAILER_SIZE } from '@lsm/base';

/** Sorts tombstones into block order: start ascending, seqno descending, end ascending. */
export function sortRangeTombstones(list: RangeTombstone[], cmp: Comparator): void {
  list.sort((a, b) => cmp.compare(a.start, b.start) || b.seqno - a.seqno || cmp.compare(a.end, b.end));
}

/** Encodes already-sorted tombstones as a block. */
export function buildRangeTombstoneBlock(sorted: readonly RangeTombstone[]): Uint8Array {
  const b = new BlockBuilder(16);
  let key = new Uint8Array(64);
  for (const t of sorted) {
    const n = t.start.length + TRAILER_SIZE;
    if (key.length < n) key = new Uint8Array(n * 2);
    key.set(t.start);
    putTrailer(key, t.start.length, t.seqno, RANGE_TOMBSTONE_TYPE);
    b.add(key, n, t.end);
  }
  return b.finish().slice();
}

/**
 * Decodes and validates a range-tombstone block (well-formed keys; and, when `cmp` is
 * given, start < end and sorted by start).
 */
export function decodeRangeTombstoneBlock(block: Block, cmp: Comparator | undefined): RangeTombstone[] {
  const out: RangeTombstone[] = [];
  let prev: RangeTombstone | undefined;
  for (const e of decodeBlockEntries(block)) {
    const k = e.key;
    if (k.length < TRAILER_SIZE || k[k.length - TRAILER_SIZE] !== RANGE_TOMBSTONE_TYPE) {
      throw block.corrupt('malformed range tombstone key');
    }
    const seqno = getTrailerSeqno(k, k.length - TRAILER_SIZE);
    if (seqno < 0) throw block.corrupt('range tombstone sequence number out of range');
    const t: RangeTombstone = { start: k.subarray(0, k.length - TRAILER_SIZE), end: e.value.slice(), seqno };
    if (cmp !== undefined) {
      if (cmp.compare(t.start, t.end) >= 0) throw block.corrupt('range tombstone with start >= end');
      if (prev !== undefined && cmp.compare(prev.start, t.start) > 0) throw block.corrupt('range tombstones out of order');
    }
    out.push(t);
    prev = t;
  }
  return out;
}
