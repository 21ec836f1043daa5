// The first step of opening a store: its VersionSet (recovered from the manifest, or
// created when the directory holds no store; with readOnly, recovered without a write; a
// directory holding an incomplete checkpoint is refused), its file-number counter moved past every
// file on disk (a crash can leave files numbered past the manifest's counter; their
// numbers are never handed out again), and the logs the manifest does not cover yet,
// oldest first.

import type { Fs } from '@lsm/fs';
import { CorruptionError, InvalidArgumentError } from '@lsm/base';
import { NotFoundError } from '../errors.js';
import { CHECKPOINT_MARKER, parseFileName } from '../file-names.js';
import type { ResolvedOptions } from '../options.js';
import { removeQuietly } from '../remove-quietly.js';
import { VersionSet } from './version-set.js';

/** The versions of the store in `dir` and the numbers of the logs to replay, ascending. */
export function openVersions(fs: Fs, dir: string, opts: ResolvedOptions): { versions: VersionSet; logs: number[] } {
  if (fs.exists(`${dir}/${CHECKPOINT_MARKER}`)) {
    // A checkpoint that never completed: neither a store nor a place to create one.
    throw new CorruptionError(`${dir}/${CHECKPOINT_MARKER}`, 0, 'an incomplete checkpoint (the process stopped while writing it): delete the directory and take the checkpoint again');
  }
  let versions: VersionSet;
  if (opts.readOnly) {
    // Reads only: no leftovers removed, no manifest started.
    if (!VersionSet.exists(fs, dir)) throw new NotFoundError(dir);
    versions = VersionSet.recover(fs, dir, opts.comparator, opts.mergeOperator?.name, opts.encryption, true);
  } else if (VersionSet.exists(fs, dir)) {
    if (opts.errorIfExists) throw new InvalidArgumentError(`a store already exists at ${dir} (errorIfExists is true)`);
    versions = VersionSet.recover(fs, dir, opts.comparator, opts.mergeOperator?.name, opts.encryption);
  } else {
    if (!opts.createIfMissing) throw new InvalidArgumentError(`no store at ${dir} (createIfMissing is false)`);
    // Leftovers of a creation that crashed before CURRENT was written.
    for (const name of fs.readDir(dir)) {
      const p = parseFileName(name);
      if (p !== undefined && p.kind !== 'lock') removeQuietly(fs, `${dir}/${name}`);
    }
    versions = VersionSet.create(fs, dir, opts.comparator, opts.mergeOperator?.name, opts.encryption);
  }
  const parsed = fs.readDir(dir).map((n) => parseFileName(n));
  for (const p of parsed) {
    if (p !== undefined && p.number >= versions.nextFileNumber) versions.nextFileNumber = p.number + 1;
  }
  const logs = parsed
    .filter((p): p is NonNullable<typeof p> => p !== undefined && p.kind === 'log' && p.number >= versions.logNumber)
    .map((p) => p.number)
    .sort((a, b) => a - b);
  return { versions, logs };
}
