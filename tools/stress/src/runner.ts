// One stress run: a config, a seed and an op stream, executed against a Tree on
// FaultFs over CrashFs over MemFs, with every answer checked against the oracle.
//
// Merges use the config's operator (configs.ts); with the counter operator, operands and
// the values of the keys merges touch are 8 bytes (merges go to keys divisible by 4, and
// every put to such a key writes 8 bytes), since the counter folds nothing else.
//
// What it promises to check:
// - every read (get, multiGet, range forward/reverse with bounds and limits, prefix,
//   snapshot reads, iterators interleaved with writes, flushes and compactions) returns
//   exactly the oracle's answer as of its seqno;
// - every write call gets the next seqnos (an empty range deletion takes none; a range
//   deletion whose start sorts after its end is refused with LSM_INVALID_ARGUMENT and takes
//   none); a call that fails does so with LSM_IO, and only
//   while a fault or kill is armed (any other error, or any error with nothing armed, is a
//   failure);
// - after every crash (a kill rule firing inside a store call, or power loss between calls
//   or right after close) and every clean reopen, crash-check.ts's recovery check holds;
// - when a fault window closes, the store still holds exactly the acknowledged writes;
// - corruption.ts's check: damaged table bytes give the right answer or LSM_CORRUPTION.
// The run stops at the first failure and reports the op index; the same seed, config and
// stream replay the same run exactly (everything random is seeded).

import { CrashFs } from '@lsm/crashfs';
import { type DbIterator, LsmError, type Snapshot, Tree, type TreeOptions, type WriteBatch } from '@lsm/engine';
import { type ArmedRule, FaultFs, MemFs } from '@lsm/fs';
import { checkScan, expectEnd, expectPair, expectValue } from './compare.js';
import type { StressConfig } from './configs.js';
import { runCorruption } from './corruption.js';
import { type CheckpointCall, checkCheckpoint } from './checkpoint-check.js';
import { checkRecovery, observe } from './crash-check.js';
import { checkChanges } from './history-check.js';
import { lowestFloor } from './fifo-floor.js';
import { checkNoPlaintext } from './plaintext-check.js';
import { StressFailure, describeError } from './failure.js';
import { appendFold, counterFold } from './merge-model.js';
import { type BatchItem, type Op, type OpKind, type ScanSpec, type StreamParams, type ValueSpec, describeOp, generateOps, keyBytes, keyString } from './ops.js';
import { Oracle, type WriteItem, prefixEnd } from './oracle.js';
import { type Stats, emptyStats } from './report.js';
import { bytesFromSeed, valueFromSeed } from './rng.js';
import { APPEND_SEPARATOR } from './configs.js';

/** Where the store lives on the simulated disk. */
export const DIR = '/db';

/** What to run. */
export interface RunSpec extends StreamParams {
  seed: number;
  /** Ops of the stream to execute (the stream is truncated here). */
  ops: number;
  config: StressConfig;
  /** Called with a line per executed op and per crash/recovery (for replays). */
  trace?: (line: string) => void;
}

/** Where and why a run failed. */
export interface RunFailure {
  /** Index of the op during which the failure was found (ops.length for the final check). */
  opIndex: number;
  op: string;
  message: string;
}

/** A run's outcome. */
export interface RunResult {
  failure: RunFailure | undefined;
  stats: Stats;
}

const utf8 = new TextEncoder();

/** An armed fault or kill, open for `left` more ops. */
interface Window {
  kind: 'crash' | 'fault';
  rule: ArmedRule;
  left: number;
  /** A fault window that ends with close() and a power loss. */
  thenCrash?: boolean;
}

/** The executor of a run. Public members are what corruption.ts needs. */
export class Runner {
  readonly fs: FaultFs;
  readonly oracle: Oracle;
  readonly stats = emptyStats();
  private readonly crashFs: CrashFs;
  readonly options: TreeOptions;
  private readonly wal: boolean;
  private readonly syncWrites: boolean;
  /** The store merges with counterAdd (8-byte operands and values), else appendWithSeparator. */
  private readonly counter: boolean;
  /** FIFO: the store drops its oldest tables; reads are checked above an inferred watermark. */
  readonly fifo: boolean;
  /** FIFO: the tree's compaction count (drops included) when the watermark was last inferred. */
  private floorSyncedAt = -1;
  tree: Tree | undefined;
  /** Every acknowledged write <= this is durable. */
  private durable = 0;
  /** The newest acknowledged write. */
  private lastAcked = 0;
  /** The largest seqno a write call used. */
  private attempted = 0;
  private batchEnds = new Set<number>([0]);
  private snapshots: ({ snap: Snapshot; seqno: number } | undefined)[] = new Array(8).fill(undefined);
  private iterators: ({ it: DbIterator; want: [string, Uint8Array][]; pos: number } | undefined)[] = new Array(4).fill(undefined);
  private window: Window | undefined;
  /** Checkpoints taken (each gets a fresh directory), and those to check once the armed window closes. */
  private checkpointsTaken = 0;
  private pendingCheckpoints: CheckpointCall[] = [];

  constructor(readonly spec: RunSpec) {
    this.crashFs = new CrashFs(new MemFs(), { seed: spec.seed, ...spec.config.disk });
    this.fs = new FaultFs(this.crashFs, { seed: spec.seed });
    this.options = spec.config.treeOptions(this.fs);
    this.counter = spec.config.merge === 'counter';
    this.fifo = spec.config.fifo;
    this.oracle = new Oracle(this.counter ? counterFold : appendFold(utf8.encode(APPEND_SEPARATOR)));
    this.wal = this.options.wal !== false;
    this.syncWrites = this.options.syncWrites === true;
  }

  /** Executes the ops, then the final checks. Never throws: failures are in the result. */
  run(ops: readonly Op[]): RunResult {
    let i = 0;
    try {
      this.tree = Tree.open(DIR, this.options);
      for (; i < ops.length; i++) {
        this.stats.ops++;
        this.spec.trace?.(`op ${i} seqno ${this.tree?.seqno ?? '-'}${this.window ? ` [${this.window.kind} armed]` : ''}: ${describeOp(ops[i]!)}`);
        this.step(ops[i]!);
      }
      this.finish();
      this.stats.runs++;
      return { failure: undefined, stats: this.stats };
    } catch (err) {
      try {
        this.harvest(this.tree);
      } catch {
        // The counters are a courtesy; the failure is what matters.
      }
      const f = err instanceof StressFailure ? err : new StressFailure(`unexpected ${describeError(err)}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
      this.stats.failures++;
      this.stats.runs++;
      this.stats.acknowledgedLost += f.lost;
      if (f.wrongValue) this.stats.wrongValues++;
      const op = ops[i];
      return { failure: { opIndex: i, op: op === undefined ? 'final check' : describeOp(op), message: f.message }, stats: this.stats };
    } finally {
      this.stats.faultsInjected = this.fs.faultsInjected;
    }
  }

  private step(op: Op): void {
    if (this.window !== undefined && (op.kind === 'crash' || op.kind === 'fault' || op.kind === 'corrupt')) {
      // One armed fault at a time: nested ones are skipped (still counted as ops).
    } else {
      if (this.tree === undefined) this.openAfterFailedOpen();
      try {
        this.syncFloor();
        (EXECUTORS[op.kind] as (r: Runner, op: Op) => void)(this, op);
      } catch (err) {
        this.allowIo(err, op.kind);
      }
    }
    const w = this.window;
    if (w === undefined) return;
    w.left--;
    if (w.kind === 'crash' && (w.rule.fired > 0 || w.left <= 0)) {
      if (w.rule.fired > 0) this.stats.kills++;
      this.crashAndRecover(w.rule.fired > 0 ? `crash after a kill at ${w.rule.rule.op} #${w.rule.rule.after}` : 'crash at the end of a kill window');
    } else if (w.kind === 'fault' && w.left <= 0) {
      this.endFaultWindow();
    }
  }

  /** An error from a store call is fine only as LSM_IO (LSM_NO_SPACE for ENOSPC) while a fault or kill is armed. */
  private allowIo(err: unknown, what: string): void {
    if (err instanceof StressFailure) throw err;
    if (this.window !== undefined && isIoFailure(err)) {
      this.spec.trace?.(`  ${what}: ${describeError(err)}`);
      this.stats.ioErrors++;
      return;
    }
    const armed = this.window === undefined ? 'with no fault armed' : `while a ${this.window.kind} rule was armed`;
    throw new StressFailure(`${what} threw ${describeError(err)} ${armed}`);
  }

  // ------------------------------------------------------------------ writes

  /** Commits one write call (a batch of items) and records its outcome in the oracle. */
  write(build: (tree: Tree) => { items: WriteItem[]; commit: () => number }, sync: boolean, durableOnReturn = false): void {
    const tree = this.tree!;
    // A write call takes one seqno, whatever number of operations it holds.
    const seq = tree.seqno + 1;
    const { items, commit } = build(tree);
    let s: number;
    try {
      s = commit();
    } catch (err) {
      this.allowIo(err, 'write');
      this.spec.trace?.(`  write at seqno ${seq} failed: ${describeError(err)}; store seqno now ${tree.seqno}`);
      if (tree.seqno >= seq && items.length > 0) {
        if (tree.seqno !== seq) throw new StressFailure(`a failed write of ${items.length} ops moved the seqno from ${seq - 1} to ${tree.seqno}`);
        this.oracle.record(items, seq, false);
        this.batchEnds.add(seq);
        this.attempted = Math.max(this.attempted, seq);
        this.stats.failedWrites++;
      }
      return;
    }
    if (items.length === 0) {
      if (s !== seq - 1) throw new StressFailure(`an empty batch returned seqno ${s}, expected ${seq - 1}`);
      return;
    }
    if (s !== seq || tree.seqno !== seq) throw new StressFailure(`a write of ${items.length} ops returned seqno ${s} (store at ${tree.seqno}), expected ${seq}`);
    this.oracle.record(items, seq, true);
    if (items.some((it) => it.kind === 'deleteRange')) this.stats.rangeDeletions++;
    this.stats.merges += items.filter((it) => it.kind === 'merge').length;
    this.batchEnds.add(s);
    this.lastAcked = s;
    this.attempted = Math.max(this.attempted, s);
    if (durableOnReturn || (this.wal && (sync || this.syncWrites))) this.durable = s;
  }

  /** A weak delete when the oracle says it is well-defined for `key`, else a plain delete. */
  weakOrDelete(key: string, pending: readonly WriteItem[]): 'deleteWeak' | 'delete' {
    return this.oracle.weakDeleteSafe(key, pending) ? 'deleteWeak' : 'delete';
  }

  /** The bytes of a put of key number `key`: 8 bytes on the counter's keys, else the spec's. */
  valueOf(key: number, spec: ValueSpec): Uint8Array {
    return this.counter && key % 4 === 0 ? bytesFromSeed(spec.seed, 8) : valueFromSeed(spec.seed, spec.len);
  }

  /** The key number a merge of `key` goes to (the counter merges only keys divisible by 4). */
  mergeKey(key: number): number {
    return this.counter ? key - (key % 4) : key;
  }

  /** A merge operand's bytes. */
  operandOf(spec: ValueSpec): Uint8Array {
    return this.counter ? bytesFromSeed(spec.seed, 8) : bytesFromSeed(spec.seed, spec.len);
  }

  /**
   * Runs `call`, which must be refused with LSM_INVALID_ARGUMENT without taking a seqno
   * (a range deletion whose start sorts after its end).
   */
  expectInvalid(call: () => unknown, what: string): void {
    const before = this.tree!.seqno;
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    if (!(err instanceof LsmError && err.code === 'LSM_INVALID_ARGUMENT')) {
      throw new StressFailure(`${what}: expected LSM_INVALID_ARGUMENT, got ${err === undefined ? 'success' : describeError(err)}`);
    }
    if (this.tree!.seqno !== before) throw new StressFailure(`${what}: refused, but the seqno moved from ${before} to ${this.tree!.seqno}`);
  }

  /** Marks every acknowledged write durable (after flush, sync, compact or close returned). */
  markDurable(): void {
    this.durable = this.lastAcked;
  }

  // ------------------------------------------------------------------ reads

  /** The seqno reads see now. */
  get seqno(): number {
    return this.tree!.seqno;
  }

  /** Range options and the oracle's answer for a scan spec as of `seq`. */
  scanArgs(s: ScanSpec, seq: number): { opts: { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array; reverse: boolean; limit?: number }; want: [string, Uint8Array][] } {
    const opts: { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array; reverse: boolean; limit?: number } = { reverse: s.reverse };
    if (s.lo !== undefined) opts[s.loInclusive ? 'gte' : 'gt'] = keyBytes(s.lo);
    if (s.hi !== undefined) opts[s.hiInclusive ? 'lte' : 'lt'] = keyBytes(s.hi);
    if (s.limit !== undefined) opts.limit = s.limit;
    const lo = s.lo === undefined ? undefined : keyString(s.lo);
    const hi = s.hi === undefined ? undefined : keyString(s.hi);
    return { opts, want: this.oracle.scan(seq, lo, s.loInclusive, hi, s.hiInclusive, s.reverse, s.limit) };
  }

  /** Takes a snapshot into a free slot (releasing the oldest-placed one when all are full). */
  takeSnapshot(): void {
    let slot = this.snapshots.findIndex((s) => s === undefined);
    if (slot < 0) {
      slot = this.stats.ops % this.snapshots.length;
      this.snapshots[slot]!.snap.release();
    }
    const snap = this.tree!.snapshot();
    if (snap.seqno !== this.tree!.seqno) throw new StressFailure(`snapshot seqno ${snap.seqno} is not the store's ${this.tree!.seqno}`);
    this.snapshots[slot] = { snap, seqno: snap.seqno };
  }

  /** The live snapshot at `slot`, or the next live one after it. */
  snapshotAt(slot: number): { snap: Snapshot; seqno: number } | undefined {
    for (let i = 0; i < this.snapshots.length; i++) {
      const s = this.snapshots[(slot + i) % this.snapshots.length];
      if (s !== undefined) return s;
    }
    return undefined;
  }

  /** Releases the snapshot at `slot`, if any. */
  releaseSnapshot(slot: number): void {
    const s = this.snapshots[slot % this.snapshots.length];
    if (s === undefined) return;
    this.snapshots[slot % this.snapshots.length] = undefined;
    s.snap.release();
  }

  /** Opens an iterator into a free slot (closing slot 0's when all are taken), with its expected output as of now. */
  openIterator(spec: ScanSpec): void {
    let slot = this.iterators.findIndex((s) => s === undefined);
    if (slot < 0) {
      slot = 0;
      this.iterators[0]!.it.close();
    }
    this.iterators[slot] = undefined;
    const { opts, want } = this.scanArgs(spec, this.seqno);
    this.iterators[slot] = { it: this.tree!.range(opts), want, pos: 0 };
  }

  /** Advances an open iterator; it must still show the store as of its creation. */
  stepIterator(slot: number, steps: number): void {
    const n = this.iterators.length;
    let idx = -1;
    for (let i = 0; i < n && idx < 0; i++) if (this.iterators[(slot + i) % n] !== undefined) idx = (slot + i) % n;
    if (idx < 0) return;
    const entry = this.iterators[idx]!;
    try {
      for (let i = 0; i < steps; i++) {
        const r = entry.it.next();
        this.stats.readsChecked++;
        if (r.done === true) {
          expectEnd(entry.pos, entry.want, 'iterator (opened earlier, stepped later)');
          this.iterators[idx] = undefined;
          return;
        }
        expectPair(r.value, entry.want[entry.pos], entry.pos, 'iterator (opened earlier, stepped later)');
        entry.pos++;
      }
    } catch (err) {
      this.iterators[idx] = undefined;
      entry.it.close();
      throw err;
    }
  }

  /**
   * FIFO: after the store compacted (a FIFO drop is counted as a compaction), infers the new
   * watermark from full scans of the store and of every live snapshot: the lowest one >=
   * the old under which the oracle explains every key of every view (fifo-floor.ts). No watermark explains it: a failure. A no-op for other strategies.
   */
  syncFloor(): void {
    const tree = this.tree;
    if (!this.fifo || tree === undefined) return;
    const done = tree.stats().compactions;
    if (done === this.floorSyncedAt) return;
    const views = [{ observed: observe(tree), seq: tree.seqno }];
    for (const s of this.snapshots) if (s !== undefined) views.push({ observed: observe(s.snap), seq: s.seqno });
    const w = lowestFloor(this.oracle, views, this.oracle.floor);
    if (w === undefined) throw new StressFailure(`no FIFO watermark >= ${this.oracle.floor} explains the store at seqno ${tree.seqno} (a FIFO drop only removes the oldest writes)`);
    if (w > this.oracle.floor) this.spec.trace?.(`  FIFO watermark ${this.oracle.floor} -> ${w}`);
    if (w > this.oracle.floor) this.stats.fifoWatermarkMoves++;
    this.oracle.floor = w;
    this.floorSyncedAt = done;
  }

  /** Checks the whole store against the oracle as of now. */
  verifyAll(what: string): void {
    this.syncFloor();
    const tree = this.tree!;
    const seq = tree.seqno;
    this.stats.readsChecked++;
    checkScan(tree.range(), this.oracle.scan(seq, undefined, true, undefined, true, false, undefined), `${what}: full scan`);
  }

  // ------------------------------------------------------------------ faults, crashes, reopens

  /** Arms a kill: the process dies at the rule's file operation (or when the window ends). */
  armKill(op: Extract<Op, { kind: 'crash' }>): void {
    if (op.kill === undefined) {
      this.crashAndRecover('power loss between calls');
      return;
    }
    const rule = this.fs.addRule({ op: op.kill.op, path: op.kill.path, after: op.kill.after, fault: { type: 'error', code: 'EIO' } });
    this.window = { kind: 'crash', rule, left: op.window };
  }

  /** Arms a non-fatal fault for the next `window` ops. */
  armFault(op: Extract<Op, { kind: 'fault' }>): void {
    const rule = this.fs.addRule({ op: op.op, path: op.path, after: op.after, times: op.times, fault: op.fault });
    this.window = { kind: 'fault', rule, left: op.window, thenCrash: op.thenCrash };
  }

  private endFaultWindow(): void {
    const thenCrash = this.window?.thenCrash === true;
    this.fs.clearRules();
    this.window = undefined;
    this.settleCheckpoints(false);
    if (this.tree === undefined) this.openAfterFailedOpen();
    else {
      // A full disk (ENOSPC) stops background work until space returns: say it has.
      this.tree.resume();
      this.verifyAll('after a fault window');
    }
    if (thenCrash) {
      if (!this.closeTree()) throw new StressFailure('close() failed after the fault window closed');
      this.powerLoss();
      this.openAndCheck('crash right after close() that followed I/O errors');
      this.stats.recoveries++;
    }
  }

  /** The simulated disk loses power; checkpoints left unchecked by an armed window are checked right after. */
  private powerLoss(): void {
    this.crashFs.crash();
    this.stats.crashes++;
    this.settleCheckpoints(true);
  }

  /** Takes a checkpoint into a fresh directory and checks it (once no fault or kill is armed). */
  takeCheckpoint(): void {
    const tree = this.tree!;
    const call: CheckpointCall = { dir: `/checkpoint-${++this.checkpointsTaken}`, seq: tree.seqno, acked: this.lastAcked, floor: this.oracle.floor, returned: false };
    let failure: unknown;
    try {
      const res = tree.checkpoint(call.dir);
      if (res.seqno < call.acked || res.seqno > call.seq) throw new StressFailure(`checkpoint() returned seqno ${res.seqno}, outside [${call.acked}, ${call.seq}]`);
      call.returned = true;
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined && (this.window === undefined || failure instanceof StressFailure)) throw failure; // step() reports it
    // Checked now, or when the armed window closes (after the crash, for a kill).
    if (this.window === undefined) checkCheckpoint(this, call, false);
    else this.pendingCheckpoints.push(call);
    if (failure !== undefined) throw failure; // LSM_IO while armed: step() accepts it
  }

  /** Checks the checkpoints taken while a window was armed (`crashed`: the disk lost power since). */
  private settleCheckpoints(crashed: boolean): void {
    const calls = this.pendingCheckpoints;
    this.pendingCheckpoints = [];
    for (const c of calls) checkCheckpoint(this, c, crashed);
  }

  /** Drops snapshots and iterators of a tree that is gone (closed or crashed). */
  private forgetReaders(): void {
    this.snapshots.fill(undefined);
    this.iterators.fill(undefined);
  }

  /** Adds a tree's flush and compaction counts to the stats before it goes away. */
  private harvest(tree: Tree | undefined): void {
    if (tree === undefined || tree.isClosed) return;
    const s = tree.stats();
    this.stats.flushes += s.flushes;
    this.stats.compactions += s.compactions;
    this.stats.blobReads += s.blobs.valueReads;
    this.stats.blobGcValues += s.blobs.gcValuesRewritten;
    this.stats.blobFilesDeleted += s.blobs.filesDeleted;
  }

  /** Power loss: the tree is abandoned, CrashFs keeps only what was durable, then recovery. */
  crashAndRecover(what: string): void {
    this.fs.clearRules();
    this.window = undefined;
    this.forgetReaders();
    this.harvest(this.tree);
    this.tree = undefined;
    this.powerLoss();
    this.openAndCheck(what);
    this.stats.recoveries++;
  }

  /** Closes the tree; true when close() succeeded (it then made every acknowledged write durable). */
  closeTree(): boolean {
    const tree = this.tree!;
    this.tree = undefined;
    this.forgetReaders();
    this.harvest(tree);
    try {
      tree.close();
    } catch (err) {
      this.allowIo(err, 'close');
      return false;
    }
    this.markDurable();
    return true;
  }

  /** close(), optionally a power loss right after it, then reopen and the recovery check. */
  reopen(crashAfterClose: boolean): void {
    this.closeTree();
    const w = this.window;
    if (w?.kind === 'crash' && w.rule.fired > 0) return; // the kill fired in close(): step() crashes next
    if (crashAfterClose) {
      this.fs.clearRules();
      this.window = undefined;
      this.powerLoss();
      this.openAndCheck('crash right after close()');
      this.stats.recoveries++;
      return;
    }
    try {
      this.openAndCheck('clean reopen');
    } catch (err) {
      if (err instanceof StressFailure || this.window === undefined) throw err;
      this.allowIo(err, 'open');
      return; // opened again when the window ends (or at the next op)
    }
    this.stats.reopens++;
  }

  /** Opens the tree and runs the recovery check; the oracle is settled at the recovered seqno. */
  openAndCheck(what: string): void {
    let tree: Tree;
    try {
      tree = Tree.open(DIR, this.options);
    } catch (err) {
      if (this.window !== undefined && isIoFailure(err)) throw err;
      throw new StressFailure(`${what}: open failed: ${describeError(err)}`);
    }
    this.tree = tree;
    this.spec.trace?.(`  ${what}: reopened at seqno ${tree.seqno} (durable >= ${this.durable}, attempted <= ${this.attempted})`);
    try {
      checkRecovery(tree, this.oracle, { durable: this.durable, attempted: this.attempted, batchEnds: this.batchEnds, fifo: this.fifo }, what);
      this.floorSyncedAt = tree.stats().compactions;
    } catch (err) {
      if (err instanceof StressFailure || this.window === undefined) throw err;
      // The check's own reads met the armed fault: the store is unverified, so treat it
      // as an open that failed (the next op disarms, reopens and checks again).
      this.tree = undefined;
      try {
        tree.close();
      } catch {
        // Already failing.
      }
      throw err;
    }
    const r = tree.seqno;
    this.durable = this.lastAcked = this.attempted = r;
    this.batchEnds = new Set([r]);
  }

  /** Opens the tree without the recovery check (for a store with damaged bytes). */
  openUnchecked(): Tree {
    this.tree = Tree.open(DIR, this.options);
    return this.tree;
  }

  /** The tree failed to open while a fault was armed: disarm and open for real. */
  private openAfterFailedOpen(): void {
    this.fs.clearRules();
    this.window = undefined;
    this.openAndCheck('reopen after a failed open');
    this.stats.reopens++;
  }

  /** End of the stream: close any window, check everything, then close, lose power, recover, check. */
  private finish(): void {
    const w = this.window;
    if (w?.kind === 'crash') this.crashAndRecover('crash at the end of the stream');
    else if (w?.kind === 'fault') this.endFaultWindow();
    if (this.tree === undefined) this.openAfterFailedOpen();
    this.verifyAll('final check');
    if (!this.closeTree()) throw new StressFailure('final close() failed with nothing armed');
    if (this.spec.config.encrypted) checkNoPlaintext(this.fs, DIR, this.oracle);
    this.powerLoss();
    this.openAndCheck('final crash after close()');
    this.stats.recoveries++;
    this.verifyAll('final check after recovery');
    this.harvest(this.tree);
    this.tree!.close();
    this.tree = undefined;
  }

  /** Counts one checked read. */
  read(): void {
    this.stats.readsChecked++;
  }

  /** Whether a kill or fault is armed. */
  get armed(): boolean {
    return this.window !== undefined;
  }
}

/** One executor per op kind: what the op does to the store and how its answer is checked. */
const EXECUTORS: { [K in OpKind]: (r: Runner, op: Extract<Op, { kind: K }>) => void } = {
  put: (r, op) =>
    r.write((t) => {
      const value = r.valueOf(op.key, op.value);
      return { items: [{ key: keyString(op.key), kind: 'put', value }], commit: () => t.put(keyBytes(op.key), value, { sync: op.sync }) };
    }, op.sync),
  delete: (r, op) =>
    r.write((t) => ({ items: [{ key: keyString(op.key), kind: 'delete', value: undefined }], commit: () => t.delete(keyBytes(op.key), { sync: op.sync }) }), op.sync),
  deleteWeak: (r, op) =>
    r.write((t) => {
      const kind = r.weakOrDelete(keyString(op.key), []);
      const commit = kind === 'deleteWeak' ? () => t.deleteWeak(keyBytes(op.key), { sync: op.sync }) : () => t.delete(keyBytes(op.key), { sync: op.sync });
      return { items: [{ key: keyString(op.key), kind, value: undefined }], commit };
    }, op.sync),
  merge: (r, op) =>
    r.write((t) => {
      const k = r.mergeKey(op.key);
      const operand = r.operandOf(op.operand);
      return { items: [{ key: keyString(k), kind: 'merge', value: operand }], commit: () => t.merge(keyBytes(k), operand, { sync: op.sync }) };
    }, op.sync),
  deleteRange: (r, op) => {
    if (op.lo > op.hi) {
      r.expectInvalid(() => r.tree!.deleteRange(keyBytes(op.lo), keyBytes(op.hi), { sync: op.sync }), `deleteRange(${keyString(op.lo)}, ${keyString(op.hi)})`);
      return;
    }
    r.write((t) => ({ items: rangeItems(op.lo, op.hi), commit: () => t.deleteRange(keyBytes(op.lo), keyBytes(op.hi), { sync: op.sync }) }), op.sync);
  },
  deletePrefix: (r, op) =>
    r.write((t) => {
      const p = keyString(op.key).slice(0, op.length);
      return { items: [{ key: p, kind: 'deleteRange', value: undefined, end: prefixEnd(p) }], commit: () => t.deletePrefix(utf8.encode(p), { sync: op.sync }) };
    }, op.sync),
  batch: (r, op) =>
    r.write((t) => {
      const b = t.batch();
      let items: WriteItem[] = [];
      for (const it of op.items) {
        if (it.kind === 'clear') {
          b.clear();
          items = [];
          continue;
        }
        addBatchItem(r, b, it, items);
      }
      if (b.length !== items.length) throw new StressFailure(`batch length ${b.length}, expected ${items.length}`);
      return { items, commit: () => b.commit({ sync: op.sync }) };
    }, op.sync),
  // Ingested pairs are one write with one seqno, durable when ingest() returns (every
  // earlier write too), with or without a log.
  ingest: (r, op) =>
    r.write(
      (t) => {
        const byKey = new Map<string, { bytes: Uint8Array; value: Uint8Array }>();
        op.keys.forEach((k, i) => byKey.set(keyString(k), { bytes: keyBytes(k), value: r.valueOf(k, op.values[i]!) }));
        const sorted = [...byKey.entries()].sort(([, a], [, b]) => Buffer.compare(a.bytes, b.bytes));
        const items: WriteItem[] = sorted.map(([key, e]) => ({ key, kind: 'put', value: e.value }));
        r.stats.ingests++;
        return { items, commit: () => t.ingest(sorted.map(([, e]) => [e.bytes, e.value] as const)) };
      },
      true,
      true,
    ),
  get: (r, op) => {
    const want = r.oracle.get(keyString(op.key), r.seqno);
    r.read();
    expectValue(r.tree!.get(keyBytes(op.key)), want, `get ${keyString(op.key)} at seqno ${r.seqno}`);
  },
  multiGet: (r, op) => {
    const got = r.tree!.multiGet(op.keys.map(keyBytes));
    op.keys.forEach((k, i) => {
      r.read();
      expectValue(got[i], r.oracle.get(keyString(k), r.seqno), `multiGet[${i}] ${keyString(k)} at seqno ${r.seqno}`);
    });
  },
  scan: (r, op) => {
    const { opts, want } = r.scanArgs(op.scan, r.seqno);
    r.read();
    checkScan(r.tree!.range(opts), want, `range ${JSON.stringify(op.scan)} at seqno ${r.seqno}`);
  },
  prefix: (r, op) => {
    const p = keyString(op.key).slice(0, op.length);
    const want = r.oracle.scan(r.seqno, undefined, true, undefined, true, op.reverse, op.limit, p);
    r.read();
    checkScan(r.tree!.prefix(utf8.encode(p), { reverse: op.reverse, ...(op.limit === undefined ? {} : { limit: op.limit }) }), want, `prefix ${p} at seqno ${r.seqno}`);
  },
  snapshot: (r) => r.takeSnapshot(),
  snapshotRead: (r, op) => {
    const s = r.snapshotAt(op.slot);
    if (s === undefined) return;
    r.read();
    expectValue(s.snap.get(keyBytes(op.key)), r.oracle.get(keyString(op.key), s.seqno), `snapshot get ${keyString(op.key)} at seqno ${s.seqno}`);
    if (op.scan !== undefined) {
      const { opts, want } = r.scanArgs(op.scan, s.seqno);
      r.read();
      checkScan(s.snap.range(opts), want, `snapshot range ${JSON.stringify(op.scan)} at seqno ${s.seqno}`);
    }
  },
  release: (r, op) => r.releaseSnapshot(op.slot),
  iterOpen: (r, op) => r.openIterator(op.scan),
  iterStep: (r, op) => r.stepIterator(op.slot, op.steps),
  checkpoint: (r) => r.takeCheckpoint(),
  changes: (r, op) => checkChanges(r, op),
  flush: (r) => {
    r.tree!.flush();
    r.markDurable();
  },
  sync: (r) => {
    r.tree!.sync();
    r.markDurable();
  },
  compact: (r) => {
    r.tree!.compact();
    r.markDurable();
  },
  reopen: (r, op) => r.reopen(op.crashAfterClose),
  crash: (r, op) => r.armKill(op),
  fault: (r, op) => r.armFault(op),
  corrupt: (r, op) => runCorruption(r, op),
};

/** The oracle's items for deleteRange(keyString(lo), keyString(hi)), lo <= hi: none for the empty range. */
function rangeItems(lo: number, hi: number): WriteItem[] {
  return lo === hi ? [] : [{ key: keyString(lo), kind: 'deleteRange', value: undefined, end: keyString(hi) }];
}

/** Adds one (non-clear) batch item to `b` and its oracle record to `items`. */
function addBatchItem(r: Runner, b: WriteBatch, it: Exclude<BatchItem, { kind: 'clear' }>, items: WriteItem[]): void {
  switch (it.kind) {
    case 'put': {
      const value = r.valueOf(it.key, it.value);
      b.put(keyBytes(it.key), value);
      items.push({ key: keyString(it.key), kind: 'put', value });
      return;
    }
    case 'delete':
    case 'deleteWeak': {
      const key = keyString(it.key);
      const kind = it.kind === 'deleteWeak' ? r.weakOrDelete(key, items) : 'delete';
      if (kind === 'deleteWeak') b.deleteWeak(keyBytes(it.key));
      else b.delete(keyBytes(it.key));
      items.push({ key, kind, value: undefined });
      return;
    }
    case 'merge': {
      const k = r.mergeKey(it.key);
      const operand = r.operandOf(it.operand);
      b.merge(keyBytes(k), operand);
      items.push({ key: keyString(k), kind: 'merge', value: operand });
      return;
    }
    case 'deleteRange': {
      if (it.lo > it.hi) {
        const n = b.length;
        r.expectInvalid(() => b.deleteRange(keyBytes(it.lo), keyBytes(it.hi)), `batch deleteRange(${keyString(it.lo)}, ${keyString(it.hi)})`);
        if (b.length !== n) throw new StressFailure(`a refused batch deleteRange changed the batch length from ${n} to ${b.length}`);
        return;
      }
      b.deleteRange(keyBytes(it.lo), keyBytes(it.hi));
      items.push(...rangeItems(it.lo, it.hi));
      return;
    }
    case 'deletePrefix': {
      const p = keyString(it.key).slice(0, it.length);
      b.deletePrefix(utf8.encode(p));
      items.push({ key: p, kind: 'deleteRange', value: undefined, end: prefixEnd(p) });
      return;
    }
  }
}

/** Runs the first `spec.ops` ops of the stream for `spec.seed` on `spec.config`. */
export function runStress(spec: RunSpec): RunResult {
  return new Runner(spec).run(generateOps(spec.seed, spec.ops, spec));
}

/** The failures an armed I/O fault may cause: LSM_IO, or LSM_NO_SPACE for ENOSPC. */
function isIoFailure(err: unknown): boolean {
  return err instanceof LsmError && (err.code === 'LSM_IO' || err.code === 'LSM_NO_SPACE');
}
