// CrashFs: an Fs that wraps any Fs and models power loss. Every operation goes through to
// the inner Fs; CrashFs also keeps a model of what is durable (file content as of the last
// syncData/syncAll, directory entries as of the last syncDirectory) and crash() rewrites the
// inner Fs to exactly that image. Deterministic: the same operations and seed give the same
// image, byte for byte.

import { FsError, type Fs, type FsFile, type Metadata, type OpenOptions } from '@lsm/fs';
import { CrashFile, type FileOwner } from './crash-file.js';
import { restoreDurableImage } from './crash-image.js';
import { Inode } from './inode.js';
import { DirState, Namespace, type Located, type Slot } from './namespace.js';
import { childPath, isUsablePath, shallowestMissing, splitPath } from './paths.js';
import { Prng } from './prng.js';
import { Scope } from './scope.js';

/** How CrashFs models power loss. */
export interface CrashFsOptions {
  /**
   * Model directory durability (default true): a create, rename, link or remove is durable
   * only once the directory holding the entry is synced with `syncDirectory`. When false,
   * namespace changes are durable at once, except that a file never synced vanishes.
   */
  directorySync?: boolean;
  /**
   * Torn writes (default true): at crash, each file keeps a seeded random prefix of its
   * unsynced changes on top of its synced content, instead of losing them all.
   */
  tornWrites?: boolean;
  /** Seed of the torn-write choices (default 0). Same seed and operations, same image. */
  seed?: number;
}

/** What `unsynced()` reports: what a crash now could lose. */
export interface UnsyncedState {
  /** Live paths of files with changes not yet synced (sorted). */
  files: string[];
  /** Live paths of directories with entry changes not yet synced (sorted). */
  directories: string[];
  /** Bytes written and not yet synced, over all files. */
  bytes: number;
}

/**
 * A power-loss simulator over any Fs. Use it as the Fs of the code under test, call
 * `crash()`, then reopen the code under test on `inner` (or on this CrashFs again).
 */
export class CrashFs implements Fs {
  /** The wrapped Fs; after `crash()` it holds the durable image. */
  readonly inner: Fs;
  /** Whether directory entries need `syncDirectory` to be durable. */
  readonly directorySync: boolean;
  /** Whether crashes keep a random prefix of unsynced data. */
  readonly tornWrites: boolean;
  private ns: Namespace;
  /** The names the user's calls changed since the last crash: all that crash() may change. */
  private scope = new Scope();
  private readonly rng: Prng;
  private readonly openFiles = new Set<CrashFile>();
  private crashes = 0;
  private readonly owner: FileOwner;

  constructor(inner: Fs, options?: CrashFsOptions) {
    const seed = options?.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new FsError('EINVAL', 'CrashFs', undefined, { detail: `seed must be a safe integer, got ${String(seed)}` });
    }
    for (const key of ['directorySync', 'tornWrites'] as const) {
      const v = options?.[key];
      if (v !== undefined && typeof v !== 'boolean') {
        throw new FsError('EINVAL', 'CrashFs', undefined, { detail: `${key} must be a boolean, got ${String(v)}` });
      }
    }
    this.inner = inner;
    this.directorySync = options?.directorySync ?? true;
    this.tornWrites = options?.tornWrites ?? true;
    this.rng = new Prng(seed);
    this.ns = new Namespace(inner, this.directorySync);
    const self = this;
    this.owner = {
      get ns() {
        return self.ns;
      },
      released: (file) => {
        self.openFiles.delete(file);
      },
    };
  }

  /** How many times `crash()` has run. */
  get crashCount(): number {
    return this.crashes;
  }

  /**
   * Simulates power loss. Every open handle dies (later use throws EBADF; its locks are
   * released), then the inner Fs is rewritten to the durable image: every file rolled back
   * to its last successful sync (in torn mode: plus a seeded prefix of what came after),
   * files never made durable removed, and (with directory-sync modelling) every directory
   * back to its entries as of its last `syncDirectory`. Afterwards this CrashFs behaves as
   * a new one over that image (everything on the inner Fs counts as durable), except that
   * it still knows which names of the image are hard links of one file.
   * If the inner Fs fails midway, the error propagates and the image may be incomplete.
   *
   * crash() only ever changes names its user handed this CrashFs since the last crash:
   * paths created, opened for writing, removed, renamed (either side) or hard-linked (the
   * new name) through it, and what is below them (`createDirAll` hands the shallowest
   * directory it created). A crash whose plan reaches any other name means the model is
   * wrong: it throws FsError EACCES naming that name and changes nothing.
   */
  crash(): void {
    for (const f of this.openFiles) f.kill();
    this.openFiles.clear();
    const ns = this.ns;
    const scope = this.scope;
    this.ns = new Namespace(this.inner, this.directorySync);
    this.scope = new Scope();
    this.crashes++;
    const links = restoreDurableImage(ns, this.tornWrites ? this.rng : undefined, scope);
    for (const group of links) this.ns.adoptLinks(group);
  }

  /** What a crash now could lose: unsynced files and directories, and unsynced bytes. */
  unsynced(): UnsyncedState {
    const files = new Set<string>();
    let bytes = 0;
    for (const inode of this.ns.dirtyInodes) {
      bytes += inode.pendingBytes;
      for (const p of this.ns.livePaths(inode)) files.add(p);
    }
    if (!this.directorySync) {
      // In the simple model a file that was never synced vanishes, even if empty.
      for (const dir of this.modelDirs()) {
        for (const slot of dir.entries.values()) {
          if (slot.live instanceof Inode && !slot.live.everSynced) for (const p of this.ns.livePaths(slot.live)) files.add(p);
        }
      }
    }
    const directories: string[] = [];
    for (const dir of this.ns.dirtyDirs) {
      const p = this.ns.livePath(dir);
      if (p !== undefined) directories.push(p);
    }
    return { files: [...files].sort(), directories: directories.sort(), bytes };
  }

  private *modelDirs(): Generator<DirState> {
    const stack = this.ns.rootList().map(([, d]) => d);
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      yield d;
      for (const slot of d.entries.values()) if (slot.live instanceof DirState) stack.push(slot.live);
    }
  }

  open(path: string, options?: OpenOptions): FsFile {
    const at = this.locate(path);
    if (at === undefined) return this.diverged(() => this.inner.open(path, options), 'open', path, (f) => f.close());
    const existing = at.slot.live;
    const writable = options?.write === true || options?.append === true;
    // A file opened for writing may change: keep its durable content first.
    if (existing instanceof Inode && writable) this.ns.ensureLoaded(existing, path);
    const inner = this.inner.open(path, options);
    if (writable) this.scope.hand(path);
    let inode: Inode;
    if (existing instanceof Inode) {
      inode = existing;
      if (options?.truncate === true && inode.liveLen > 0) {
        inode.recordSetLen(0);
        this.ns.dirtyInodes.add(inode);
      }
    } else if (existing === null && (options?.create === true || options?.createNew === true)) {
      inode = this.ns.newInode();
      this.ns.setLive(at.slot, inode);
    } else {
      inner.close();
      return this.diverged(() => undefined, 'open', path);
    }
    if (writable) this.scope.handFile(inode);
    inode.openHandles++;
    const file = new CrashFile(this.owner, inner, inode, options?.append === true);
    this.openFiles.add(file);
    return file;
  }

  createDirAll(path: string): void {
    if (!isUsablePath(path)) return this.inner.createDirAll(path);
    const { root, parts } = splitPath(path);
    let dir = this.ns.root(root);
    let dirPath: string = root;
    let i = 0;
    let missing: Slot | undefined;
    for (; i < parts.length; i++) {
      const part = parts[i]!;
      const slot = this.ns.child(dir, dirPath, part);
      if (slot.live === null) {
        missing = slot;
        break;
      }
      if (!(slot.live instanceof DirState)) return this.diverged(() => this.inner.createDirAll(path), 'mkdir', path);
      dir = slot.live;
      dirPath = childPath(dirPath, part);
    }
    const created = shallowestMissing(this.inner, path) ?? path;
    this.inner.createDirAll(path);
    this.scope.hand(created);
    // The inner Fs created parts[i..]: model them as new, empty, not yet durable directories.
    // (The first one's slot is the one looked up before: looking it up again now would
    // find the new directory on the inner Fs and adopt it as durable.)
    for (let slot = missing; slot !== undefined; ) {
      const fresh = this.ns.newDir();
      this.ns.setLive(slot, fresh);
      dir = fresh;
      dirPath = childPath(dirPath, parts[i]!);
      i++;
      slot = i < parts.length ? this.ns.child(dir, dirPath, parts[i]!) : undefined;
    }
  }

  readDir(path: string): string[] {
    return this.inner.readDir(path);
  }

  removeFile(path: string): void {
    const at = this.locate(path);
    const node = at?.slot.live;
    if (at === undefined || !(node instanceof Inode)) return this.diverged(() => this.inner.removeFile(path), 'unlink', path);
    if (this.directorySync) this.ns.ensureLoaded(node, path);
    this.inner.removeFile(path);
    this.scope.hand(path);
    this.ns.setLive(at.slot, null);
  }

  removeDirAll(path: string): void {
    const at = this.locate(path);
    const node = at?.slot.live;
    if (at === undefined || !(node instanceof DirState)) return this.diverged(() => this.inner.removeDirAll(path), 'rm', path);
    if (this.directorySync) this.ns.captureSubtree(node, path);
    this.inner.removeDirAll(path);
    this.scope.hand(path);
    this.ns.setLive(at.slot, null);
  }

  rename(from: string, to: string): void {
    const src = this.locate(from);
    const dst = src === undefined ? undefined : this.locate(to);
    const node = src?.slot.live ?? null;
    if (src === undefined || dst === undefined || node === null) return this.diverged(() => this.inner.rename(from, to), 'rename', from);
    const target = dst.slot.live;
    if (src.slot === dst.slot || node === target) {
      this.inner.rename(from, to); // POSIX: renaming a file onto itself (or a link of itself) does nothing
      return;
    }
    if (this.directorySync) {
      // The replaced entry may come back at crash: keep what it names. (Only when the
      // rename can succeed: file over file, or directory over an empty directory.)
      if (target instanceof Inode && node instanceof Inode) this.ns.ensureLoaded(target, to);
      else if (target instanceof DirState && node instanceof DirState && this.inner.readDir(to).length === 0) {
        this.ns.captureSubtree(target, to);
      }
    }
    this.inner.rename(from, to);
    this.scope.hand(from);
    this.scope.hand(to);
    this.ns.setLive(src.slot, null);
    this.ns.setLive(dst.slot, node);
  }

  metadata(path: string): Metadata {
    return this.inner.metadata(path);
  }

  exists(path: string): boolean {
    return this.inner.exists(path);
  }

  syncDirectory(path: string): void {
    const at = isUsablePath(path) ? this.ns.locateDir(path) : undefined;
    this.inner.syncDirectory(path);
    if (at !== undefined) this.ns.syncDir(at.dir);
  }

  hardLink(existing: string, newPath: string): void {
    const src = this.locate(existing);
    const dst = src === undefined ? undefined : this.locate(newPath);
    const node = src?.slot.live;
    if (src === undefined || dst === undefined || !(node instanceof Inode) || dst.slot.live !== null) {
      return this.diverged(() => this.inner.hardLink(existing, newPath), 'link', existing);
    }
    this.inner.hardLink(existing, newPath);
    this.scope.hand(newPath);
    this.ns.setLive(dst.slot, node);
  }

  private locate(path: string): Located | undefined {
    return isUsablePath(path) ? this.ns.locate(path) : undefined;
  }

  /**
   * For an operation the model says must fail (bad path, missing parent, wrong kind): runs
   * it on the inner Fs, which throws the right error. If it does not throw, the inner Fs was
   * changed behind CrashFs's back (or reached under another spelling of the path) and the
   * model can no longer be trusted: that is reported as EIO.
   */
  private diverged<T>(run: () => T, syscall: string, path: string, undo?: (result: T) => void): never {
    const result = run();
    undo?.(result);
    throw new FsError('EIO', syscall, path, {
      detail: 'CrashFs model and inner Fs disagree: was the inner Fs changed behind CrashFs, or the path reached under both an absolute and a relative spelling?',
    });
  }
}
