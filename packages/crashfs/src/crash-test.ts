// crashTest: a crash-point explorer in the spirit of ALICE (Pillai et al., OSDI 2014) for
// code written against node:fs. It runs the workload once on a CrashFs, recording its file
// operations; then, for every crash point (after each write, truncate, sync, create, rename,
// unlink, mkdir), it rebuilds the durable image a power cut there would leave (replaying the
// recorded operations on a fresh CrashFs over MemFs, then crashing it), and runs the check
// on it with everything acknowledged before that point. Deterministic for a seed.

import { FsError, MemFs } from '@lsm/fs';
import { CrashFs } from './crash-fs.js';
import { mountFs } from './facade-mount.js';
import { createNodeFsFacade, type NodeFsModule } from './node-fs-module.js';
import { replay, type RecordedOp } from './op-log.js';
import { Prng } from './prng.js';
import { RecordingFs } from './recording-fs.js';

/** What crashTest explores; see the README for the model. */
export interface CrashTestOptions<A = unknown> {
  /**
   * The code under test, on a node:fs facade (also mounted on `mountedFs` while it runs).
   * Call `ack(x)` when the code has promised that `x` is durable (its write returned). It
   * must finish everything it starts before its promise settles.
   */
  workload: (fs: NodeFsModule, ack: (value: A) => void) => void | Promise<void>;
  /**
   * Runs on the image a crash leaves, through a facade over it (also mounted). `acked` is
   * everything ack()ed before the crash point. Throw (or reject) when the image is wrong.
   */
  check: (fs: NodeFsModule, acked: A[]) => void | Promise<void>;
  /** Builds the starting image, all of it durable (default: an empty disk). */
  setup?: (fs: NodeFsModule) => void | Promise<void>;
  /** Seed of torn writes and of sampling (default 0). */
  seed?: number;
  /** Check at most this many crash points, a seeded sample (default: all). */
  maxPoints?: number;
  /** Also check a torn variant of each point where unsynced data is pending (default true). */
  tornWrites?: boolean;
  /** CrashFs's directory model (default true: entries need a directory fsync to be durable). */
  directorySync?: boolean;
}

/** One crash point whose image failed the check. */
export interface CrashFailure<A = unknown> {
  /** The crash happened right after operation number `point` (1-based) of the trace. */
  point: number;
  /** 'clean': every unsynced change lost; 'torn': a seeded prefix of them kept. */
  variant: 'clean' | 'torn';
  /** The label of operation `point`. */
  op: string;
  /** What `check` threw. */
  error: unknown;
  /** The operations up to the crash, numbered: `#1 mkdir -p '/db'`, ... */
  trace: string[];
  /** What had been acknowledged before the crash. */
  acked: A[];
}

/** What crashTest found. */
export interface CrashTestReport<A = unknown> {
  /** How many crash points (variants included) were checked. */
  points: number;
  /** How many there were before sampling with `maxPoints`. */
  totalPoints: number;
  /** Every crash point whose image failed the check, in trace order. */
  failures: CrashFailure<A>[];
  /** The whole recorded run, numbered as in the failures' traces. */
  trace: string[];
}

interface Point {
  index: number;
  variant: 'clean' | 'torn';
}

function invalid(detail: string): FsError {
  return new FsError('EINVAL', 'crashTest', undefined, { detail });
}

function validate(o: CrashTestOptions<unknown>): void {
  if (typeof o !== 'object' || o === null) throw invalid('options must be an object');
  if (typeof o.workload !== 'function') throw invalid('workload must be a function (fs, ack) => void | Promise<void>');
  if (typeof o.check !== 'function') throw invalid('check must be a function (fs, acked) => void | Promise<void>');
  if (o.setup !== undefined && typeof o.setup !== 'function') throw invalid('setup must be a function (fs) => void | Promise<void>');
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw invalid(`seed must be a safe integer, got ${String(o.seed)}`);
  if (o.maxPoints !== undefined && !(Number.isSafeInteger(o.maxPoints) && o.maxPoints > 0)) {
    throw invalid(`maxPoints must be a positive integer, got ${String(o.maxPoints)}`);
  }
  for (const key of ['tornWrites', 'directorySync'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw invalid(`${key} must be a boolean, got ${String(o[key])}`);
  }
}

/** Runs `fn` with `facade` mounted on mountedFs. */
async function mounted<T>(facade: NodeFsModule, fn: () => T | Promise<T>): Promise<T> {
  const unmount = mountFs(facade);
  try {
    return await fn();
  } finally {
    unmount();
  }
}

/** A seeded sample of `count` of `points`, in their original order. */
function sample(points: Point[], count: number, seed: number): Point[] {
  if (count >= points.length) return points;
  const rng = new Prng(seed ^ 0x5bd1e995);
  const idx = points.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.intInclusive(i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => points[i]!);
}

/**
 * Explores every crash point of `workload` and checks each image with `check`. Resolves
 * with the failures (never rejects for them); rejects with FsError EINVAL for bad options,
 * and with the workload's own error if the workload fails before any crash.
 */
export async function crashTest<A = unknown>(options: CrashTestOptions<A>): Promise<CrashTestReport<A>> {
  validate(options as CrashTestOptions<unknown>);
  const seed = options.seed ?? 0;
  const tornWrites = options.tornWrites ?? true;
  const directorySync = options.directorySync ?? true;

  // The starting image: recorded once, replayed onto a fresh MemFs for every point.
  const setupRecorder = new RecordingFs(new CrashFs(new MemFs(), { directorySync }));
  if (options.setup) {
    const setup = options.setup;
    const facade = createNodeFsFacade(setupRecorder);
    await mounted(facade, () => setup(facade));
  }
  const freshImage = (): MemFs => {
    const mem = new MemFs();
    replay(setupRecorder.ops, setupRecorder.ops.length, mem);
    return mem;
  };

  // The recorded run.
  const recorder = new RecordingFs(new CrashFs(freshImage(), { directorySync, tornWrites: false }));
  const acks: Array<{ value: A; after: number }> = [];
  const facade = createNodeFsFacade(recorder);
  await mounted(facade, () => options.workload(facade, (value) => acks.push({ value, after: recorder.ops.length })));
  const ops: readonly RecordedOp[] = recorder.ops;
  const trace = ops.map((op, i) => `#${i + 1} ${op.label}`);

  const all: Point[] = [];
  ops.forEach((op, index) => {
    if (!op.point) return;
    all.push({ index, variant: 'clean' });
    if (tornWrites && op.unsyncedData) all.push({ index, variant: 'torn' });
  });
  const chosen = options.maxPoints === undefined ? all : sample(all, options.maxPoints, seed);

  /** Acked at a crash after op `index`: whatever was acked before the next point's operation began. */
  const ackedAt = (index: number): A[] => {
    let next = ops.findIndex((op, i) => i > index && op.point);
    if (next < 0) next = Infinity;
    return acks.filter((a) => a.after <= next).map((a) => a.value);
  };

  const failures: CrashFailure<A>[] = [];
  for (const { index, variant } of chosen) {
    const image = freshImage();
    const crashFs = new CrashFs(image, { directorySync, tornWrites: variant === 'torn', seed: (seed * 31 + index) | 0 });
    replay(ops, index + 1, crashFs);
    crashFs.crash();
    const acked = ackedAt(index);
    const checkFacade = createNodeFsFacade(image);
    try {
      await mounted(checkFacade, () => options.check(checkFacade, acked));
    } catch (error) {
      failures.push({ point: index + 1, variant, op: ops[index]!.label, error, trace: trace.slice(0, index + 1), acked });
    }
  }
  return { points: chosen.length, totalPoints: all.length, failures, trace };
}
