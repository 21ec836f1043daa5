// OutputSplitter: writes a compaction's surviving entries into a sequence of output
// tables, starting a new table when the current one reaches the target size or overlaps
// too much of the level below the output (LevelDB's grandparent limit, which bounds the
// cost of compacting the output table later). Cuts happen only between user keys, so
// every version of a key lands in one table and the outputs are disjoint by user key.
// Surviving range-tombstone fragments are written into the output whose key span they
// fall in, clipped at the cuts: a fragment spanning a cut at key k is split into [.., k)
// in the earlier output (which then ends exclusively at k) and [k, ..) in the later one.
// Fragments before the first point key go to the first output, after the last to the last;
// a compaction with fragments but no point entries writes one tombstone-only output.
// Promises: a writer is opened only for an entry or fragment it will hold (no empty
// outputs); outputs are sorted and disjoint under TableMeta's bounds contract; every
// id obtained from newOutput is recorded in createdIds before anything is written to it;
// abandon() leaves no open writer behind.

import type { Comparator, TombstoneFragment, ValueType } from '@lsm/base';
import type { TableWriter } from '@lsm/sstable';
import { endsBefore } from './key-range.js';
import { tableMetaFromProperties, type TableMeta } from './table-meta.js';

/** What the splitter needs of a table writer (@lsm/sstable's TableWriter fits). */
export type OutputTableWriter = Pick<TableWriter, 'add' | 'addRangeTombstone' | 'finish' | 'abandon' | 'estimatedFileSize'>;

/** A new output table: its file number and a writer over its (new, empty) file. */
export interface CompactionOutput {
  readonly id: number;
  readonly writer: OutputTableWriter;
}

export interface OutputSplitterOptions {
  readonly comparator: Comparator;
  /** Opens the next output table. */
  readonly newOutput: () => CompactionOutput;
  /** Cut once the current table's estimated size reaches this. */
  readonly targetTableSize: number;
  /** Tables of the level below the output, sorted by smallest key (may be empty). */
  readonly grandparents: readonly TableMeta[];
  /** Cut once the current table overlaps more than this many grandparent bytes. */
  readonly maxGrandparentOverlapBytes: number;
  /** Range-tombstone fragments to write (sorted, disjoint); absent: none. */
  readonly fragments?: readonly TombstoneFragment[];
}

export class OutputSplitter {
  /** Ids of every output opened, in order (finished or not). */
  readonly createdIds: number[] = [];
  /** Metadata of the finished outputs, in key order. */
  readonly finished: TableMeta[] = [];
  private cur: CompactionOutput | undefined;
  private gpIndex = 0;
  private gpOverlap = 0;
  private seenKey = false;
  /** Next fragment to write, and the current output's lower bound (undefined: none). */
  private fragIdx = 0;
  private lower: Uint8Array | undefined;
  /** Range tombstones written (each fragment piece once per seqno). */
  rangeTombstonesWritten = 0;

  constructor(private readonly o: OutputSplitterOptions) {}

  /** Sum of the finished outputs' file sizes. */
  get bytesWritten(): number {
    let n = 0;
    for (const t of this.finished) n += t.size;
    return n;
  }

  /**
   * Adds one entry. `firstOfKey` is true for the first entry of each user key; only
   * then may the current table be cut.
   */
  add(userKey: Uint8Array, seqno: number, type: ValueType, value: Uint8Array, firstOfKey: boolean): void {
    if (firstOfKey && this.shouldCutBefore(userKey) && this.cur !== undefined) this.finishCurrent(userKey);
    if (this.cur === undefined) this.open();
    this.cur!.writer.add(userKey, seqno, type, value);
  }

  /** Finishes the last table and returns every output's metadata, in key order. */
  finish(): TableMeta[] {
    if (this.cur === undefined && this.fragIdx < (this.o.fragments?.length ?? 0)) this.open();
    if (this.cur !== undefined) this.finishCurrent(undefined);
    return this.finished;
  }

  private open(): void {
    const out = this.o.newOutput();
    this.createdIds.push(out.id);
    this.cur = out;
  }

  /** Abandons the table being written (its writer removes the partial file). Never throws. */
  abandon(): void {
    const c = this.cur;
    this.cur = undefined;
    try {
      c?.writer.abandon();
    } catch {
      // best effort: the caller is already reporting a failure
    }
  }

  /**
   * LevelDB's ShouldStopBefore, plus the size target: walks the grandparents the key has
   * passed, counting their bytes once the current table holds data.
   */
  private shouldCutBefore(userKey: Uint8Array): boolean {
    const gp = this.o.grandparents;
    const cmp = this.o.comparator;
    while (this.gpIndex < gp.length && endsBefore(cmp, gp[this.gpIndex]!, userKey)) {
      if (this.seenKey) this.gpOverlap += gp[this.gpIndex]!.size;
      this.gpIndex++;
    }
    this.seenKey = true;
    const cur = this.cur;
    if (cur === undefined) return false;
    return this.gpOverlap > this.o.maxGrandparentOverlapBytes || cur.writer.estimatedFileSize >= this.o.targetTableSize;
  }

  /** Writes the fragments below `cut` (all when undefined) into the current table and finishes it. */
  private finishCurrent(cut: Uint8Array | undefined): void {
    const c = this.cur!;
    this.writeFragments(c, cut);
    this.cur = undefined;
    this.gpOverlap = 0;
    this.lower = cut;
    const r = c.writer.finish();
    this.finished.push(tableMetaFromProperties(this.o.comparator, c.id, r.fileSize, r.properties));
  }

  /** The current output's share of the fragments: those starting below `cut`, clipped to [lower, cut). */
  private writeFragments(c: CompactionOutput, cut: Uint8Array | undefined): void {
    const frags = this.o.fragments;
    if (frags === undefined) return;
    const cmp = this.o.comparator;
    while (this.fragIdx < frags.length) {
      const f = frags[this.fragIdx]!;
      if (cut !== undefined && cmp.compare(f.start, cut) >= 0) break;
      const start = this.lower !== undefined && cmp.compare(f.start, this.lower) < 0 ? this.lower : f.start;
      const spans = cut !== undefined && cmp.compare(f.end, cut) > 0;
      const end = spans ? cut : f.end;
      for (const seqno of f.seqnos) c.writer.addRangeTombstone(start, end, seqno);
      this.rangeTombstonesWritten += f.seqnos.length;
      if (spans) break; // the rest of it belongs to the next output
      this.fragIdx++;
    }
  }
}
