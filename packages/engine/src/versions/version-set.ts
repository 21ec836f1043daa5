// The manifest: the durable history of versions. A manifest file is a log (the WAL's
// framing) of version edits; CURRENT names the live manifest. Every open starts a fresh
// manifest holding one snapshot edit, so nothing is ever appended after a torn tail, and
// a manifest whose write failed is abandoned the same way: the next change starts a new
// one. An edit is durable (fsynced, and CURRENT switched with a directory fsync when the
// manifest is new) before it becomes the current version.

import type { TableMeta } from '@lsm/compaction';
import { type Fs, readFile, writeFileAtomic } from '@lsm/fs';
import { type Comparator, CorruptionError, InvalidArgumentError, toIoError } from '@lsm/base';
import { FileKind, type KeyRing } from '@lsm/encryption';
import { type BlobFileMeta, referencedBlobIds } from '../blob/blob-meta.js';
import { CURRENT, blobFileName, manifestFileName, parseFileName, tableFileName } from '../file-names.js';
import { removeQuietly } from '../remove-quietly.js';
import { startLog } from '../log/log-encryption.js';
import type { LogWriter } from '../log/log-writer.js';
import { NUM_LEVELS, Version, applyToVersion } from './version.js';
import { readManifestEdits } from './manifest-reader.js';
import { type VersionEdit, encodeVersionEdit } from './version-edit.js';

/** Start a new manifest once the live one passes this size. */
const MANIFEST_ROTATE_BYTES = 4 << 20;

/** The live version plus the counters that must survive a restart. */
export class VersionSet {
  current: Version;
  /** The next unused file number. */
  nextFileNumber: number;
  /** Write-ahead logs numbered below this are obsolete. */
  logNumber: number;
  /** The largest seqno recorded as durable in a table. */
  lastSeqno: number;
  manifestNumber = 0;
  /** Blob files the manifest records (K/V separation), by id. */
  blobFiles = new Map<number, BlobFileMeta>();
  private manifest: LogWriter | null = null;
  /** Versions still pinned by readers (plus the current one). */
  private readonly live = new Set<Version>();
  /** The merge operator recorded in the manifest (kept once recorded). */
  mergeOperatorName: string | undefined;
  /** changesSince's history horizon: deletions with seqnos up to it may have been dropped (0: none). */
  historyHorizon = 0;

  private constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly comparator: Comparator,
    /** The store's keys when it is encrypted (every manifest is written with them). */
    private readonly keys: KeyRing | undefined,
    levels: TableMeta[][],
    nextFileNumber: number,
    logNumber: number,
    lastSeqno: number,
  ) {
    this.current = new Version(levels);
    this.live.add(this.current);
    this.nextFileNumber = nextFileNumber;
    this.logNumber = logNumber;
    this.lastSeqno = lastSeqno;
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  /** Starts an empty store's version history (writes a manifest and CURRENT). */
  static create(fs: Fs, dir: string, comparator: Comparator, mergeOperatorName?: string, keys?: KeyRing): VersionSet {
    const empty: TableMeta[][] = Array.from({ length: NUM_LEVELS }, () => []);
    const vs = new VersionSet(fs, dir, comparator, keys, empty, 2, 0, 0);
    vs.mergeOperatorName = mergeOperatorName;
    vs.startManifest();
    return vs;
  }

  /** Whether `dir` holds a store (a CURRENT file). */
  static exists(fs: Fs, dir: string): boolean {
    return fs.exists(`${dir}/${CURRENT}`);
  }

  /**
   * Rebuilds the last durable version from CURRENT and its manifest, then starts a fresh
   * manifest (unless `readOnly`: then nothing is written, and the set can record no edit).
   * A torn tail of the manifest is an edit that never completed: ignored.
   */
  static recover(fs: Fs, dir: string, comparator: Comparator, mergeOperatorName?: string, keys?: KeyRing, readOnly = false): VersionSet {
    const currentPath = `${dir}/${CURRENT}`;
    let name: string;
    try {
      name = new TextDecoder().decode(readFile(fs, currentPath));
    } catch (err) {
      throw toIoError(err, `reading ${currentPath}`);
    }
    const parsed = name.endsWith('\n') ? parseFileName(name.slice(0, -1)) : undefined;
    if (parsed?.kind !== 'manifest') {
      throw new CorruptionError(currentPath, 0, `CURRENT does not name a manifest: ${JSON.stringify(name.slice(0, 40))}`);
    }
    const manifestPath = `${dir}/${name.slice(0, -1)}`;
    let data: Uint8Array;
    try {
      data = readFile(fs, manifestPath);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') {
        throw new CorruptionError(manifestPath, 0, 'CURRENT names a manifest that does not exist');
      }
      throw toIoError(err, `reading ${manifestPath}`);
    }
    let version = new Version(Array.from({ length: NUM_LEVELS }, () => []));
    let comparatorName: string | undefined;
    let recordedMergeOperator: string | undefined;
    let nextFile: number | undefined;
    let logNumber = 0;
    let lastSeqno = 0;
    let historyHorizon = 0;
    let horizonTracked = false;
    let edits = 0;
    const blobFiles = new Map<number, BlobFileMeta>();
    readManifestEdits(data, manifestPath, parsed.number, keys, dir, (edit, offset) => {
      if (edit.comparator !== undefined) comparatorName = edit.comparator;
      if (edit.mergeOperator !== undefined) recordedMergeOperator = edit.mergeOperator;
      if (edit.nextFileNumber !== undefined) nextFile = edit.nextFileNumber;
      if (edit.logNumber !== undefined) logNumber = edit.logNumber;
      if (edit.lastSeqno !== undefined) lastSeqno = edit.lastSeqno;
      if (edits === 0) horizonTracked = edit.historyHorizon !== undefined;
      if (edit.historyHorizon !== undefined && edit.historyHorizon > historyHorizon) historyHorizon = edit.historyHorizon;
      try {
        version = applyToVersion(version, comparator, edit.deleted ?? [], edit.added ?? []);
      } catch (err) {
        throw new CorruptionError(manifestPath, offset, (err as Error).message);
      }
      applyBlobEdit(blobFiles, edit);
      edits++;
    });
    if (edits === 0 || comparatorName === undefined || nextFile === undefined) {
      throw new CorruptionError(manifestPath, 0, 'manifest holds no complete snapshot edit');
    }
    // Every table the version names must be there: a manifest whose last edit was lost
    // (damage that looks like a torn write) could otherwise name tables already deleted.
    for (const level of version.levels) {
      for (const t of level) {
        const name = tableFileName(t.id);
        if (!fs.exists(`${dir}/${name}`)) {
          throw new CorruptionError(manifestPath, 0, `the manifest names table ${name}, which is missing`);
        }
      }
    }
    const pointedAt = new Set<number>();
    referencedBlobIds(version, pointedAt);
    for (const id of pointedAt) {
      if (!blobFiles.has(id)) throw new CorruptionError(manifestPath, 0, `tables point at blob file ${blobFileName(id)}, which the manifest does not record`);
    }
    for (const id of blobFiles.keys()) {
      if (!fs.exists(`${dir}/${blobFileName(id)}`)) {
        throw new CorruptionError(manifestPath, 0, `the manifest names blob file ${blobFileName(id)}, which is missing`);
      }
    }
    if (comparatorName !== comparator.name) {
      throw new InvalidArgumentError(`the store was created with comparator '${comparatorName}', not '${comparator.name}'`);
    }
    if (mergeOperatorName !== undefined && recordedMergeOperator !== undefined && recordedMergeOperator !== mergeOperatorName) {
      throw new InvalidArgumentError(
        `the store's merge operands were written for merge operator '${recordedMergeOperator}', not '${mergeOperatorName}'`,
      );
    }
    // An open that failed or crashed may have left files numbered past the counter (even a
    // manifest it never installed): the new manifest and every later file must not reuse one.
    let next = Math.max(nextFile, parsed.number + 1);
    try {
      for (const name of fs.readDir(dir)) {
        const p = parseFileName(name);
        if (p !== undefined && p.number >= next) next = p.number + 1;
      }
    } catch (err) {
      throw toIoError(err, `listing ${dir}`);
    }
    const levels = version.levels.map((l) => [...l]);
    const vs = new VersionSet(fs, dir, comparator, keys, levels, next, logNumber, lastSeqno);
    vs.mergeOperatorName = recordedMergeOperator ?? mergeOperatorName;
    vs.blobFiles = blobFiles;
    // A manifest from a build that did not track the horizon (its snapshot record has none):
    // that build may have dropped deletions of anything in its tables.
    vs.historyHorizon = horizonTracked ? historyHorizon : Math.max(historyHorizon, lastSeqno);
    if (!readOnly) vs.startManifest();
    return vs;
  }

  /** Allocates a file number. */
  newFileNumber(): number {
    return this.nextFileNumber++;
  }

  /**
   * An edit that recreates the whole current state: the first record of every manifest,
   * and of a checkpoint's manifest (ops/checkpoint.ts).
   */
  snapshotEdit(): VersionEdit {
    const added: { level: number; meta: TableMeta }[] = [];
    this.current.levels.forEach((tables, level) => {
      for (const meta of tables) added.push({ level, meta });
    });
    return {
      comparator: this.comparator.name,
      ...(this.mergeOperatorName !== undefined ? { mergeOperator: this.mergeOperatorName } : {}),
      logNumber: this.logNumber,
      nextFileNumber: this.nextFileNumber,
      lastSeqno: this.lastSeqno,
      // Always, 0 too: a snapshot record without it comes from a build that did not track
      // the horizon (see recover()).
      historyHorizon: this.historyHorizon,
      added,
      addedBlobs: [...this.blobFiles.values()],
    };
  }

  /** Writes a new manifest with a snapshot edit and points CURRENT at it. */
  private startManifest(): void {
    const number = this.newFileNumber();
    const name = manifestFileName(number);
    const path = this.path(name);
    let writer: LogWriter | null = null;
    try {
      const file = this.fs.open(path, { write: true, createNew: true });
      // The header needs no sync of its own: the sync below precedes CURRENT naming the file.
      writer = startLog(file, number, FileKind.Manifest, this.keys, false);
      writer.addRecord(encodeVersionEdit(this.snapshotEdit()));
      writer.sync();
      writeFileAtomic(this.fs, this.path(CURRENT), new TextEncoder().encode(`${name}\n`));
    } catch (err) {
      try {
        writer?.close();
      } catch {
        // The write already failed; the close error adds nothing.
      }
      throw toIoError(err, `writing manifest ${path}`);
    }
    const old = this.manifest;
    const oldNumber = this.manifestNumber;
    this.manifest = writer;
    this.manifestNumber = number;
    if (old !== null) {
      try {
        old.close();
      } catch {
        // A manifest we no longer use: a failed close loses nothing.
      }
    }
    if (oldNumber !== 0) removeQuietly(this.fs, this.path(manifestFileName(oldNumber)));
  }

  /**
   * Makes `edit` durable and installs the resulting version. On failure nothing changes
   * in memory, the manifest in use is abandoned (the next edit starts a fresh one), and
   * the error is an LSM_IO error.
   */
  logAndApply(edit: VersionEdit): Version {
    const next = applyToVersion(this.current, this.comparator, edit.deleted ?? [], edit.added ?? []);
    const full: VersionEdit = { ...edit, nextFileNumber: this.nextFileNumber };
    // A blob file no table of the next version points at leaves the manifest in the same
    // edit (its file is deleted once no reader's version reaches it either).
    const savedBlobs = this.blobFiles;
    if (this.blobFiles.size > 0 || (edit.addedBlobs?.length ?? 0) > 0) {
      const blobs = new Map(this.blobFiles);
      applyBlobEdit(blobs, edit);
      const reachable = new Set<number>();
      referencedBlobIds(next, reachable);
      const retired = [...blobs.keys()].filter((id) => !reachable.has(id));
      if (retired.length > 0) {
        full.deletedBlobs = [...(edit.deletedBlobs ?? []), ...retired];
        for (const id of retired) blobs.delete(id);
      }
      this.blobFiles = blobs;
    }
    if (edit.logNumber === undefined) full.logNumber = this.logNumber;
    if (edit.lastSeqno === undefined) full.lastSeqno = this.lastSeqno;
    const saved = { logNumber: this.logNumber, lastSeqno: this.lastSeqno, historyHorizon: this.historyHorizon };
    if (full.logNumber !== undefined) this.logNumber = full.logNumber;
    if (full.lastSeqno !== undefined) this.lastSeqno = Math.max(this.lastSeqno, full.lastSeqno);
    if (edit.historyHorizon !== undefined && edit.historyHorizon > this.historyHorizon) this.historyHorizon = edit.historyHorizon;
    const prev = this.current;
    try {
      if (this.manifest === null || this.manifest.size > MANIFEST_ROTATE_BYTES) {
        // A fresh manifest's snapshot already describes `next`.
        this.current = next;
        this.startManifest();
      } else {
        this.manifest.addRecord(encodeVersionEdit(full));
        this.manifest.sync();
      }
    } catch (err) {
      this.current = prev;
      this.blobFiles = savedBlobs;
      this.logNumber = saved.logNumber;
      this.lastSeqno = saved.lastSeqno;
      this.historyHorizon = saved.historyHorizon;
      this.abandonManifest();
      throw toIoError(err, 'writing a version edit to the manifest');
    }
    this.install(next, prev);
    return next;
  }

  private abandonManifest(): void {
    if (this.manifest === null) return;
    try {
      this.manifest.close();
    } catch {
      // Already failed; nothing more to lose.
    }
    this.manifest = null;
  }

  private install(next: Version, prev: Version): void {
    this.current = next;
    this.live.add(next);
    if (!prev.referenced) this.drop(prev);
    else prev.onUnused = (v) => this.drop(v);
  }

  private drop(v: Version): void {
    this.live.delete(v);
    this.onDropped?.(v);
  }

  /** Called when a version is neither current nor pinned by a reader any more. */
  onDropped: ((v: Version) => void) | undefined;

  /**
   * A secondary's catch-up: makes the state `other` recovered from the primary's manifest
   * current, without writing anything. Versions pinned by readers stay live.
   */
  adopt(other: VersionSet): Version {
    const next = new Version(other.current.levels.map((l) => [...l]));
    this.logNumber = other.logNumber;
    this.lastSeqno = Math.max(this.lastSeqno, other.lastSeqno);
    this.nextFileNumber = other.nextFileNumber;
    this.blobFiles = new Map(other.blobFiles);
    if (other.historyHorizon > this.historyHorizon) this.historyHorizon = other.historyHorizon;
    this.install(next, this.current);
    return next;
  }

  /** Table ids that some live version (current or pinned by a reader) still uses. */
  liveTableIds(): Set<number> {
    const ids = new Set<number>();
    for (const v of this.live) for (const id of v.tableIds()) ids.add(id);
    return ids;
  }

  /** Blob file ids that the manifest records or some live version's tables point at. */
  liveBlobIds(): Set<number> {
    const ids = new Set<number>(this.blobFiles.keys());
    for (const v of this.live) referencedBlobIds(v, ids);
    return ids;
  }

  /**
   * False after a manifest write failed, until a new manifest is installed: the failed
   * edit may or may not be on disk, so files it named must not be deleted meanwhile.
   */
  get manifestSettled(): boolean {
    return this.manifest !== null;
  }

  /** Closes the manifest file. */
  close(): void {
    this.abandonManifest();
  }
}

/** Applies an edit's blob file additions and removals to `blobs`. */
function applyBlobEdit(blobs: Map<number, BlobFileMeta>, edit: VersionEdit): void {
  for (const b of edit.addedBlobs ?? []) blobs.set(b.id, b);
  for (const id of edit.deletedBlobs ?? []) blobs.delete(id);
}
