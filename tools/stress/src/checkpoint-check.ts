// Checkpoints taken at random points of a run, opened and checked against the oracle. The
// engine's contract (packages/engine/README.md, "Checkpoints"):
// - a checkpoint() that returned opens with Tree.open(dir, same options) at a seqno from
//   the last acknowledged write before the call to the store's seqno at the call, and
//   holds exactly the acknowledged writes up to there, whatever happens afterwards (a
//   crash of the source's disk included);
// - one that failed without a crash (LSM_IO) left nothing, or (when removing failed too)
//   files with the CHECKPOINT-INCOMPLETE marker, which Tree.open refuses (LSM_CORRUPTION);
// - after a crash during the call the directory is complete (CURRENT, no marker: checked
//   as above), or holds the marker (refused at open), or holds no file.
// A checkpoint taken while a fault or kill is armed is checked when the window closes
// (after the crash, for a kill), so that the check's own reads meet no injected fault.
// Checked checkpoints are deleted, so a long run does not fill the simulated disk.

import { LsmError, Tree } from '@lsm/engine';
import { showValue } from './compare.js';
import { observe } from './crash-check.js';
import { StressFailure, describeError } from './failure.js';
import { lowestFloor } from './fifo-floor.js';
import { sameValue } from './oracle.js';
import type { Runner } from './runner.js';

/** The marker an unfinished checkpoint holds (its name is part of the engine's documented contract). */
const CHECKPOINT_MARKER = 'CHECKPOINT-INCOMPLETE';

/** A checkpoint call and what the run knew at it. */
export interface CheckpointCall {
  dir: string;
  /** The store's seqno at the call. */
  seq: number;
  /** The last acknowledged write before the call. */
  acked: number;
  /** The FIFO watermark at the call. */
  floor: number;
  /** Whether checkpoint() returned (else it threw LSM_IO). */
  returned: boolean;
}

/**
 * Checks the directory of `call`, then deletes it. `crashed`: the disk lost power since
 * the call (an unfinished checkpoint may then be complete, marked incomplete, or empty).
 */
export function checkCheckpoint(r: Runner, call: CheckpointCall, crashed: boolean): void {
  const what = `checkpoint into ${call.dir} at seqno ${call.seq} (${call.returned ? 'returned' : 'failed'}${crashed ? ', then a crash' : ''})`;
  const names = r.fs.exists(call.dir) ? r.fs.readDir(call.dir) : [];
  try {
    if (!call.returned && (names.length === 0 || names.includes(CHECKPOINT_MARKER))) {
      if (names.length > 0) expectRefused(r, call.dir, what);
      r.stats.checkpointsIncomplete++;
      return;
    }
    if (!call.returned && !crashed) throw new StressFailure(`${what}: left ${names.join(', ')} without the ${CHECKPOINT_MARKER} marker`);
    if (names.includes(CHECKPOINT_MARKER)) throw new StressFailure(`${what}: the directory still holds ${CHECKPOINT_MARKER} (${names.join(', ')})`);
    checkComplete(r, call, what);
    r.stats.checkpoints++;
  } finally {
    if (r.fs.exists(call.dir)) r.fs.removeDirAll(call.dir);
  }
}

/** Tree.open of an incomplete checkpoint must fail with LSM_CORRUPTION. */
function expectRefused(r: Runner, dir: string, what: string): void {
  let tree: Tree | undefined;
  try {
    tree = Tree.open(dir, r.spec.config.treeOptions(r.fs));
  } catch (err) {
    if (err instanceof LsmError && err.code === 'LSM_CORRUPTION') return;
    throw new StressFailure(`${what}: opening the incomplete checkpoint threw ${describeError(err)}, expected LSM_CORRUPTION`);
  }
  tree.close();
  throw new StressFailure(`${what}: the directory holds ${CHECKPOINT_MARKER}, yet Tree.open accepted it`);
}

/** The checkpoint opens and holds exactly the acknowledged writes up to its seqno. */
function checkComplete(r: Runner, call: CheckpointCall, what: string): void {
  let copy: Tree;
  try {
    copy = Tree.open(call.dir, r.spec.config.treeOptions(r.fs));
  } catch (err) {
    throw new StressFailure(`${what}: the checkpoint does not open: ${describeError(err)}`);
  }
  try {
    const seq = copy.seqno;
    if (seq < call.acked || seq > call.seq) {
      const lost = r.oracle.ackedBetween(seq, call.acked);
      throw new StressFailure(`${what}: opens at seqno ${seq}, outside [${call.acked}, ${call.seq}] (the last acknowledged write, the store's seqno)`, lost);
    }
    const observed = observe(copy);
    let floor = 0;
    if (r.fifo) {
      const w = lowestFloor(r.oracle, [{ observed, seq }], call.floor);
      if (w === undefined) throw new StressFailure(`${what}: no FIFO watermark >= ${call.floor} explains its contents at seqno ${seq}`);
      floor = w;
    }
    const problems: string[] = [];
    let lost = 0;
    for (const k of new Set([...r.oracle.keys, ...observed.keys()])) {
      const want = r.oracle.valueWith(k, seq, new Set(), floor);
      const got = observed.get(k);
      if (!sameValue(got, want)) {
        if (want !== undefined && got === undefined) lost++;
        if (problems.length < 5) problems.push(`${k}: got ${showValue(got)}, expected ${showValue(want)}`);
      }
    }
    if (problems.length > 0) throw new StressFailure(`${what}: contents at seqno ${seq} differ from the acknowledged writes (${problems.join('; ')})`, lost, true);
    r.read();
  } finally {
    copy.close();
  }
}
