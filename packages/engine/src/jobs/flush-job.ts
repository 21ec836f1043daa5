// The flush job: one sealed memtable written as an L0 table (large values to blob files
// with K/V separation), every entry in order, range tombstones straight to the table,
// then fsync (in the writer's finish) and a directory fsync. On a worker the entries are
// rebuilt from the memtable's sealed write-ahead log (closed and complete, so it holds
// exactly the memtable's writes: the job checks the counts), which spares the caller's
// thread copying the memtable across threads; the caller's thread hands the memtable.

import { CorruptionError, type ValueType } from '@lsm/base';
import type { KeyRing } from '@lsm/encryption';
import { OP_DELETE_RANGE, visitBatchAt } from '../write/batch-codec.js';
import { logFileName } from '../file-names.js';
import { replayLogRecords } from '../log/replay-log.js';
import { type FlushSource, SortedRun } from './flush-source.js';
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

/**
 * Rebuilds a sealed memtable's entries from its write-ahead log (on a worker). Throws
 * LSM_CORRUPTION when the log does not hold what the memtable held.
 */
export function sourceFromLog(env: JobEnv, spec: FlushJobSpec, keys: KeyRing | undefined): FlushSource {
  const run = new SortedRun(env.comparator);
  const { bytes } = replayLogRecords(env.fs, env.dir, spec.logNumber, keys, { salvage: false }, 0, (rec, path, offset) => {
    visitBatchAt(rec, path, offset, (seq, type, keyOff, keyLen, valOff, valLen) => {
      if (type === OP_DELETE_RANGE) run.addRangeTombstone(seq, rec.slice(keyOff, keyOff + keyLen), rec.slice(valOff, valOff + valLen));
      else run.add(seq, type as ValueType, rec, keyOff, keyLen, valOff, valLen);
    });
  });
  if (run.size !== spec.entries || run.rangeTombstones.length !== spec.rangeTombstones) {
    const path = `${env.dir}/${logFileName(spec.logNumber)}`;
    throw new CorruptionError(path, bytes, `sealed log holds ${run.size} entries and ${run.rangeTombstones.length} range deletions, the memtable ${spec.entries} and ${spec.rangeTombstones}`);
  }
  return run;
}
