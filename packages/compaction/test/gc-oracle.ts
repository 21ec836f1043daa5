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

import { MAX_SEQNO, ValueType, type Entry } from '@lsm/sstable';

/** What one read returns for one key. */
export interface ReadResult {
  /** 'none' (no entry), 'deleted' (a Tombstone / WeakTombstone), or a value. */
  readonly base: 'none' | 'deleted' | { type: number; value: string };
  /** Merge operands seen before the base, newest first. */
  readonly operands: readonly string[];
}

const dec = new TextDecoder();

/** The result of reading one key (entries newest first) at `at`. */
export function read(entries: readonly Entry[], at: number): ReadResult {
  const operands: string[] = [];
  for (const e of entries) {
    if (e.seqno > at) continue;
    if (e.type === ValueType.Merge) {
      operands.push(dec.decode(e.value));
      continue;
    }
    if (e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone) return { base: 'deleted', operands };
    return { base: { type: e.type, value: dec.decode(e.value) }, operands };
  }
  return { base: 'none', operands };
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

/**
 * The entries (of one key, newest first) that garbage collection must keep, given the
 * read points (`boundaries`, sorted unique) and whether nothing older exists below.
 * Returns the survivors and how many deletions / other entries are dropped.
 */
export function expectedSurvivors(
  input: readonly Entry[],
  boundaries: readonly number[],
  bottommost: boolean,
): { kept: Entry[]; droppedTombstones: number; droppedVersions: number } {
  const isDeletion = (e: Entry) => e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone;
  const isValue = (e: Entry) => e.type === ValueType.Value || e.type === ValueType.Indirection;
  const stripe = (e: Entry) => stripeOf(boundaries, e.seqno);
  const goesAtBottom = (e: Entry) => isDeletion(e) && bottommost && stripe(e) === 0;
  let droppedTombstones = 0;
  let droppedVersions = 0;

  // Pass 1: cancellations.
  const list: Entry[] = [];
  for (let i = 0; i < input.length; i++) {
    const w = input[i]!;
    const v = input[i + 1];
    if (w.type === ValueType.WeakTombstone && !goesAtBottom(w) && v !== undefined && isValue(v) && stripe(v) === stripe(w)) {
      droppedTombstones++;
      droppedVersions++;
      i++;
      continue;
    }
    list.push(w);
  }

  // Pass 2: needed[i] = some reader reaches list[i] (directly, or reading on through merge operands).
  const needed = new Array<boolean>(list.length).fill(false);
  for (const at of [...boundaries, MAX_SEQNO]) {
    let i = list.findIndex((e) => e.seqno <= at);
    if (i < 0) continue;
    needed[i] = true;
    while (list[i]!.type === ValueType.Merge && i + 1 < list.length) needed[++i] = true;
  }
  const kept: Entry[] = [];
  let lastKept: number | undefined;
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    const stays = !goesAtBottom(e) && (needed[i] || (isDeletion(e) && lastKept !== ValueType.Tombstone));
    if (stays) {
      kept.push(e);
      lastKept = e.type;
    } else if (isDeletion(e)) droppedTombstones++;
    else droppedVersions++;
  }
  return { kept, droppedTombstones, droppedVersions };
}
