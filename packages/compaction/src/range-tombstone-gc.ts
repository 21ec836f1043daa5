// Garbage collection of range tombstones: which (fragment, seqno) pairs of a compaction's
// fragmented input tombstones must be written to its outputs. Per fragment [start, end):
// - of several seqnos in one snapshot stripe only the newest is needed: every reader that
//   sees an older one sees the newer one too, and it covers the same keys;
// - a seqno in stripe 0 (<= every snapshot and <= visibleSeqno) is dropped when no level
//   below the output can hold a key of [start, end) (`spanIsBottommost`): every reader
//   sees it, and everything it deletes is in this compaction, in stripe 0, where
//   GcIterator rule 5 drops it -- "deleted" and "no entry" then read the same.
// This mirrors the point-deletion rules (GcIterator rules 1 and 3). Adjacent fragments
// left with the same seqnos are joined again.
// Promises: the result is sorted, disjoint, and covers a subset of the input fragments'
// keys; pure (no I/O).

import type { FragmentedRangeTombstones, TombstoneFragment, Comparator } from '@lsm/base';
import type { SnapshotStripes } from './snapshot-stripes.js';

/** The surviving fragments and how many (fragment, seqno) pairs were dropped. */
export interface RangeTombstoneGcResult {
  readonly fragments: readonly TombstoneFragment[];
  /** (fragment, seqno) pairs dropped: redundant within a stripe or gone at the bottom. */
  readonly droppedFragments: number;
  /** The largest seqno of a fragment dropped at the bottom (-1: none): a change that may be gone. */
  readonly maxDroppedAtBottom: number;
}

/**
 * Applies the rules above. `spanIsBottommost(start, end)`: no table below the output can
 * hold a key in [start, end).
 */
export function collectRangeTombstones(
  cmp: Comparator,
  input: FragmentedRangeTombstones,
  stripes: SnapshotStripes,
  spanIsBottommost: (start: Uint8Array, end: Uint8Array) => boolean,
): RangeTombstoneGcResult {
  const out: TombstoneFragment[] = [];
  let dropped = 0;
  let maxDroppedAtBottom = -1;
  for (const f of input.fragments) {
    const kept: number[] = [];
    let lastStripe = -1;
    let bottom: boolean | undefined;
    for (const seqno of f.seqnos) {
      // Descending seqnos: the first of each stripe is its newest.
      const st = stripes.stripeOf(seqno);
      if (st === lastStripe) {
        dropped++;
        continue;
      }
      lastStripe = st;
      if (st === 0) {
        bottom ??= spanIsBottommost(f.start, f.end);
        if (bottom) {
          dropped++;
          if (seqno > maxDroppedAtBottom) maxDroppedAtBottom = seqno;
          continue;
        }
      }
      kept.push(seqno);
    }
    if (kept.length === 0) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && cmp.compare(prev.end, f.start) === 0 && sameSeqnos(prev.seqnos, kept)) {
      out[out.length - 1] = { start: prev.start, end: f.end, seqnos: prev.seqnos };
    } else {
      out.push({ start: f.start, end: f.end, seqnos: kept });
    }
  }
  return { fragments: out, droppedFragments: dropped, maxDroppedAtBottom };
}

function sameSeqnos(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
