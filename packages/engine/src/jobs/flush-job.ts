// The flush job: one sealed memtable written as an L0 table (large values to blob files
// with K/V separation), every entry in order, range tombstones straight to the table,
// then fsync (in the writer's finish) and a directory fsync. On a worker the entries are
// rebuilt from the memtable's sealed write-ahead log (closed and complete, so it holds
// exactly the memtable's writes: the job checks the counts), which spares the caller's
// thread copying the memtable across threads; the caller's thread hands the memtable.

import { readFile } from '@lsm/fs';
import { CorruptionError, type ValueType } from '@lsm/base';
import { FileKind, type KeyRing } from '@lsm/encryption';
import { decodeBatch, OP_DELETE_RANGE } from '../batch-codec.js';
import { logFileName } from '../file-names.js';
import { openLog } from '../log-encryption.js';
import { readLog } from '../log-reader.js';
import { type FlushSource, SortedRun } from './flush-source.js';
import type { JobEnv } from './job-env.js';
import { JobOutputs } from './job-outputs.js';
import type { FlushJobSpec, JobSuccess } from './job-types.js';

/** Writes `source` as the job's table. Returns the durable outputs (nothing in a version yet). */
export function runFlushJob(env: JobEnv, spec: FlushJobSpec, source: FlushSource): JobSuccess {
  const started = performance.now();
  const out = new JobOutputs(env, spec.numbers, env.kvSeparation === undefined ? undefined : new Set());
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
  const path = `${env.dir}/${logFileName(spec.logNumber)}`;
  const data = readFile(env.fs, path);
  const mem = new SortedRun(env.comparator);
  const crypt = openLog(data, path, FileKind.WriteAheadLog, spec.logNumber, keys, env.dir);
  if (crypt !== null) {
    readLog(
      data,
      path,
      spec.logNumber,
      (rec, offset) => {
        const batch = decodeBatch(rec, path, offset);
        let seq = batch.first;
        for (const op of batch.ops) {
          if (op.type === OP_DELETE_RANGE) mem.addRangeTombstone(seq++, op.key, op.value);
          else mem.add(seq++, op.type as ValueType, op.key, op.value);
        }
      },
      { salvage: false, cipher: crypt.cipher, start: crypt.start },
    );
  }
  if (mem.size !== spec.entries || mem.rangeTombstones.length !== spec.rangeTombstones) {
    throw new CorruptionError(path, data.length, `sealed log holds ${mem.size} entries and ${mem.rangeTombstones.length} range deletions, the memtable ${spec.entries} and ${spec.rangeTombstones}`);
  }
  return mem;
}
