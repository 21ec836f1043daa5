// The flush job: one sealed memtable written as an L0 table (large values to blob files
// with K/V separation), every entry in order, range tombstones straight to the table,
// then fsync (in the writer's finish) and a directory fsync. The entries come from a
// FlushSource: the memtable itself on the caller's thread, its image on a worker.

import type { FlushSource } from './flush-source.js';
import type { JobEnv } from './job-env.js';
import { JobOutputs } from './job-outputs.js';
import type { FlushJobSpec, JobSuccess } from './job-types.js';

/** Writes `source` as the job's table. Returns the durable outputs (nothing in a version yet). */
export function runFlushJob(env: JobEnv, spec: FlushJobSpec, source: FlushSource): JobSuccess {
  const started = performance.now();
  const out = new JobOutputs(env, spec.numbers, env.kvSeparation === undefined ? undefined : new Set(), spec.compression);
  try {
    const { id, writer, table } = out.newTable();
    source.each((key, seqno, type, value) => writer.add(key, seqno, type, value));
    // Range tombstones carry no values: straight to the table, past any wrapper.
    for (const t of source.rangeTombstones) table.addRangeTombstone(t.start, t.end, t.seqno);
    const meta = out.tableMeta(id, writer.finish());
    const files = out.finish();
    return { id: spec.id, ok: true, tables: [meta], blobFiles: files.blobFiles, tableBytes: meta.size, blob: files.blob, merge: undefined, millis: performance.now() - started };
  } catch (err) {
    out.abandon();
    throw err;
  }
}
