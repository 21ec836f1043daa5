// Namespace: CrashFs's model of the directory tree, with two sides per directory entry:
// `live` (what the inner Fs shows now) and `durable` (what survives a crash, as of the
// directory's last syncDirectory). Directories and names are adopted lazily: the first
// time CrashFs looks at a name it asks the inner Fs, and whatever was there counts as
// durable. Only the names CrashFs has touched are modelled; the rest stay as they are.

import { FsError, readFile, type Fs } from '@lsm/fs';
import { Inode } from './inode.js';
import { childPath, splitPath, type RootKey } from './paths.js';

/** What a directory entry points to. */
export type Node = Inode | DirState;

/** One name in one directory, with its live and durable targets (null: no entry). */
export class Slot {
  live: Node | null = null;
  durable: Node | null = null;
  constructor(
    readonly dir: DirState,
    readonly name: string,
  ) {}
}

/** One directory of the model. */
export class DirState {
  /** Touched names. In an incomplete directory, untouched names are on the inner Fs, unchanged. */
  readonly entries = new Map<string, Slot>();
  /** Where this directory is live now (null: a root, or removed). */
  liveSlot: Slot | null = null;
  /** How many entries differ between their live and durable side. */
  diffs = 0;

  constructor(
    readonly id: number,
    /** True when every name of the directory is in `entries`. */
    public complete: boolean,
    /** Set for the two roots, '/' and '.'. */
    readonly rootKey?: RootKey,
  ) {}
}

/** A resolved path: the directory holding it and its entry there. */
export interface Located {
  dir: DirState;
  dirPath: string;
  slot: Slot;
}

/** The model of the namespace and of every file CrashFs has touched. */
export class Namespace {
  private readonly roots = new Map<RootKey, DirState>();
  /** Inodes with pending (unsynced) changes. */
  readonly dirtyInodes = new Set<Inode>();
  /** Directories whose entries differ between live and durable. */
  readonly dirtyDirs = new Set<DirState>();
  private nextId = 1;

  constructor(
    readonly inner: Fs,
    readonly directorySync: boolean,
  ) {}

  /** The root directory for '/' or '.', created on first use (roots are always durable). */
  root(key: RootKey): DirState {
    let r = this.roots.get(key);
    if (r === undefined) {
      r = new DirState(this.nextId++, false, key);
      this.roots.set(key, r);
    }
    return r;
  }

  /** The roots in use, '/' first. */
  rootList(): Array<[RootKey, DirState]> {
    return [...this.roots].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  newInode(): Inode {
    return Inode.created(this.nextId++);
  }

  newDir(): DirState {
    return new DirState(this.nextId++, true);
  }

  /**
   * The entry `name` of `dir` (live at `dirPath`), adopting it from the inner Fs on first
   * touch: what the inner Fs has there counts as both live and durable.
   */
  child(dir: DirState, dirPath: string, name: string): Slot {
    const known = dir.entries.get(name);
    if (known !== undefined) return known;
    const slot = new Slot(dir, name);
    const node = dir.complete ? null : this.adopt(childPath(dirPath, name));
    // An absent name is not stored (setLive stores it when it gets an entry), so that
    // names created and removed again do not pile up.
    if (node === null) return slot;
    slot.live = node;
    slot.durable = node;
    if (node instanceof Inode) node.liveSlots.add(slot);
    else node.liveSlot = slot;
    dir.entries.set(name, slot);
    return slot;
  }

  private adopt(path: string): Node | null {
    let kind: 'file' | 'dir';
    let size = 0;
    try {
      const m = this.inner.metadata(path);
      kind = m.isDirectory ? 'dir' : 'file';
      size = m.size;
    } catch (err) {
      if (err instanceof FsError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return null;
      // A name the inner Fs refuses to show (above the root of a confined NodeFs): the model
      // passes through it as a directory it never lists; anything done to it or in it goes
      // to the inner Fs, which refuses it, and crash() never changes it (see Scope).
      if (err instanceof FsError && err.code === 'EACCES') return new DirState(this.nextId++, false);
      throw err;
    }
    return kind === 'dir' ? new DirState(this.nextId++, false) : Inode.adopted(this.nextId++, size);
  }

  /**
   * Tells the model that `paths` (which exist on the inner Fs) name one file: the inner Fs
   * has no inode numbers, so without this every name would be adopted as its own file.
   */
  adoptLinks(paths: string[]): void {
    let shared: Inode | undefined;
    for (const path of paths) {
      const at = this.locate(path);
      const node = at?.slot.live;
      if (at === undefined || !(node instanceof Inode)) continue;
      if (shared === undefined) shared = node;
      else if (node !== shared && !node.dirty && node.openHandles === 0) {
        node.liveSlots.delete(at.slot);
        at.slot.live = shared;
        at.slot.durable = shared;
        shared.liveSlots.add(at.slot);
      }
    }
  }

  /** Resolves the parent directory and entry of `path`; undefined if a parent is not a live directory. */
  locate(path: string): Located | undefined {
    const { root, parts } = splitPath(path);
    const name = parts.pop();
    if (name === undefined) return undefined;
    const at = this.walk(root, parts);
    if (at === undefined) return undefined;
    return { dir: at.dir, dirPath: at.path, slot: this.child(at.dir, at.path, name) };
  }

  /** Resolves `path` to a live directory of the model, or undefined. */
  locateDir(path: string): { dir: DirState; path: string } | undefined {
    const { root, parts } = splitPath(path);
    return this.walk(root, parts);
  }

  private walk(root: RootKey, parts: string[]): { dir: DirState; path: string } | undefined {
    let dir = this.root(root);
    let path: string = root;
    for (const part of parts) {
      const next = this.child(dir, path, part).live;
      if (!(next instanceof DirState)) return undefined;
      dir = next;
      path = childPath(path, part);
    }
    return { dir, path };
  }

  /**
   * Points the live side of `slot` at `node` (after the inner Fs did the same). Without
   * directory-sync modelling the durable side follows at once.
   */
  setLive(slot: Slot, node: Node | null): void {
    const old = slot.live;
    if (old !== node) {
      if (old instanceof Inode) old.liveSlots.delete(slot);
      else if (old !== null && old.liveSlot === slot) old.liveSlot = null;
      slot.live = node;
      if (node instanceof Inode) node.liveSlots.add(slot);
      else if (node !== null) node.liveSlot = slot;
    }
    const wasDiff = old !== slot.durable;
    if (!this.directorySync) slot.durable = node;
    const isDiff = slot.live !== slot.durable;
    if (wasDiff !== isDiff) {
      slot.dir.diffs += isDiff ? 1 : -1;
      if (slot.dir.diffs === 0) this.dirtyDirs.delete(slot.dir);
      else this.dirtyDirs.add(slot.dir);
    }
    if (slot.live === null && slot.durable === null) slot.dir.entries.delete(slot.name);
    else slot.dir.entries.set(slot.name, slot);
  }

  /** A successful syncDirectory: the live entries of `dir` become durable. */
  syncDir(dir: DirState): void {
    if (dir.diffs === 0) return;
    for (const slot of dir.entries.values()) {
      slot.durable = slot.live;
      if (slot.live === null) dir.entries.delete(slot.name);
    }
    dir.diffs = 0;
    this.dirtyDirs.delete(dir);
  }

  /** The canonical path where `dir` is live now, or undefined if it was removed. */
  livePath(dir: DirState): string | undefined {
    const names: string[] = [];
    let d: DirState = dir;
    while (d.rootKey === undefined) {
      const slot = d.liveSlot;
      if (slot === null) return undefined;
      names.push(slot.name);
      d = slot.dir;
    }
    let path: string = d.rootKey;
    for (let i = names.length - 1; i >= 0; i--) path = childPath(path, names[i]!);
    return path;
  }

  /** Every path where `inode` is live now (in directories still attached), sorted. */
  livePaths(inode: Inode): string[] {
    const out: string[] = [];
    for (const slot of inode.liveSlots) {
      const dirPath = this.livePath(slot.dir);
      if (dirPath !== undefined) out.push(childPath(dirPath, slot.name));
    }
    return out.sort();
  }

  /** Loads the durable content of `inode` from `path` (where it is live and clean) if not loaded. */
  ensureLoaded(inode: Inode, path: string): void {
    if (!inode.loaded) inode.load(readFile(this.inner, path));
  }

  /** Loads the durable content of `inode` from any path where it is live. */
  loadFromLive(inode: Inode): void {
    if (inode.loaded) return;
    const path = this.livePaths(inode)[0];
    if (path === undefined) throw new Error(`CrashFs internal error: inode ${inode.id} has no content and no live name`);
    this.ensureLoaded(inode, path);
  }

  /** Makes `dir` complete: adopts every name the inner Fs lists in it. */
  ensureComplete(dir: DirState): void {
    if (dir.complete) return;
    const path = this.livePath(dir);
    if (path === undefined) throw new Error(`CrashFs internal error: directory ${dir.id} is incomplete and not live`);
    for (const name of this.inner.readDir(path)) this.child(dir, path, name);
    dir.complete = true;
  }

  /**
   * Before `dir` (live at `path`) leaves the live tree: adopt everything under it and load
   * every file's content, so that a crash that undoes the removal can put it all back.
   */
  captureSubtree(dir: DirState, path: string): void {
    this.ensureComplete(dir);
    for (const slot of dir.entries.values()) {
      const node = slot.live;
      if (node instanceof Inode) this.ensureLoaded(node, childPath(path, slot.name));
      else if (node !== null) this.captureSubtree(node, childPath(path, slot.name));
    }
  }

  /** Frees the durable copy of a clean, closed file that the inner Fs still holds under a live name. */
  maybeUnload(inode: Inode): void {
    if (!inode.loaded || inode.dirty || inode.tainted || inode.openHandles > 0) return;
    for (const slot of inode.liveSlots) {
      if (this.livePath(slot.dir) !== undefined) {
        inode.unload();
        return;
      }
    }
  }
}
