// The "corruptions detected" check. Between a close and a reopen, one byte of one table
// or blob file is flipped on the simulated disk (mode `flip`; one flip in four instead
// damages the last byte of the manifest, which the open must refuse: see
// runManifestDamage), or, on a freshly opened
// store, one read of a table or blob file returns a flipped bit (FaultFs corruptRead, mode
// `read`). When the store has blob files (K/V separation), half the injections go to them. Then point
// reads and full forward and reverse scans run, and each must either give exactly the
// oracle's answer or throw LSM_CORRUPTION: never a wrong value, never another error. The
// damage is then undone (the byte flipped back, the rule removed) and the store must be
// whole again: nothing wrong may linger in a cache, and nothing may have been deleted.
// No write runs while the damage is in place.

import { LsmError, type Tree } from '@lsm/engine';
import { readFile } from '@lsm/fs';
import { expectPair, expectEnd, expectValue } from './compare.js';
import { StressFailure, describeError } from './failure.js';
import { type Op, keyBytes, keyString } from './ops.js';
import { DIR, type Runner } from './runner.js';
import { blobTargets, offsetIn } from './blob-targets.js';

type CorruptOp = Extract<Op, { kind: 'corrupt' }>;

/** Flips bits `mask` of the byte at `offset` of `path`, durably. */
function xorByte(r: Runner, path: string, offset: number, mask: number): void {
  const f = r.fs.open(path, { read: true, write: true });
  try {
    const b = new Uint8Array(1);
    if (f.read(b, offset) !== 1) throw new Error(`cannot read byte ${offset} of ${path}`);
    b[0] = b[0]! ^ mask;
    f.writeAt(b, offset);
    f.syncData();
  } finally {
    f.close();
  }
}

/** Runs `read`; true when it threw LSM_CORRUPTION (a detection), false when it answered (and was right). */
function corruptionOrRight(read: () => void, what: string): boolean {
  try {
    read();
    return false;
  } catch (err) {
    if (err instanceof StressFailure) throw new StressFailure(`${what} with damaged file bytes: ${err.message}`, 0, true);
    if (err instanceof LsmError && err.code === 'LSM_CORRUPTION') return true;
    throw new StressFailure(`${what} with damaged file bytes threw ${describeError(err)}, expected a right answer or LSM_CORRUPTION`);
  }
}

/** Point reads and full scans both ways; returns whether any reported LSM_CORRUPTION. */
function readEverything(r: Runner, tree: Tree, keys: readonly number[]): boolean {
  const seq = tree.seqno;
  let detected = false;
  for (const k of keys) {
    r.read();
    detected = corruptionOrRight(() => expectValue(tree.get(keyBytes(k)), r.oracle.get(keyString(k), seq), `get ${keyString(k)}`), `get ${keyString(k)}`) || detected;
  }
  for (const reverse of [false, true]) {
    const want = r.oracle.scan(seq, undefined, true, undefined, true, reverse, undefined);
    r.read();
    detected =
      corruptionOrRight(() => {
        const it = tree.range({ reverse });
        let i = 0;
        try {
          for (;;) {
            const n = it.next();
            if (n.done === true) break;
            expectPair(n.value, want[i], i, reverse ? 'reverse scan' : 'scan');
            i++;
          }
        } finally {
          it.close();
        }
        expectEnd(i, want, reverse ? 'reverse scan' : 'scan');
      }, reverse ? 'reverse scan' : 'scan') || detected;
  }
  return detected;
}

/** The store's files of one kind (".sst" or ".blob"), sorted. */
function filesOf(r: Runner, ext: string): string[] {
  return r.fs
    .readDir(DIR)
    .filter((n) => n.endsWith(ext))
    .sort();
}

/** Which kind of file to damage: a blob file on odd `table` draws when the store has any, else a table. */
function targetExt(r: Runner, op: CorruptOp): string {
  return op.table % 2 === 1 && filesOf(r, '.blob').length > 0 ? '.blob' : '.sst';
}

/**
 * The byte to flip: anywhere in a table (open and full scans read every byte of every
 * table), or in a blob file only where current reads must look (blob-targets.ts).
 */
function flipTarget(r: Runner, op: CorruptOp): { path: string; offset: number } | undefined {
  if (targetExt(r, op) === '.blob') {
    const targets = blobTargets(r.fs, DIR, filesOf(r, '.blob'), r.oracle, r.options.encryption);
    if (targets.length > 0) {
      const t = targets[(op.table >>> 1) % targets.length]!;
      return { path: t.path, offset: offsetIn(t, op.at) };
    }
  }
  const tables = filesOf(r, '.sst');
  if (tables.length === 0) return undefined;
  const path = `${DIR}/${tables[(op.table >>> 1) % tables.length]!}`;
  const size = r.fs.metadata(path).size;
  return { path, offset: Math.min(size - 1, Math.floor(op.at * size)) };
}

/** The corrupt op: damage, read, repair, verify. */
export function runCorruption(r: Runner, op: CorruptOp): void {
  if (op.mode === 'read') {
    // A fresh store so the reads really go to the files (no cached blocks, tables or blob files).
    r.reopen(false);
    const tree = r.tree!;
    const rule = r.fs.addRule({ op: 'read', path: targetExt(r, op), after: op.after, times: 1, fault: { type: 'corruptRead' } });
    let detected: boolean;
    try {
      detected = readEverything(r, tree, op.keys);
    } finally {
      r.fs.clearRules();
    }
    if (rule.fired > 0) {
      r.stats.corruptionsInjected++;
      if (rule.rule.path === '.blob') r.stats.blobCorruptionsInjected++;
      if (detected) r.stats.corruptionsDetected++;
    }
    r.verifyAll('after a corrupted read (nothing may linger)');
    return;
  }
  if (!r.closeTree()) throw new StressFailure('close() failed with nothing armed');
  if (r.fifo) {
    // Opening replays the log into a table, which may make FIFO drop tables: do that (and
    // learn the new watermark) before the damage, so the damaged open writes nothing.
    r.openAndCheck('reopen before damaging a file (FIFO)');
    if (!r.closeTree()) throw new StressFailure('close() failed with nothing armed');
  }
  if (op.table >>> 30 === 0) {
    runManifestDamage(r, op);
    return;
  }
  const target = flipTarget(r, op);
  if (target === undefined) {
    r.openAndCheck('reopen (no file to corrupt)');
    return;
  }
  const { path, offset } = target;
  xorByte(r, path, offset, op.mask);
  r.stats.corruptionsInjected++;
  if (path.endsWith('.blob')) r.stats.blobCorruptionsInjected++;
  let detected = false;
  let tree: Tree | undefined;
  try {
    tree = r.openUnchecked();
  } catch (err) {
    if (!(err instanceof LsmError && err.code === 'LSM_CORRUPTION')) throw new StressFailure(`open with a damaged file (${path}) threw ${describeError(err)}`);
    detected = true;
  }
  if (tree !== undefined) {
    detected = readEverything(r, tree, op.keys) || detected;
    if (!r.closeTree()) throw new StressFailure('close() failed with nothing armed');
  }
  if (detected) r.stats.corruptionsDetected++;
  // Undo the damage (unless the file was an orphan that open deleted) and check everything.
  if (r.fs.exists(path)) xorByte(r, path, offset, op.mask);
  r.openAndCheck(`reopen after repairing byte ${offset} of ${path}`);
  r.verifyAll(`after repairing a damaged file (${path})`);
}

/**
 * Damages the last byte of the manifest of a cleanly closed store. That byte belongs to
 * the last record, which was written whole and synced: a bad checksum there is damage,
 * not a torn write, and the open must fail with LSM_CORRUPTION. An open that succeeds has
 * taken the record for a torn tail and dropped the edit it held (tables, the log number,
 * the last seqno), which loses acknowledged writes later, or at once.
 */
function runManifestDamage(r: Runner, op: CorruptOp): void {
  const current = new TextDecoder().decode(readFile(r.fs, `${DIR}/CURRENT`)).trim();
  const path = `${DIR}/${current}`;
  const offset = r.fs.metadata(path).size - 1;
  xorByte(r, path, offset, op.mask);
  r.stats.corruptionsInjected++;
  let tree: Tree | undefined;
  try {
    tree = r.openUnchecked();
  } catch (err) {
    if (!(err instanceof LsmError && err.code === 'LSM_CORRUPTION')) throw new StressFailure(`open with a damaged manifest (${path}) threw ${describeError(err)}, expected LSM_CORRUPTION`);
    r.stats.corruptionsDetected++;
  }
  if (tree !== undefined) {
    r.closeTree();
    throw new StressFailure(`open accepted ${path} although byte ${offset} of its last, complete record was damaged: the record was taken for a torn write and its edit dropped`);
  }
  xorByte(r, path, offset, op.mask);
  r.openAndCheck(`reopen after repairing the manifest's last byte (${path})`);
  r.verifyAll('after repairing a damaged manifest');
}

