// What a failed compaction leaves behind, attached to the error it throws. The thrown
// error keeps its class and code (an Fs failure is @lsm/base's IoError, LSM_IO, with
// the FsError as its cause; damaged input stays a CorruptionError), so callers branch on
// the code as everywhere else, and ask compactionFailure(err) for the files to remove.
// Errors thrown by the user's merge operator or compaction filter pass through unchanged.
// Promises: the report is attached exactly once, to the error object runCompaction
// throws; errors from elsewhere have no report.

import { FsError } from '@lsm/fs';
import { IoError, LsmError } from '@lsm/base';
import type { TableMeta } from './table-meta.js';

/** The output files a failed runCompaction created; the engine deletes them all. */
export interface CompactionFailure {
  /**
   * Every id newOutput returned during the run, in order. Finished outputs are complete
   * files on disk; the one being written when the error struck was already removed by
   * its writer (best effort), so a missing file is expected when deleting.
   */
  readonly createdOutputIds: readonly number[];
  /** Outputs that were finished (fsynced, complete) before the failure. */
  readonly finishedOutputs: readonly TableMeta[];
}

const reports = new WeakMap<object, CompactionFailure>();
/** Errors thrown by user callbacks (merge operator, compaction filter): passed on unchanged. */
const userErrors = new WeakSet<object>();

/**
 * Marks an error thrown by a user callback so runCompaction rethrows it as is (never
 * turned into LSM_IO, whatever its code). A non-object thrown value is wrapped in an Error
 * naming `what` (a report must be attachable), with the value as `cause`.
 */
export function userError(err: unknown, what: string): object {
  const e = typeof err === 'object' && err !== null ? err : new Error(`${what} threw ${String(err)}`, { cause: err });
  userErrors.add(e);
  return e;
}

/** The report attached to an error thrown by runCompaction, or undefined. */
export function compactionFailure(err: unknown): CompactionFailure | undefined {
  return typeof err === 'object' && err !== null ? reports.get(err) : undefined;
}

/**
 * Normalizes a caught error for rethrowing: LsmErrors pass unchanged, Fs failures (an
 * FsError, or anything with an errno-style code) become IoError, other objects (bugs)
 * pass unchanged, and non-objects are wrapped so a report can be attached.
 */
export function normalizeError(err: unknown, what: string): object {
  if (typeof err === 'object' && err !== null && userErrors.has(err)) return err;
  if (err instanceof LsmError) return err;
  if (err instanceof FsError) return new IoError(what, err);
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return new IoError(what, err);
    return err;
  }
  return new Error(`${what}: ${String(err)}`);
}

/** Attaches the report to `err` (an object from normalizeError) and returns it. */
export function attachFailure(err: object, report: CompactionFailure): object {
  reports.set(err, Object.freeze({ createdOutputIds: Object.freeze([...report.createdOutputIds]), finishedOutputs: Object.freeze([...report.finishedOutputs]) }));
  return err;
}
