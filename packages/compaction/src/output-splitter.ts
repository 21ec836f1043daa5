// OutputSplitter: writes a compaction's surviving entries into a sequence of output
// tables, starting a new table when the current one reaches the target size or overlaps
// too much of the level below the output (LevelDB's grandparent limit, which bounds the
// cost of compacting the output table later). Cuts happen only between user keys, so
// every version of a key lands in one table and the outputs are disjoint by user key.
// Promises: a writer is opened only for an entry it will hold (no empty outputs); every
// id obtained from newOutput is recorded in createdIds before anything is written to it;
// abandon() leaves no open writer behind.

import type { Comparator, TableWriter, ValueType } from '@lsm/sstable';
import type { TableMeta } from './table-meta.js';

/** What the splitter needs of a table writer (@lsm/sstable's TableWriter fits). */
export type OutputTableWriter = Pick<TableWriter, 'add' | 'finish' | 'abandon' | 'estimatedFileSize'>;

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
    if (firstOfKey && this.shouldCutBefore(userKey) && this.cur !== undefined) this.finishCurrent();
    if (this.cur === undefined) {
      const out = this.o.newOutput();
      this.createdIds.push(out.id);
      this.cur = out;
    }
    this.cur.writer.add(userKey, seqno, type, value);
  }

  /** Finishes the last table and returns every output's metadata, in key order. */
  finish(): TableMeta[] {
    if (this.cur !== undefined) this.finishCurrent();
    return this.finished;
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
    while (this.gpIndex < gp.length && cmp.compare(userKey, gp[this.gpIndex]!.largest) > 0) {
      if (this.seenKey) this.gpOverlap += gp[this.gpIndex]!.size;
      this.gpIndex++;
    }
    this.seenKey = true;
    const cur = this.cur;
    if (cur === undefined) return false;
    return this.gpOverlap > this.o.maxGrandparentOverlapBytes || cur.writer.estimatedFileSize >= this.o.targetTableSize;
  }

  private finishCurrent(): void {
    const c = this.cur!;
    this.cur = undefined;
    this.gpOverlap = 0;
    const r = c.writer.finish();
    const p = r.properties;
    if (p.smallestKey === undefined || p.largestKey === undefined) {
      // Unreachable: a writer is only opened for an entry it then holds.
      throw new Error(`compaction output ${c.id} finished without point entries`);
    }
    this.finished.push({
      id: c.id,
      size: r.fileSize,
      smallest: p.smallestKey,
      largest: p.largestKey,
      smallestSeqno: p.smallestSeqno,
      largestSeqno: p.largestSeqno,
      entries: p.entryCount,
      tombstones: p.tombstoneCount + p.weakTombstoneCount,
      rangeTombstones: p.rangeTombstoneCount,
    });
  }
}
