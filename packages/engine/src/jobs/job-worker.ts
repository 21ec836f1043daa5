// The worker thread's entry: builds a JobEnv per job from the store's JobStoreConfig (its
// own NodeFs, table readers without a block cache, blob readers, cipher keys, built-in
// merge operator, prefix extractor and compaction filter, or the user's own loaded from
// their modules; each table's compression comes with its job's spec) and runs jobs one at
// a time. When the user's functions cannot be loaded it posts that instead of any result
// (the store then runs its jobs inline). Each result is posted, then the
// shared counter is bumped and notified, so a store blocked in Atomics.wait wakes up.
// Job code catches its own errors (executeJob, runIngestJob); nothing here may throw.
// An ingestion session spans several jobs (its chunks): its JobEnv lives until its last
// chunk or its abort.

import { NodeFs } from '@lsm/fs';
import { LsmError, bytewiseComparator } from '@lsm/base';
import { KeyRing } from '@lsm/encryption';
import type { TableWriterOptions } from '@lsm/sstable';
import { workerData } from 'node:worker_threads';
import { BlobStore } from '../blob/blob-store.js';
import { builtInCompactionFilter, builtInMergeOperator, builtInPrefixExtractor } from './built-in-functions.js';
import { type LoadedUserFunctions, loadUserFunctions } from './load-user-functions.js';
import { TableCache } from '../versions/table-cache.js';
import { type FlushSource, imageSource } from './flush-source.js';
import { type JobEnv, tableInputs } from './job-env.js';
import type { FlushJobSpec, JobResult } from './job-types.js';
import { executeJob } from './run-job.js';
import { IngestWorkerSession } from './ingest-job.js';
import type { WorkerInit, WorkerInitFailure, WorkerJobMessage } from './worker-runner.js';

const { config, port, signal, started } = workerData as WorkerInit;
const counter = new Int32Array(signal);
Atomics.store(new Int32Array(started), 0, 1);
// Confined: a bug in job code cannot touch a file outside the store's root.
const fs = new NodeFs({ root: config.root });
const keys = config.encryption === undefined ? undefined : new KeyRing(config.encryption);

/** Starts taking jobs with the functions loaded (built-ins by name, the user's from their modules). */
function serve(user: LoadedUserFunctions): void {
  const comparator = user.comparator ?? bytewiseComparator;
  const writerOptions: TableWriterOptions = {
    comparator,
    blockSize: config.blockSize,
    restartInterval: config.blockRestartInterval,
    filter: config.filter,
    encryption: keys,
    prefixExtractor: user.prefixExtractor ?? builtInPrefixExtractor(config.prefixExtractorName),
  };
  const mergeOperator = user.mergeOperator ?? builtInMergeOperator(config.mergeOperatorName);
  const compactionFilter = user.compactionFilter ?? builtInCompactionFilter(config.compactionFilterName);

  /** A JobEnv over fresh table and blob readers, and how to close them. */
  const openEnv = (): { env: JobEnv; close(): void } => {
    const tables = new TableCache(fs, config.dir, comparator, undefined, 1000, keys);
    const blobStore = new BlobStore(fs, config.dir, config.kvSeparation?.maxOpenFiles ?? 64, keys);
    const env: JobEnv = {
      fs,
      dir: config.dir,
      comparator,
      writerOptions,
      kvSeparation: config.kvSeparation,
      blobStore,
      ...tableInputs(tables),
      mergeOperator,
      compactionFilter,
    };
    return {
      env,
      close: () => {
        tables.close();
        blobStore.close();
      },
    };
  };

  const ingest = new IngestWorkerSession(openEnv);

  /** A flush's entries: the image of the memtable that came with the job. */
  function flushSource(spec: FlushJobSpec, msg: WorkerJobMessage): FlushSource {
    if (msg.memtable === undefined) throw new LsmError('LSM_CORRUPTION', `flush job ${spec.id} arrived without its memtable`);
    return imageSource(msg.memtable, spec.entries, spec.rangeTombstones);
  }

  port.on('message', (msg: WorkerJobMessage) => {
    let result: JobResult;
    const spec = msg.spec;
    if (spec.kind === 'ingest-chunk' || spec.kind === 'ingest-abort') {
      result = ingest.run(spec);
    } else {
      const { env, close } = openEnv();
      try {
        result = executeJob(env, spec, () => flushSource(spec as FlushJobSpec, msg), msg.blobWork);
      } finally {
        close();
      }
    }
    if (!result.ok) delete result.thrown;
    port.postMessage(result);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
}

if (config.userFunctions.length === 0) serve({});
else {
  loadUserFunctions(config.userFunctions).then(serve, (err: unknown) => {
    const failure: WorkerInitFailure = { initError: err instanceof Error ? err.message : String(err) };
    port.postMessage(failure);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  });
}
