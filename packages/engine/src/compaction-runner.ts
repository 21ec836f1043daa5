// Runs compactions for a Tree: asks the strategy for a plan, executes it (a manifest-only
// move when the plan allows, otherwise a merge through @lsm/compaction), installs the
// result with one durable manifest edit, and only then lets the inputs be deleted (and
// only once no reader holds a version that uses them). Synchronous, like the rest of
// the core: a compaction runs inside the call that triggered it.

import {
  type CompactionFilter,
  type CompactionPlan,
  type CompactionStrategy,
  type MergeOperator,
  type TableMeta,
  runCompaction,
} from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import { type Comparator, toIoError } from '@lsm/base';
import { TableWriter, type TableWriterOptions } from '@lsm/sstable';
import type { BlobJob } from './blob-job.js';
import { tableFileName } from './file-names.js';
import { removeQuietly } from './flush.js';
import type { Counters } from './stats.js';
import type { TableCache } from './table-cache.js';
import type { VersionSet } from './version-set.js';

/** What the runner needs from its Tree. */
export interface CompactionHost {
  fs: Fs;
  dir: string;
  comparator: Comparator;
  strategy: CompactionStrategy;
  versions: VersionSet;
  tableCache: TableCache;
  writerOptions: () => TableWriterOptions;
  /** Seqnos of open snapshots, ascending. */
  snapshots: () => number[];
  lastSeqno: () => number;
  counters: Counters;
  /** Folds merge operands where compaction meets their base. */
  mergeOperator?: MergeOperator;
  /** The user's compaction filter. */
  compactionFilter?: CompactionFilter;
  /** Reads a blob pointer's value (K/V separation), for merges collapsing onto it. */
  readIndirection?: (userKey: Uint8Array, pointer: Uint8Array) => Uint8Array;
  /** Deletes files no live version uses (called after each installed compaction). */
  onObsolete: () => void;
  /** K/V separation: the blob job of a compaction (undefined: no blob work). */
  blobJob?: () => BlobJob | undefined;
  /** Counts what a finished blob job wrote. */
  onBlobJob?: (job: BlobJob) => void;
}

/** Most compactions one trigger runs before returning to the caller (bounds a write's latency). */
const MAX_ROUNDS = 64;

/** Picks and executes compactions. */
export class CompactionRunner {
  /** Output tables of the compaction in progress (not yet in any version). */
  private readonly pending = new Set<number>();
  /** The last automatic compaction failure, if the most recent attempt failed. */
  lastError: unknown;

  constructor(private readonly host: CompactionHost) {}

  /** True while `id` is an output of a compaction in progress. */
  isOutput(id: number): boolean {
    return this.pending.has(id);
  }

  /**
   * After a flush: compacts while the strategy asks for it (when `auto`), and always when
   * L0 reached the strategy's stall threshold. A failure is counted and kept in
   * `lastError`; it is thrown only when L0 is still at the stall threshold, so writes
   * stop instead of piling up tables without bound.
   */
  afterFlush(auto: boolean): void {
    const h = this.host;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const stalled = h.versions.current.levels[0]!.length >= h.strategy.l0StallFiles;
      if (!auto && !stalled) return;
      const plan = h.strategy.pick(h.versions.current);
      if (plan === null) return;
      try {
        this.execute(plan);
        this.lastError = undefined;
      } catch (err) {
        h.counters.compactionErrors++;
        this.lastError = err;
        if (h.versions.current.levels[0]!.length >= h.strategy.l0StallFiles) throw err;
        return;
      }
    }
  }

  /** Major compaction: executes, in order, the plans the strategy gives for "everything down". */
  major(): void {
    const h = this.host;
    const picked = h.strategy.pickMajor(h.versions.current);
    const plans = picked === null ? [] : Array.isArray(picked) ? picked : [picked];
    for (const plan of plans) this.execute(plan);
  }

  private clearPending(ids: readonly number[]): void {
    for (const id of ids) this.pending.delete(id);
  }

  /** Executes one plan and installs its result. */
  execute(plan: CompactionPlan): void {
    const h = this.host;
    const deleted = plan.inputs.flatMap((g) => g.tables.map((t) => ({ level: g.level, id: t.id })));
    if (plan.kind === 'drop') {
      // FIFO: the inputs leave the tree by a manifest edit alone.
      h.versions.logAndApply({ deleted });
      h.counters.compactions++;
      h.counters.tablesDropped += deleted.length;
      h.onObsolete();
      return;
    }
    if (plan.trivialMove) {
      const added = plan.inputs.flatMap((g) => g.tables.map((meta) => ({ level: plan.outputLevel, meta })));
      h.versions.logAndApply({ deleted, added });
      h.counters.trivialMoves++;
      return;
    }
    const created: number[] = [];
    let outputs: TableMeta[];
    const blobs = h.blobJob?.();
    try {
      const result = runCompaction(plan, {
        comparator: h.comparator,
        openInput: (meta: TableMeta) => h.tableCache.iterator(meta.id, { fillCache: false }),
        openInputTombstones: (meta: TableMeta) => {
          const table = h.tableCache.acquire(meta.id);
          try {
            return table.rangeTombstones();
          } finally {
            h.tableCache.release(meta.id);
          }
        },
        ...(h.mergeOperator !== undefined ? { mergeOperator: h.mergeOperator } : {}),
        ...(h.compactionFilter !== undefined ? { compactionFilter: h.compactionFilter } : {}),
        ...(h.readIndirection !== undefined && h.mergeOperator !== undefined ? { readIndirection: h.readIndirection } : {}),
        newOutput: () => {
          const id = h.versions.newFileNumber();
          created.push(id);
          this.pending.add(id);
          const writer = new TableWriter(h.fs, `${h.dir}/${tableFileName(id)}`, { ...h.writerOptions(), fileNumber: id });
          return { id, writer: blobs === undefined ? writer : blobs.tableWriter(id, writer) };
        },
        snapshots: h.snapshots(),
        visibleSeqno: h.lastSeqno(),
      });
      outputs = blobs === undefined ? [...result.outputs] : result.outputs.map((m) => blobs.annotate(m));
      blobs?.finish();
      if (blobs !== undefined) h.onBlobJob?.(blobs);
      h.counters.compactionBytesRead += result.bytesRead;
      h.counters.droppedByRangeTombstones += result.droppedByRangeTombstones;
      h.counters.rangeTombstonesDropped += result.rangeTombstonesDropped;
      h.counters.mergesCollapsed += result.mergesCollapsed;
      h.counters.filterRemoved += result.filterRemoved;
      h.counters.filterChanged += result.filterChanged;
      h.counters.tableBytesWritten += result.bytesWritten;
      // Every output's name must be durable before the manifest refers to it.
      h.fs.syncDirectory(h.dir);
    } catch (err) {
      for (const id of created) removeQuietly(h.fs, `${h.dir}/${tableFileName(id)}`);
      blobs?.abandon();
      this.clearPending(created);
      throw toIoError(err, 'compaction');
    }
    try {
      h.versions.logAndApply({ deleted, added: outputs.map((meta) => ({ level: plan.outputLevel, meta })), addedBlobs: blobs?.files });
    } catch (err) {
      // The edit may be on disk: the outputs stay until a new manifest settles it (the
      // Tree deletes no table meanwhile); then they are orphans like any other.
      throw toIoError(err, 'compaction');
    } finally {
      this.clearPending(created);
    }
    h.counters.compactions++;
    h.onObsolete();
  }
}
