// MemFs: an in-memory Fs with the same semantics and error codes as NodeFs on Linux
// (inodes, hard links, handles that outlive unlink, atomic rename). It is what unit
// tests and CrashFs-based tests run on; the conformance suite holds it to NodeFs.

import { FsError } from './errors.js';
import type { Fs, FsFile, Metadata, OpenOptions } from './types.js';
import { checkBytes, checkOffset, checkPath, resolveOpenOptions, type ResolvedOpen } from './validate.js';

interface FileNode {
  kind: 'file';
  data: Uint8Array; // capacity; bytes past `len` are zero
  len: number;
  mtimeMs: number;
  lockHolder: MemFile | undefined;
}

interface DirNode {
  kind: 'dir';
  entries: Map<string, Node>;
  mtimeMs: number;
}

type Node = FileNode | DirNode;

const EMPTY = new Uint8Array(0);

/** What Linux says when an operation that needs a parent names the root itself. */
const ROOT_ERRORS: Record<string, string> = { open: 'EISDIR', unlink: 'EISDIR', rm: 'EBUSY', rename: 'EBUSY', link: 'EEXIST' };

/** Splits a path into components relative to the root ('.' and '..' resolved). */
function components(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/** In-memory filesystem. Relative paths resolve against '/'. */
export class MemFs implements Fs {
  private readonly root: DirNode = { kind: 'dir', entries: new Map(), mtimeMs: Date.now() };

  /** Resolves to the node at `path`, or throws ENOENT / ENOTDIR. */
  private lookup(path: string, syscall: string): Node {
    let node: Node = this.root;
    for (const name of components(path)) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
      const next: Node | undefined = node.entries.get(name);
      if (next === undefined) throw new FsError('ENOENT', syscall, path);
      node = next;
    }
    return node;
  }

  /** Resolves the parent directory of `path` and the final name; throws for the root. */
  private lookupParent(path: string, syscall: string): { dir: DirNode; name: string } {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new FsError(ROOT_ERRORS[syscall] ?? 'EINVAL', syscall, path, { detail: 'not allowed on the root directory' });
    let node: Node = this.root;
    for (const part of parts) {
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
      const next: Node | undefined = node.entries.get(part);
      if (next === undefined) throw new FsError('ENOENT', syscall, path);
      node = next;
    }
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
    return { dir: node, name };
  }

  open(path: string, options?: OpenOptions): FsFile {
    checkPath(path, 'open');
    const o = resolveOpenOptions(options, path);
    const { dir, name } = this.lookupParent(path, 'open');
    let node = dir.entries.get(name);
    if (node !== undefined && o.createNew) throw new FsError('EEXIST', 'open', path);
    if (node === undefined) {
      if (!o.create && !o.createNew) throw new FsError('ENOENT', 'open', path);
      node = { kind: 'file', data: EMPTY, len: 0, mtimeMs: Date.now(), lockHolder: undefined };
      dir.entries.set(name, node);
      dir.mtimeMs = Date.now();
    }
    if (node.kind === 'dir') throw new FsError('EISDIR', 'open', path);
    if (o.truncate && node.len > 0) {
      node.data = EMPTY;
      node.len = 0;
      node.mtimeMs = Date.now();
    }
    return new MemFile(path, node, o);
  }

  createDirAll(path: string): void {
    checkPath(path, 'mkdir');
    let node: DirNode = this.root;
    const parts = components(path);
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const next = node.entries.get(name);
      if (next === undefined) {
        const d: DirNode = { kind: 'dir', entries: new Map(), mtimeMs: Date.now() };
        node.entries.set(name, d);
        node.mtimeMs = Date.now();
        node = d;
      } else if (next.kind === 'dir') {
        node = next;
      } else {
        // Linux: a file as the last component is EEXIST, in the middle ENOTDIR.
        throw new FsError(i === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', 'mkdir', path);
      }
    }
  }

  readDir(path: string): string[] {
    checkPath(path, 'scandir');
    const node = this.lookup(path, 'scandir');
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'scandir', path);
    return [...node.entries.keys()].sort(compareNames);
  }

  removeFile(path: string): void {
    checkPath(path, 'unlink');
    const { dir, name } = this.lookupParent(path, 'unlink');
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError('ENOENT', 'unlink', path);
    if (node.kind === 'dir') throw new FsError('EISDIR', 'unlink', path);
    dir.entries.delete(name);
    dir.mtimeMs = Date.now();
  }

  removeDirAll(path: string): void {
    checkPath(path, 'rm');
    const { dir, name } = this.lookupParent(path, 'rm');
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError('ENOENT', 'rm', path);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'rm', path);
    dir.entries.delete(name);
    dir.mtimeMs = Date.now();
  }

  rename(from: string, to: string): void {
    checkPath(from, 'rename');
    checkPath(to, 'rename');
    const src = this.lookupParent(from, 'rename');
    const node = src.dir.entries.get(src.name);
    if (node === undefined) throw new FsError('ENOENT', 'rename', from);
    const dst = this.lookupParent(to, 'rename');
    const existing = dst.dir.entries.get(dst.name);
    if (existing === node) return; // same file (or hard link to it): POSIX says do nothing
    if (node.kind === 'dir') {
      // Moving a directory under itself would detach a cycle.
      const fromParts = components(from);
      const toParts = components(to);
      if (toParts.length > fromParts.length && fromParts.every((p, i) => toParts[i] === p)) {
        throw new FsError('EINVAL', 'rename', from, { detail: `cannot move a directory into itself ('${to}')` });
      }
      if (existing !== undefined) {
        if (existing.kind !== 'dir') throw new FsError('ENOTDIR', 'rename', to);
        if (existing.entries.size > 0) throw new FsError('ENOTEMPTY', 'rename', to);
      }
    } else if (existing !== undefined && existing.kind === 'dir') {
      throw new FsError('EISDIR', 'rename', to);
    }
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    const now = Date.now();
    src.dir.mtimeMs = now;
    dst.dir.mtimeMs = now;
  }

  metadata(path: string): Metadata {
    checkPath(path, 'stat');
    const node = this.lookup(path, 'stat');
    return node.kind === 'dir'
      ? { isFile: false, isDirectory: true, size: 0, mtimeMs: node.mtimeMs }
      : { isFile: true, isDirectory: false, size: node.len, mtimeMs: node.mtimeMs };
  }

  exists(path: string): boolean {
    if (typeof path !== 'string' || path.length === 0) return false;
    try {
      this.lookup(path, 'stat');
      return true;
    } catch {
      return false;
    }
  }

  syncDirectory(path: string): void {
    checkPath(path, 'fsync');
    const node = this.lookup(path, 'fsync');
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'fsync', path);
  }

  hardLink(existing: string, newPath: string): void {
    checkPath(existing, 'link');
    checkPath(newPath, 'link');
    const node = this.lookup(existing, 'link');
    if (node.kind === 'dir') throw new FsError('EPERM', 'link', existing);
    const dst = this.lookupParent(newPath, 'link');
    if (dst.dir.entries.has(dst.name)) throw new FsError('EEXIST', 'link', newPath);
    dst.dir.entries.set(dst.name, node);
    dst.dir.mtimeMs = Date.now();
  }
}

/** Bytewise order of names, the order readDir promises on every backend. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

class MemFile implements FsFile {
  private closed = false;
  private cursor = 0;

  constructor(
    readonly path: string,
    private readonly node: FileNode,
    private readonly mode: ResolvedOpen,
  ) {}

  private live(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', syscall, this.path, { detail: 'file is closed' });
  }

  read(buf: Uint8Array, position: number): number {
    this.live('read');
    checkBytes(buf, 'read', this.path);
    checkOffset(position, 'position', 'read', this.path);
    if (!this.mode.read) throw new FsError('EBADF', 'read', this.path, { detail: 'not opened for reading' });
    const n = Math.max(0, Math.min(buf.length, this.node.len - position));
    if (n > 0) buf.set(this.node.data.subarray(position, position + n));
    return n;
  }

  write(data: Uint8Array): number {
    this.live('write');
    checkBytes(data, 'write', this.path);
    if (!this.mode.write) throw new FsError('EBADF', 'write', this.path, { detail: 'not opened for writing' });
    const pos = this.mode.append ? this.node.len : this.cursor;
    this.put(data, pos);
    this.cursor = pos + data.length;
    return data.length;
  }

  writeAt(data: Uint8Array, position: number): number {
    this.live('write');
    checkBytes(data, 'write', this.path);
    checkOffset(position, 'position', 'write', this.path);
    if (!this.mode.write) throw new FsError('EBADF', 'write', this.path, { detail: 'not opened for writing' });
    // Linux ignores the offset of pwrite on an O_APPEND file and appends; so do we.
    this.put(data, this.mode.append ? this.node.len : position);
    return data.length;
  }

  private put(data: Uint8Array, pos: number): void {
    // An empty write changes nothing, even past the end (as pwrite(2) of 0 bytes).
    if (data.length === 0) return;
    const end = pos + data.length;
    this.ensureCapacity(end);
    this.node.data.set(data, pos);
    if (end > this.node.len) this.node.len = end;
    this.node.mtimeMs = Date.now();
  }

  private ensureCapacity(n: number): void {
    if (n <= this.node.data.length) return;
    const grown = new Uint8Array(Math.max(n, Math.min(this.node.data.length * 2, this.node.data.length + (64 << 20)), 256));
    grown.set(this.node.data.subarray(0, this.node.len));
    this.node.data = grown;
  }

  syncData(): void {
    this.live('fdatasync');
  }

  syncAll(): void {
    this.live('fsync');
  }

  setLen(len: number): void {
    this.live('ftruncate');
    checkOffset(len, 'length', 'ftruncate', this.path);
    if (!this.mode.write) throw new FsError('EINVAL', 'ftruncate', this.path, { detail: 'not opened for writing' });
    if (len < this.node.len) {
      this.node.data.fill(0, len, this.node.len);
    } else {
      this.ensureCapacity(len);
    }
    this.node.len = len;
    this.node.mtimeMs = Date.now();
  }

  size(): number {
    this.live('fstat');
    return this.node.len;
  }

  tryLock(): boolean {
    this.live('flock');
    if (this.node.lockHolder === undefined || this.node.lockHolder === this) {
      this.node.lockHolder = this;
      return true;
    }
    return false;
  }

  unlock(): void {
    this.live('flock');
    if (this.node.lockHolder === this) this.node.lockHolder = undefined;
  }

  close(): void {
    if (this.closed) return;
    if (this.node.lockHolder === this) this.node.lockHolder = undefined;
    this.closed = true;
  }
}
