// A pool worker's entry (worker-pool.ts): serves every store that attaches to it. Each
// attachment brings the store's JobStoreConfig, a MessagePort and a result counter; the
// worker builds the store's own NodeFs (confined to its root), cipher keys, built-in
// merge operator, prefix extractor and compaction filter (or the user's own, loaded from
// their modules) and runs that store's jobs with them, one job at a time across all
// stores. When a store's functions cannot be loaded it posts that to that store instead
// of any result (the store then runs its jobs inline; the others are not affected). Each
// result is posted, then the store's counter is bumped and notified, so a store blocked
// in Atomics.wait wakes up. Job code catches its own errors (executeJob, runIngestJob);
// nothing here may throw. An ingestion session spans several jobs (its chunks): its
// JobEnv lives until its last chunk or its abort, both sent before the store detaches
// (a session left open is dropped unfinished, never removing files: a store reopened
// meanwhile may have taken the same numbers; the next open removes such orphans).

import { NodeFs } from '@lsm/fs';
import { LsmError, bytewiseComparator } from '@lsm/base';
import { KeyRing } from '@lsm/encryption';
import type { TableWriterOptions } from '@lsm/sstable';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BlobStore } from '../blob/blob-store.js';
import { builtInCompactionFilter, builtInMergeOperator, builtInPrefixExtractor } from './built-in-functions.js';
import { type LoadedUserFunctions, loadUserFunctions } from './load-user-functions.js';
import { TableCache } from '../versions/table-cache.js';
import { type FlushSource, imageSource } from './flush-source.js';
import { type JobEnv, tableInputs } from './job-env.js';
import type { FlushJobSpec, JobResult } from './job-types.js';
import { executeJob } from './run-job.js';
import { IngestWorkerSession } from './ingest-job.js';
import type { WorkerAttach, WorkerInitFailure, WorkerJobMessage } from './worker-runner.js';
import type { PoolWorkerData } from './worker-pool.js';
import type { JobStoreConfig } from './job-types.js';

Atomics.store(new Int32Array((workerData as PoolWorkerData).started), 0, 1);

/** Starts taking one store's jobs with its functions loaded (built-ins by name, the user's from their modules). */
function serve(config: JobStoreConfig, port: MessagePort, counter: Int32Array, user: LoadedUserFunctions): void {
  // Confined: a bug in job code cannot touch a file outside the store's root.
  const fs = new NodeFs({ root: config.root });
  const keys = config.encryption === undefined ? undefined : new KeyRing(config.encryption);
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

/** Attaches a store: its jobs are served once its functions are loaded. */
function attach({ config, port, signal }: WorkerAttach['attach']): void {
  const counter = new Int32Array(signal);
  if (config.userFunctions.length === 0) {
    serve(config, port, counter, {});
    return;
  }
  loadUserFunctions(config.userFunctions).then(
    (user) => serve(config, port, counter, user),
    (err: unknown) => {
      const failure: WorkerInitFailure = { initError: err instanceof Error ? err.message : String(err) };
      port.postMessage(failure);
      Atomics.add(counter, 0, 1);
      Atomics.notify(counter, 0);
      port.close();
    },
  );
}

parentPort?.on('message', (m: WorkerAttach) => attach(m.attach));
