// Checkpoints (Tree.checkpoint): a copy of the store, as of the call, in another
// directory, that opens as a store of its own. The current version is pinned while its
// files are taken: tables and blob files (immutable) are hard-linked where the Fs allows,
// copied otherwise; the write-ahead logs of the memtables are copied up to their length at
// the call (every acknowledged write is in them, nothing written later is); then a fresh
// manifest describing the pinned version, and CURRENT last.
//
// Crash safety: the target's first file is the CHECKPOINT-INCOMPLETE marker (synced,
// with its directory), its last step removes it; every file is synced and the directory
// synced before the manifest names them, and CURRENT is published by write, fsync, rename,
// directory fsync. So after a crash the target is complete (CURRENT, no marker), or holds
// the marker (Tree.open refuses it: LSM_CORRUPTION), or holds no file at all. The source is
// only read (and links made to its files): a crash never changes it.

import { type Fs, FsError, type FsFile, parentDir, writeAll, writeFileAtomic } from '@lsm/fs';
import { InvalidArgumentError, toIoError } from '@lsm/base';
import { FileKind, type KeyRing } from '@lsm/encryption';
import { referencedBlobIds } from '../blob/blob-meta.js';
import { CHECKPOINT_MARKER, CURRENT, blobFileName, logFileName, manifestFileName, tableFileName } from '../file-names.js';
import { startLog } from '../log/log-encryption.js';
import { removeQuietly } from '../remove-quietly.js';
import type { VersionSet } from '../versions/version-set.js';
import { encodeVersionEdit } from '../versions/version-edit.js';

/** What a checkpoint did. */
export interface CheckpointResult {
  /** The seqno of the last write the checkpoint holds. */
  readonly seqno: number;
  readonly tables: number;
  readonly blobFiles: number;
  /** Write-ahead logs copied (the memtables' writes). */
  readonly logs: number;
  /** Files hard-linked rather than copied. */
  readonly linked: number;
  /** Bytes copied (logs, and tables and blob files that could not be linked). */
  readonly bytesCopied: number;
}

/** The store a checkpoint is taken of. */
export interface CheckpointSource {
  readonly fs: Fs;
  readonly dir: string;
  readonly versions: VersionSet;
  /** The store's keys when it is encrypted (the checkpoint's manifest is written with them). */
  readonly keys: KeyRing | undefined;
  /** The seqno of the last acknowledged write. */
  readonly seqno: number;
  /** Logs holding the memtables' writes (none without a write-ahead log). */
  readonly logs: readonly number[];
}

/** Errors of hardLink that mean "links are not possible here": copy instead. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EACCES']);
const COPY_CHUNK = 1 << 20;

/**
 * Checks that `target` can take a checkpoint: it does not exist, or is an empty directory
 * (LSM_INVALID_ARGUMENT otherwise; LSM_IO when the Fs fails). Returns the path without a
 * trailing slash.
 */
export function checkTarget(fs: Fs, target: unknown): string {
  if (typeof target !== 'string' || target.length === 0) throw new InvalidArgumentError('checkpoint: the directory must be a non-empty string');
  const dir = target.length > 1 && target.endsWith('/') ? target.slice(0, -1) : target;
  try {
    if (!fs.exists(dir)) return dir;
    if (!fs.metadata(dir).isDirectory) throw new InvalidArgumentError(`checkpoint: ${dir} exists and is not a directory`);
    if (fs.readDir(dir).length > 0) throw new InvalidArgumentError(`checkpoint: ${dir} is not empty`);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw toIoError(err, `checking checkpoint directory ${dir}`);
  }
  return dir;
}

/**
 * Writes a checkpoint of `src` into `target` (checked by checkTarget). On failure the
 * files written so far are removed (best effort: what stays keeps the marker) and the
 * error is LSM_IO.
 */
export function writeCheckpoint(src: CheckpointSource, target: string): CheckpointResult {
  const { fs, versions } = src;
  const written: string[] = [];
  let createdDir = false;
  const version = versions.current;
  version.ref(); // its tables and blob files stay on disk until the end
  try {
    if (!fs.exists(target)) {
      fs.createDirAll(target);
      createdDir = true;
      fs.syncDirectory(parentDir(target));
    }
    const marker = `${target}/${CHECKPOINT_MARKER}`;
    createEmpty(fs, marker);
    written.push(marker);
    fs.syncDirectory(target);

    let linked = 0;
    let bytesCopied = 0;
    const take = (name: string, immutable: boolean): void => {
      const to = `${target}/${name}`;
      written.push(to);
      if (immutable && tryLink(fs, `${src.dir}/${name}`, to)) {
        linked++;
        return;
      }
      bytesCopied += copyFile(fs, `${src.dir}/${name}`, to);
    };
    let tables = 0;
    for (const level of version.levels) {
      for (const t of level) {
        take(tableFileName(t.id), true);
        tables++;
      }
    }
    const blobs = new Set<number>();
    referencedBlobIds(version, blobs);
    for (const id of blobs) take(blobFileName(id), true);
    // A log is still being appended to (the active one): its bytes as of now, copied.
    for (const n of src.logs) take(logFileName(n), false);
    fs.syncDirectory(target);

    // The manifest: the pinned version as one snapshot edit, under a number the source
    // will never use for anything else; then CURRENT, then the marker goes.
    const number = versions.newFileNumber();
    const edit = versions.snapshotEdit();
    const manifest = `${target}/${manifestFileName(number)}`;
    written.push(manifest);
    const file = fs.open(manifest, { write: true, createNew: true });
    try {
      const w = startLog(file, number, FileKind.Manifest, src.keys, false);
      w.addRecord(encodeVersionEdit(edit));
      w.sync();
    } finally {
      file.close();
    }
    written.push(`${target}/${CURRENT}.tmp`, `${target}/${CURRENT}`);
    writeFileAtomic(fs, `${target}/${CURRENT}`, new TextEncoder().encode(`${manifestFileName(number)}\n`));
    fs.removeFile(marker);
    fs.syncDirectory(target);
    return { seqno: src.seqno, tables, blobFiles: blobs.size, logs: src.logs.length, linked, bytesCopied };
  } catch (err) {
    // Best effort: the marker is removed last, so whatever stays is still marked incomplete.
    for (let i = written.length - 1; i >= 0; i--) removeQuietly(fs, written[i]!);
    if (createdDir) {
      try {
        fs.removeDirAll(target);
      } catch {
        // Left as it is; the marker (if it survived) says what it is.
      }
    }
    throw toIoError(err, `writing a checkpoint to ${target}`);
  } finally {
    version.unref();
  }
}

/** Creates an empty file and fsyncs it. */
function createEmpty(fs: Fs, path: string): void {
  const f = fs.open(path, { write: true, createNew: true });
  try {
    f.syncAll();
  } finally {
    f.close();
  }
}

/** Hard-links `from` as `to`; false when the Fs refuses links there (then nothing was created). */
function tryLink(fs: Fs, from: string, to: string): boolean {
  try {
    fs.hardLink(from, to);
    return true;
  } catch (err) {
    if (err instanceof FsError && NO_LINK.has(err.code)) return false;
    throw err;
  }
}

/** Copies `from` (its length now) into the new file `to`, fsynced. Returns the bytes copied. */
function copyFile(fs: Fs, from: string, to: string): number {
  const src = fs.open(from, { read: true });
  let dst: FsFile | undefined;
  try {
    const size = src.size();
    dst = fs.open(to, { write: true, createNew: true });
    const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
    for (let at = 0; at < size; ) {
      const n = src.read(buf.subarray(0, Math.min(buf.length, size - at)), at);
      if (n === 0) throw new FsError('EIO', 'read', from, { detail: `file ended at ${at} of ${size} bytes while copying it` });
      writeAll(dst, buf.subarray(0, n));
      at += n;
    }
    dst.syncAll();
    return size;
  } finally {
    src.close();
    dst?.close();
  }
}
