// A brute-force oracle for MVCC garbage collection, written from the readers' point of
// view rather than as a state machine:
// - read(history, at): what a reader at seqno `at` gets for one key (walk newest-first
//   entries at or below `at`, collect merge operands, stop at the first non-merge);
// - expectedSurvivors(input, ...): the entries the GC rules must keep. First every
//   WeakTombstone with a Value/Indirection right under it in the same stripe cancels
//   with it (newest first; not in stripe 0 at the bottom, where it simply goes). Then on
//   what is left an entry is needed when some reader (a snapshot, "now", or a future
//   reader) reaches it; needed entries stay, except deletions in stripe 0 at the bottom;
//   an unneeded deletion also stays when the nearest kept entry above it is not a
//   Tombstone (a later cancellation could otherwise uncover what it hides).
// Reads treat a deletion and "no entry" alike, merge operands on top or not: the
// engine's read contract (a compaction never sees merge operands in newer levels).
// Issue #7 extensions, formulated as separate passes over one key's entries:
// - range tombstones: an entry is gone when a covering input tombstone is newer and in
//   its stripe (done first); reads stop at the newest covering tombstone they see;
// - merge collapse: after cancellations, a stripe whose first remaining entries are
//   operands has them replaced by one Value when what a reader sees under them is known:
//   a range tombstone newer than the next input entry, or that entry if it is a Value or
//   deletion of the same stripe, or nothing at all at the bottom;
// - compaction filter: applied to the first kept entry when it is a Value newer than
//   every snapshot and not above visibleSeqno.

import { MAX_SEQNO, ValueType, type Entry } from '@lsm/base';
import type { CompactionFilter, MergeOperator } from '../src/index.js';

/** What one read returns for one key. */
export interface ReadResult {
  /** 'none' (no entry), 'deleted' (a Tombstone / WeakTombstone), or a value. */
  readonly base: 'none' | 'deleted' | { type: number; value: string };
  /** Merge operands seen before the base, newest first. */
  readonly operands: readonly string[];
}

const dec = new TextDecoder();

/**
 * The result of reading one key (entries newest first) at `at`; `tombstones` are the
 * seqnos of the range tombstones covering the key (any order).
 */
export function read(entries: readonly Entry[], at: number, tombstones: readonly number[] = []): ReadResult {
  const operands: string[] = [];
  let rt = -1;
  for (const t of tombstones) if (t <= at && t > rt) rt = t;
  for (const e of entries) {
    if (e.seqno > at) continue;
    if (e.seqno < rt) return { base: 'deleted', operands };
    if (e.type === ValueType.Merge) {
      operands.push(dec.decode(e.value));
      continue;
    }
    if (e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone) return { base: 'deleted', operands };
    return { base: { type: e.type, value: dec.decode(e.value) }, operands };
  }
  return { base: rt >= 0 ? 'deleted' : 'none', operands };
}

const enc = new TextEncoder();

/** A read with the operator applied (operands on an Indirection stay unresolved, as compaction leaves them). */
export function resolve(r: ReadResult, op: MergeOperator | undefined, key: Uint8Array): ReadResult {
  if (op === undefined || r.operands.length === 0) return r;
  if (typeof r.base !== 'string' && r.base.type === ValueType.Indirection) return r;
  const base = typeof r.base === 'string' ? undefined : enc.encode(r.base.value);
  const v = op.merge(key, base, r.operands.map((x) => enc.encode(x)).reverse());
  return { base: { type: ValueType.Value, value: dec.decode(v) }, operands: [] };
}

/** Reads are equal; "deleted" and "none" are the same answer (with or without operands on them). */
export function sameRead(a: ReadResult, b: ReadResult): boolean {
  if (a.operands.length !== b.operands.length || a.operands.some((x, i) => x !== b.operands[i])) return false;
  const norm = (r: ReadResult) => (r.base === 'deleted' ? 'none' : r.base);
  const x = norm(a);
  const y = norm(b);
  if (typeof x === 'string' || typeof y === 'string') return x === y;
  return x.type === y.type && x.value === y.value;
}

/** The stripe of a seqno for sorted unique boundaries (index of the first boundary >= seqno). */
export function stripeOf(boundaries: readonly number[], seqno: number): number {
  let i = 0;
  while (i < boundaries.length && boundaries[i]! < seqno) i++;
  return i;
}

/** Options of the extended oracle. */
export interface OracleOptions {
  /** Seqnos of the input's range tombstones covering the key. */
  readonly tombstones?: readonly number[];
  readonly mergeOperator?: MergeOperator;
  readonly filter?: CompactionFilter;
  readonly snapshots?: readonly number[];
  readonly visibleSeqno?: number;
  readonly level?: number;
}

/** What the oracle expects GC to do to one key. */
export interface Expected {
  kept: Entry[];
  droppedTombstones: number;
  droppedVersions: number;
  droppedByRangeTombstones: number;
  mergesCollapsed: number;
  operandsMerged: number;
  filterRemoved: number;
  filterChanged: number;
  /**
   * The input with collapsed runs replaced by their Value and the filter's decision
   * applied: what every reader must see in place of the input after GC.
   */
  semantic: Entry[];
}

/**
 * The entries (of one key, newest first) that garbage collection must keep, given the
 * read points (`boundaries`, sorted unique) and whether nothing older exists below.
 * Returns the survivors and how many deletions / other entries are dropped.
 */
export function expectedSurvivors(
  input: readonly Entry[],
  boundaries: readonly number[],
  bottommost: boolean,
  o: OracleOptions = {},
): Expected {
  const isDeletion = (e: Entry) => e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone;
  const isValue = (e: Entry) => e.type === ValueType.Value || e.type === ValueType.Indirection;
  const stripe = (e: Entry | number) => stripeOf(boundaries, typeof e === 'number' ? e : e.seqno);
  const goesAtBottom = (e: Entry) => isDeletion(e) && bottommost && stripe(e) === 0;
  const tombs = o.tombstones ?? [];
  const x: Expected = {
    kept: [],
    droppedTombstones: 0,
    droppedVersions: 0,
    droppedByRangeTombstones: 0,
    mergesCollapsed: 0,
    operandsMerged: 0,
    filterRemoved: 0,
    filterChanged: 0,
    semantic: [...input],
  };
  const dropOne = (e: Entry) => (isDeletion(e) ? x.droppedTombstones++ : x.droppedVersions++);

  // Pass 0: range tombstones newer than the entry in its stripe.
  const l0: Entry[] = [];
  for (const e of input) {
    if (tombs.some((t) => t > e.seqno && stripe(t) === stripe(e))) {
      dropOne(e);
      x.droppedByRangeTombstones++;
    } else l0.push(e);
  }

  // Pass 1: cancellations.
  const list: Entry[] = [];
  for (let i = 0; i < l0.length; i++) {
    const w = l0[i]!;
    const v = l0[i + 1];
    if (w.type === ValueType.WeakTombstone && !goesAtBottom(w) && v !== undefined && isValue(v) && stripe(v) === stripe(w)) {
      x.droppedTombstones++;
      x.droppedVersions++;
      i++;
      continue;
    }
    list.push(w);
  }

  // Pass 1b: merge collapse of the leading operands of each stripe.
  if (o.mergeOperator !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const first = list[i]!;
      const st = stripe(first);
      if (i > 0 && stripe(list[i - 1]!) === st) continue; // not the first of its stripe
      if (first.type !== ValueType.Merge) continue;
      let j = i;
      while (j + 1 < list.length && list[j + 1]!.type === ValueType.Merge && stripe(list[j + 1]!) === st) j++;
      const run = list.slice(i, j + 1);
      const oldest = run[run.length - 1]!;
      const next = input[input.indexOf(oldest) + 1];
      const nextSeq = next === undefined ? -1 : next.seqno;
      let collapse = false;
      let base: Uint8Array | undefined;
      if (tombs.some((t) => t < oldest.seqno && t > nextSeq)) {
        collapse = true; // the reader sees a range tombstone under the run
      } else if (next !== undefined) {
        if (stripe(next) === st && next.type === ValueType.Value) {
          collapse = true;
          base = next.value;
        } else if (stripe(next) === st && isDeletion(next)) collapse = true;
      } else {
        collapse = bottommost;
      }
      if (!collapse) continue;
      const value = o.mergeOperator.merge(first.userKey, base, run.map((e) => e.value).reverse());
      const merged: Entry = { userKey: first.userKey, seqno: first.seqno, type: ValueType.Value, value };
      list.splice(i, run.length, merged);
      x.mergesCollapsed++;
      x.operandsMerged += run.length;
      x.droppedVersions += run.length - 1;
      const si = x.semantic.indexOf(first);
      x.semantic.splice(si, run.length, merged);
    }
  }

  // Pass 2: needed[i] = some reader reaches list[i] (directly, or reading on through merge operands).
  const needed = new Array<boolean>(list.length).fill(false);
  for (const at of [...boundaries, MAX_SEQNO]) {
    let i = list.findIndex((e) => e.seqno <= at);
    if (i < 0) continue;
    needed[i] = true;
    while (list[i]!.type === ValueType.Merge && i + 1 < list.length) needed[++i] = true;
  }
  const newestSnapshot = Math.max(-1, ...(o.snapshots ?? []));
  let lastKept: number | undefined;
  for (let i = 0; i < list.length; i++) {
    let e = list[i]!;
    const stays = !goesAtBottom(e) && (needed[i] || (isDeletion(e) && lastKept !== ValueType.Tombstone));
    if (!stays) {
      dropOne(e);
      continue;
    }
    if (o.filter !== undefined && x.kept.length === 0 && e.type === ValueType.Value && e.seqno <= (o.visibleSeqno ?? MAX_SEQNO) && e.seqno > newestSnapshot) {
      const d = o.filter.filter(e.userKey, e.value, { level: o.level ?? 0, seqno: e.seqno });
      if (d !== 'keep') {
        const si = x.semantic.indexOf(e);
        if (d === 'remove') {
          x.filterRemoved++;
          e = { userKey: e.userKey, seqno: e.seqno, type: ValueType.Tombstone, value: new Uint8Array(0) };
          x.semantic[si] = e;
          if (stripe(e) === 0 && bottommost) {
            x.droppedVersions++;
            continue;
          }
        } else {
          x.filterChanged++;
          e = { userKey: e.userKey, seqno: e.seqno, type: ValueType.Value, value: d.change };
          x.semantic[si] = e;
        }
      }
    }
    x.kept.push(e);
    lastKept = e.type;
  }
  return x;
}
