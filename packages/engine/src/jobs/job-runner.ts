// The interface both job runners share. A runner starts jobs and hands back their
// results; it never touches the manifest (the store installs results, on its own thread,
// with one edit each).

import type { Memtable } from '../memtable/memtable.js';
import type { JobEnv } from './job-env.js';
import type { JobResult, JobSpec } from './job-types.js';

/** What only a job run on the caller's thread can be given directly. */
export interface LocalJobInputs {
  env: JobEnv;
  /** A flush's memtable. */
  mem?: Memtable;
  /** A compaction with blob work (K/V separation, or tables that point at blob files). */
  blobWork: boolean;
}

/** Starts jobs and returns their results. */
export interface JobRunner {
  readonly kind: 'worker' | 'inline';
  /** Why this runner cannot take jobs any more (a worker that could not start), if so. */
  readonly unusable?: string | undefined;
  submit(spec: JobSpec, local: LocalJobInputs): void;
  /** Results ready now; never blocks. */
  poll(): JobResult[];
  /** Blocks until a result is ready (or `timeoutMs` passed); returns what is ready. */
  wait(timeoutMs: number): JobResult[];
  /** Jobs submitted whose results were not yet returned. */
  readonly inFlight: number;
  /** Stops the runner; results not yet returned are lost (their files become orphans). */
  close(): void;
}

/** Empties `list` into a new array (nothing allocated when it is empty). */
export function takeAll<T>(list: T[]): T[] {
  return list.length === 0 ? [] : list.splice(0);
}
