// The process's job workers, shared by every store on the real disk (as RocksDB's
// thread pools are shared by the databases of one Env). Worker i is started by the first
// store that needs it and then serves every store that sends it work: a store attaches
// to it with its own MessagePort and configuration, and detaches at close. A worker
// outlives its stores (it is unref'd, so it never keeps the process alive): opening a
// store again, or another one, costs no thread start and no module load (about 0.3 s
// here). The pool never holds more workers than the largest `backgroundThreads` asked for.
// Promises: a worker that exits or fails is forgotten and every store attached to it is
// told (its jobs then fail and are retried); retire() ends a worker at once (one that did
// not start, or one whose job for a closing store would not end).

import { Worker } from 'node:worker_threads';
import { WORKER_SCRIPT } from './worker-script.js';

/** What a pool worker is started with. */
export interface PoolWorkerData {
  /** The worker stores 1 in it once its module has loaded. */
  started: SharedArrayBuffer;
}

/** One worker of the pool, and the stores listening for its end. */
export interface PoolWorker {
  readonly worker: Worker;
  /** [0] becomes 1 once the worker's module has loaded. */
  readonly started: Int32Array;
  readonly startedAt: number;
  /** Called with the reason when the worker exits or fails; each attached store adds one. */
  readonly onEnd: Set<(why: string, beforeStart: boolean) => void>;
  /**
   * Set by retire(), at once: the 'exit' event needs the event loop, which a store blocked
   * in a synchronous wait never reaches, so stores check this flag while they wait.
   */
  retired: boolean;
}

const workers: (PoolWorker | undefined)[] = [];

/** Worker `i` of the pool, started now if there is none. Throws if a thread cannot be created. */
export function poolWorker(i: number): PoolWorker {
  const have = workers[i];
  if (have !== undefined) return have;
  const started = new Int32Array(new SharedArrayBuffer(4));
  const data: PoolWorkerData = { started: started.buffer as SharedArrayBuffer };
  // No flags of the main process: some are refused for workers (--expose-gc) and some
  // break the worker's module (the --input-type of `node -e`).
  const worker = new Worker(WORKER_SCRIPT, { workerData: data, execArgv: [] });
  const pw: PoolWorker = { worker, started, startedAt: performance.now(), onEnd: new Set(), retired: false };
  const end = (why: string): void => {
    if (workers[i] === pw) workers[i] = undefined;
    const beforeStart = Atomics.load(started, 0) === 0;
    for (const f of [...pw.onEnd]) f(why, beforeStart);
    pw.onEnd.clear();
  };
  worker.on('error', (err) => end(`background worker failed: ${err instanceof Error ? err.message : String(err)}`));
  worker.on('exit', (code) => end(`background worker exited with code ${code}`));
  worker.unref();
  workers[i] = pw;
  return pw;
}

/**
 * Ends `pw`: a worker that did not start, or a store closing while its job there would not
 * end, must not keep it. The other stores attached to it see `retired` and fail their
 * jobs in flight there (retried, with new file numbers); their next job starts a new worker.
 */
export function retire(pw: PoolWorker): void {
  pw.retired = true;
  const i = workers.indexOf(pw);
  if (i >= 0) workers[i] = undefined;
  void pw.worker.terminate();
}

/** How many workers the pool holds now (tests). */
export function poolSize(): number {
  return workers.filter((w) => w !== undefined).length;
}
