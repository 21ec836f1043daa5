// An Fs that passes every call through to a CrashFs and records, in order, each call that
// can change what a crash leaves (see op-log.ts), with whether a crash right after it is a
// new crash point and whether unsynced data is pending then. Reads are passed through
// unrecorded. It is crashTest's window on a workload; the recording replays exactly.

import { FsError, type Fs, type FsFile, type Metadata, type OpenOptions } from '@lsm/fs';
import type { CrashFs } from './crash-fs.js';
import { labelOf, type RecordedCall, type RecordedOp } from './op-log.js';

/** The Fs a crashTest workload runs on: its CrashFs, with every change recorded. */
export class RecordingFs implements Fs {
  /** Every recorded call so far, in order. */
  readonly ops: RecordedOp[] = [];
  private readonly paths = new Map<number, string>();
  private nextHandle = 1;

  constructor(private readonly inner: CrashFs) {}

  /** Runs `fn` (the call itself) and records `call`; `point` says whether it changed anything a crash could see. */
  record<T>(call: RecordedCall, point: boolean, fn: () => T): T {
    const pathOf = (h: number): string => this.paths.get(h) ?? `#${h}`;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const code = err instanceof FsError ? err.code : ((err as { code?: string } | null)?.code ?? 'error');
      this.ops.push({ call, label: `${labelOf(call, pathOf)} (failed: ${code})`, point: false, unsyncedData: false, failed: code });
      throw err;
    }
    const unsyncedData = point && this.inner.unsynced().files.length > 0;
    this.ops.push({ call, label: labelOf(call, pathOf), point, unsyncedData, failed: undefined });
    return result;
  }

  open(path: string, options?: OpenOptions): FsFile {
    const o = { ...(options ?? {}) };
    let existed = true;
    try {
      existed = this.inner.exists(path);
    } catch {
      // A name the inner Fs refuses to look at: the open will fail the same way.
    }
    const changes = o.truncate === true || o.createNew === true || (o.create === true && !existed);
    const handle = this.nextHandle++;
    this.paths.set(handle, path);
    const call: RecordedCall = { kind: 'open', handle, path, options: o };
    let file: FsFile;
    if (o.write !== true && o.append !== true) {
      // A read-only open that fails changed nothing and left no handle: no trace line for it
      // (the facade tries one on every directory it opens to fsync).
      file = this.inner.open(path, options);
      this.ops.push({ call, label: labelOf(call, () => path), point: false, unsyncedData: false, failed: undefined });
    } else {
      file = this.record(call, changes, () => this.inner.open(path, options));
    }
    return new RecordingFile(this, file, handle);
  }
  createDirAll(path: string): void {
    let existed = false;
    try {
      existed = this.inner.exists(path);
    } catch {
      // Refused: the call fails the same way.
    }
    this.record({ kind: 'createDirAll', path }, !existed, () => this.inner.createDirAll(path));
  }
  readDir(path: string): string[] {
    return this.inner.readDir(path);
  }
  removeFile(path: string): void {
    this.record({ kind: 'removeFile', path }, true, () => this.inner.removeFile(path));
  }
  removeDirAll(path: string): void {
    this.record({ kind: 'removeDirAll', path }, true, () => this.inner.removeDirAll(path));
  }
  rename(from: string, to: string): void {
    this.record({ kind: 'rename', from, to }, true, () => this.inner.rename(from, to));
  }
  metadata(path: string): Metadata {
    return this.inner.metadata(path);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  syncDirectory(path: string): void {
    this.record({ kind: 'syncDirectory', path }, true, () => this.inner.syncDirectory(path));
  }
  hardLink(existing: string, newPath: string): void {
    this.record({ kind: 'hardLink', existing, newPath }, true, () => this.inner.hardLink(existing, newPath));
  }
}

/** A file opened through a RecordingFs: writes, truncates, syncs and close are recorded. */
class RecordingFile implements FsFile {
  constructor(
    private readonly owner: RecordingFs,
    private readonly inner: FsFile,
    private readonly handle: number,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  read(buf: Uint8Array, position: number): number {
    return this.inner.read(buf, position);
  }
  write(data: Uint8Array): number {
    // A copy (Buffer's own slice() is a view, and callers reuse their buffers).
    const copy = new Uint8Array(data);
    return this.owner.record({ kind: 'write', handle: this.handle, data: copy, position: undefined }, true, () => this.inner.write(copy));
  }
  writeAt(data: Uint8Array, position: number): number {
    const copy = new Uint8Array(data);
    return this.owner.record({ kind: 'write', handle: this.handle, data: copy, position }, true, () => this.inner.writeAt(copy, position));
  }
  syncData(): void {
    this.owner.record({ kind: 'syncData', handle: this.handle }, true, () => this.inner.syncData());
  }
  syncAll(): void {
    this.owner.record({ kind: 'syncAll', handle: this.handle }, true, () => this.inner.syncAll());
  }
  setLen(len: number): void {
    this.owner.record({ kind: 'setLen', handle: this.handle, len }, true, () => this.inner.setLen(len));
  }
  size(): number {
    return this.inner.size();
  }
  tryLock(): boolean {
    return this.inner.tryLock();
  }
  unlock(): void {
    this.inner.unlock();
  }
  close(): void {
    this.owner.record({ kind: 'close', handle: this.handle }, false, () => this.inner.close());
  }
}
