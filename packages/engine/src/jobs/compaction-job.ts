// The compaction job: a plan's inputs merged (runCompaction: MVCC garbage collection,
// range tombstones, merge operands, compaction filter) into new tables, with blob
// references carried and blob files collected on the way. It reads only the input files
// the plan names and writes only files numbered from its reserved range; it changes no
// manifest. The snapshots and the visible seqno are those of the moment the job was
// planned: a snapshot taken later sees everything the inputs hold, so it needs nothing
// the job would drop.

import { runCompaction } from '@lsm/compaction';
import type { JobEnv } from './job-env.js';
import { JobOutputs } from './job-outputs.js';
import type { CompactionJobSpec, JobSuccess } from './job-types.js';

/** Runs the plan. Returns the durable outputs (nothing in a version yet). */
export function runCompactionJob(env: JobEnv, spec: CompactionJobSpec, blobWork: boolean): JobSuccess {
  const started = performance.now();
  const out = new JobOutputs(env, spec.numbers, blobWork ? new Set(spec.gcBlobFiles) : undefined, spec.compression);
  try {
    const result = runCompaction(spec.plan, {
      comparator: env.comparator,
      openInput: (meta) => env.openInput(meta),
      openInputTombstones: (meta) => env.inputTombstones(meta),
      ...(env.mergeOperator !== undefined ? { mergeOperator: env.mergeOperator } : {}),
      ...(env.compactionFilter !== undefined ? { compactionFilter: env.compactionFilter } : {}),
      ...(env.mergeOperator !== undefined ? { readIndirection: (k: Uint8Array, p: Uint8Array) => env.blobStore.read(p, k, 'a compaction input') } : {}),
      newOutput: () => {
        const { id, writer } = out.newTable();
        return { id, writer };
      },
      snapshots: spec.snapshots,
      visibleSeqno: spec.visibleSeqno,
      ...(spec.keepChangesAbove !== undefined ? { keepChangesAbove: spec.keepChangesAbove } : {}),
    });
    const tables = result.outputs.map((m) => out.annotate(m));
    const files = out.finish();
    return {
      id: spec.id,
      ok: true,
      tables,
      blobFiles: files.blobFiles,
      tableBytes: result.bytesWritten,
      blob: files.blob,
      merge: {
        bytesRead: result.bytesRead,
        droppedByRangeTombstones: result.droppedByRangeTombstones,
        rangeTombstonesDropped: result.rangeTombstonesDropped,
        mergesCollapsed: result.mergesCollapsed,
        filterRemoved: result.filterRemoved,
        filterChanged: result.filterChanged,
        maxDroppedDeletionSeqno: result.maxDroppedDeletionSeqno,
      },
      millis: performance.now() - started,
    };
  } catch (err) {
    out.abandon();
    throw err;
  }
}
