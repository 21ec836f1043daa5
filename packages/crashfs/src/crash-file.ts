// CrashFile: the handle CrashFs returns. Every call goes to the inner handle; successful
// writes, truncations and syncs are also recorded on the file's Inode so that crash() knows
// what is durable. A handle opened before a crash is dead afterwards: every call but
// close() throws FsError EBADF saying so.

import { FsError, type FsFile } from '@lsm/fs';
import type { Inode } from './inode.js';
import type { Namespace } from './namespace.js';

/** What a CrashFile needs from the CrashFs that opened it. */
export interface FileOwner {
  readonly ns: Namespace;
  /** Called once when the handle is closed by its user. */
  released(file: CrashFile): void;
}

/** Errors after which the inner file is known to be unchanged. */
const HARMLESS = new Set(['EBADF', 'EINVAL']);

/** A handle on a file of a CrashFs. */
export class CrashFile implements FsFile {
  private cursor = 0;
  private dead = false;
  private closed = false;

  constructor(
    private readonly owner: FileOwner,
    private readonly inner: FsFile,
    private readonly inode: Inode,
    private readonly append: boolean,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  read(buf: Uint8Array, position: number): number {
    this.alive('read');
    return this.inner.read(buf, position);
  }

  write(data: Uint8Array): number {
    this.alive('write');
    const pos = this.append ? this.inode.liveLen : this.cursor;
    const n = this.mutate(() => this.inner.write(data));
    this.recordWrite(pos, data, n);
    if (!this.append) this.cursor = pos + n;
    return n;
  }

  writeAt(data: Uint8Array, position: number): number {
    this.alive('write');
    const pos = this.append ? this.inode.liveLen : position;
    const n = this.mutate(() => this.inner.writeAt(data, position));
    this.recordWrite(pos, data, n);
    return n;
  }

  syncData(): void {
    this.alive('fdatasync');
    this.inner.syncData();
    this.synced();
  }

  syncAll(): void {
    this.alive('fsync');
    this.inner.syncAll();
    this.synced();
  }

  setLen(len: number): void {
    this.alive('ftruncate');
    this.mutate(() => this.inner.setLen(len));
    if (this.inode.loaded) {
      this.inode.recordSetLen(len);
      this.owner.ns.dirtyInodes.add(this.inode);
    } else {
      this.inode.tainted = true;
    }
  }

  size(): number {
    this.alive('fstat');
    return this.inner.size();
  }

  tryLock(): boolean {
    this.alive('flock');
    return this.inner.tryLock();
  }

  unlock(): void {
    this.alive('flock');
    this.inner.unlock();
  }

  /** Closes the handle. A no-op when already closed, or when it died in a crash. */
  close(): void {
    if (this.closed || this.dead) return;
    this.closed = true;
    try {
      this.inner.close();
    } finally {
      this.inode.openHandles--;
      this.owner.released(this);
      this.owner.ns.maybeUnload(this.inode);
    }
  }

  /** Called by crash(): closes the inner handle (releasing its lock) and kills this one. */
  kill(): void {
    if (this.closed || this.dead) return;
    this.dead = true;
    try {
      this.inner.close();
    } catch {
      // The handle is gone either way; a crash does not report close errors.
    }
  }

  private alive(syscall: string): void {
    if (this.dead) {
      throw new FsError('EBADF', syscall, this.path, { detail: 'the handle died in a crash (CrashFs.crash() was called after it was opened)' });
    }
  }

  /** Runs an inner mutation; if it fails in a way that may have changed the file, taints the inode. */
  private mutate<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof FsError && HARMLESS.has(err.code))) {
        this.inode.tainted = true;
        try {
          this.inode.liveLen = this.inner.size();
        } catch {
          // Keep the old length: the file will be rewritten whole at crash anyway.
        }
      }
      throw err;
    }
  }

  private recordWrite(pos: number, data: Uint8Array, n: number): void {
    if (n <= 0) return;
    if (this.inode.loaded) {
      this.inode.recordWrite(pos, n === data.length ? data : data.subarray(0, n));
      this.owner.ns.dirtyInodes.add(this.inode);
    } else {
      this.inode.tainted = true;
    }
  }

  private synced(): void {
    this.inode.sync();
    this.owner.ns.dirtyInodes.delete(this.inode);
  }
}
