// executeJob: runs one job spec to a result, on whichever thread calls it. It never
// throws: a failure becomes a JobFailure (output files already removed), so a job's
// error can cross to the store as data and never takes down a worker or the process.

import { LsmError, toIoError } from '@lsm/base';
import type { FlushSource } from './flush-source.js';
import { runCompactionJob } from './compaction-job.js';
import type { JobEnv } from './job-env.js';
import { runFlushJob } from './flush-job.js';
import { logFileName } from '../file-names.js';
import type { JobError, JobFailure, JobResult, JobSpec, JobSuccess, LogSyncJobSpec, RemoveFilesJobSpec } from './job-types.js';
import { removeQuietly } from '../remove-quietly.js';

/** Runs `spec`. A flush needs its entries (`source`); a compaction, whether it does blob work. */
export function executeJob(env: JobEnv, spec: JobSpec, source: () => FlushSource, blobWork: boolean): JobResult {
  const started = performance.now();
  try {
    if (spec.kind === 'flush') return runFlushJob(env, spec, source());
    if (spec.kind === 'log-sync') return syncLogFile(env, spec, started);
    if (spec.kind === 'remove-files') return removeFiles(env, spec, started);
    return runCompactionJob(env, spec, blobWork);
  } catch (err) {
    const e = toIoError(err, spec.kind === 'flush' ? 'flushing a memtable' : spec.kind === 'compaction' ? 'compaction' : spec.kind === 'log-sync' ? 'syncing a write-ahead log' : 'removing files');
    return { id: spec.id, ok: false, error: jobError(e), thrown: e, millis: performance.now() - started };
  }
}

/** fdatasync of a log file through a handle of its own (the writer keeps appending). */
function syncLogFile(env: JobEnv, spec: LogSyncJobSpec, started: number): JobSuccess {
  const file = env.fs.open(`${env.dir}/${logFileName(spec.logNumber)}`, { read: true });
  try {
    file.syncData();
  } finally {
    file.close();
  }
  return emptySuccess(spec.id, started);
}

/** Removes the files; one that cannot be removed stays an orphan (see RemoveFilesJobSpec). */
function removeFiles(env: JobEnv, spec: RemoveFilesJobSpec, started: number): JobSuccess {
  for (const name of spec.names) removeQuietly(env.fs, `${env.dir}/${name}`);
  return emptySuccess(spec.id, started);
}

/** The result of a job that writes no file. */
function emptySuccess(id: number, started: number): JobSuccess {
  return { id, ok: true, tables: [], blobFiles: [], tableBytes: 0, blob: { bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 }, merge: undefined, millis: performance.now() - started };
}

/** `err` as data. */
export function jobError(err: unknown): JobError {
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = (e as { cause?: unknown }).cause;
  const causeCode = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return {
    code: e instanceof LsmError ? e.code : undefined,
    name: e.name,
    message: e.message,
    causeCode: typeof causeCode === 'string' ? causeCode : undefined,
    causeMessage: cause instanceof Error ? cause.message : undefined,
  };
}

/** The error of a failed job, as the store reports it (the original object when it never crossed a thread). */
export function errorOf(f: JobFailure): Error {
  if (f.thrown instanceof Error) return f.thrown;
  const e = f.error;
  const cause = e.causeMessage === undefined ? undefined : Object.assign(new Error(e.causeMessage), e.causeCode === undefined ? {} : { code: e.causeCode });
  if (e.code !== undefined) {
    const out = new LsmError(e.code as LsmError['code'], e.message, cause === undefined ? undefined : { cause });
    out.name = e.name;
    return out;
  }
  // Not one of ours: a bug in job code. Reported as an I/O-free internal failure.
  return new Error(`background job failed: ${e.name}: ${e.message}`, cause === undefined ? undefined : { cause });
}
