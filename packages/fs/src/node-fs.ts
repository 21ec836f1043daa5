// NodeFs: the real disk, through node:fs synchronous calls with real fsync of files and
// directories. This is the only file in the repository that imports node:fs for storage.
// Every node error is rethrown as FsError with node's code and the original as `cause`.
// `new NodeFs({ root })` is confined: every path is checked against the root before node:fs
// sees it (see `NodeFsOptions.root`).

import * as nfs from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { FsError } from './errors.js';
import { compareNames } from './mem-fs.js';
import type { Fs, FsFile, Metadata, OpenOptions } from './types.js';
import { checkBytes, checkOffset, checkPath, resolveOpenOptions, type ResolvedOpen } from './validate.js';

const C = nfs.constants;

function wrap(err: unknown, syscall: string, path: string | undefined): FsError {
  if (err instanceof FsError) return err;
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : 'EIO';
  return new FsError(code, syscall, path, { cause: err });
}

/** Runs `fn`, turning any thrown node error into an FsError. */
function io<T>(syscall: string, path: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw wrap(err, syscall, path);
  }
}

/**
 * Process-wide table of held locks, keyed by device and inode so two paths to one file
 * (or two handles) see the same lock.
 */
const heldLocks = new Map<string, NodeFile>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Options of `new NodeFs(options)`. */
export interface NodeFsOptions {
  /**
   * Confines this NodeFs to the directory `root` (absolute, or relative to the working
   * directory; it need not exist yet). Paths keep their meaning (absolute, or relative to
   * the working directory), but every path that does not resolve inside `root` (root
   * itself included) is refused with `FsError` `EACCES` naming the path, before anything
   * is read, listed, locked, renamed or changed: a `..` that climbs out, an absolute path
   * elsewhere, or a symlink (even a dangling one) that leads out. Where a path resolves to
   * is the real path of its longest existing prefix (symlinks followed), with the missing
   * rest joined on lexically. `createDirAll` may create `root` itself, never its parent.
   * A guard against bugs, not a sandbox against an adversary who swaps symlinks between
   * the check and the call. Without `root`, NodeFs reaches the whole disk.
   */
  root?: string;
}

/** How many symlinks one path may lead through before it is refused (Linux: 40). */
const MAX_LINKS = 40;

/**
 * Where `path` leads on the real disk: the real path of its longest existing prefix, then
 * the rest of it joined on lexically; a dangling symlink in the way is followed to its
 * target. Undefined when the path leads through too many symlinks.
 */
function realLocation(path: string, links = 0): string | undefined {
  const abs = isAbsolute(path) ? path : `${process.cwd()}/${path}`;
  try {
    return nfs.realpathSync.native(abs);
  } catch {
    // Some part of it does not exist (or is a dangling link): find the part that does.
  }
  const parts = abs.split('/').filter((p) => p !== '');
  let i = parts.length - 1;
  let base = '/';
  for (; i > 0; i--) {
    try {
      base = nfs.realpathSync.native(`/${parts.slice(0, i).join('/')}`);
      break;
    } catch {
      // Not there either: one component up.
    }
  }
  const first = `${base === '/' ? '' : base}/${parts[i]}`;
  let isLink = false;
  try {
    isLink = nfs.lstatSync(first).isSymbolicLink();
  } catch {
    // Missing (or not searchable): the rest is joined on lexically.
  }
  if (isLink) {
    if (links >= MAX_LINKS) return undefined;
    const target = nfs.readlinkSync(first);
    return realLocation([isAbsolute(target) ? target : `${base}/${target}`, ...parts.slice(i + 1)].join('/'), links + 1);
  }
  return resolvePath(base, ...parts.slice(i));
}

/** A directory that confines a NodeFs: every path is checked against it. */
class Jail {
  /** Where the root is on the real disk. */
  readonly real: string;
  private readonly prefix: string;

  constructor(readonly given: string) {
    if (typeof given !== 'string' || given.length === 0 || given.includes('\0')) {
      throw new FsError('EINVAL', 'NodeFs', undefined, { detail: `root must be a non-empty path without NUL bytes, got ${String(given)}` });
    }
    const real = realLocation(given);
    if (real === undefined) throw new FsError('ELOOP', 'NodeFs', given, { detail: 'the root leads through too many symlinks' });
    this.real = real;
    this.prefix = real === '/' ? '/' : `${real}/`;
  }

  /** Throws EACCES unless `path` resolves to the root or below it. */
  check(path: string, syscall: string): void {
    const at = realLocation(path);
    if (at !== undefined && (at === this.real || at.startsWith(this.prefix))) return;
    const where = at === undefined ? 'leads through too many symlinks' : `resolves to '${at}'`;
    throw new FsError('EACCES', syscall, path, { detail: `${where}, outside the root '${this.given}' of this NodeFs` });
  }

  /** Before a `mkdir -p`: creates the root itself if missing (never its parent: ENOENT then). */
  ensureRoot(path: string): void {
    if (!nfs.existsSync(this.real)) io('mkdir', path, () => nfs.mkdirSync(this.real));
  }
}

/** The real filesystem. */
export class NodeFs implements Fs {
  private readonly jail: Jail | undefined;

  /** The whole disk; with `options.root`, only that directory and what is below it. */
  constructor(options?: NodeFsOptions) {
    this.jail = options?.root === undefined ? undefined : new Jail(options.root);
  }

  /** The root this NodeFs is confined to, as given (undefined: not confined). */
  get root(): string | undefined {
    return this.jail?.given;
  }

  /** Checks the path's form, then (when confined) that it resolves inside the root. */
  private allow(path: string, syscall: string): void {
    checkPath(path, syscall);
    this.jail?.check(path, syscall);
  }

  open(path: string, options?: OpenOptions): FsFile {
    this.allow(path, 'open');
    const o = resolveOpenOptions(options, path);
    let flags = o.read && o.write ? C.O_RDWR : o.write ? C.O_WRONLY : C.O_RDONLY;
    if (o.create) flags |= C.O_CREAT;
    if (o.createNew) flags |= C.O_CREAT | C.O_EXCL;
    if (o.truncate) flags |= C.O_TRUNC;
    if (o.append) flags |= C.O_APPEND;
    const fd = io('open', path, () => nfs.openSync(path, flags, 0o644));
    let isDir = false;
    try {
      isDir = nfs.fstatSync(fd).isDirectory();
    } catch (err) {
      nfs.closeSync(fd);
      throw wrap(err, 'open', path);
    }
    if (isDir) {
      nfs.closeSync(fd);
      throw new FsError('EISDIR', 'open', path);
    }
    return new NodeFile(path, fd, o, this.jail);
  }

  createDirAll(path: string): void {
    this.allow(path, 'mkdir');
    this.jail?.ensureRoot(path);
    io('mkdir', path, () => nfs.mkdirSync(path, { recursive: true }));
  }

  readDir(path: string): string[] {
    this.allow(path, 'scandir');
    return io('scandir', path, () => nfs.readdirSync(path)).sort(compareNames);
  }

  removeFile(path: string): void {
    this.allow(path, 'unlink');
    io('unlink', path, () => nfs.unlinkSync(path));
  }

  removeDirAll(path: string): void {
    this.allow(path, 'rm');
    if (resolvePath(path) === '/') throw new FsError('EBUSY', 'rm', path, { detail: 'refusing to remove the root directory' });
    const st = io('rm', path, () => nfs.lstatSync(path));
    if (!st.isDirectory()) throw new FsError('ENOTDIR', 'rm', path);
    io('rm', path, () => nfs.rmSync(path, { recursive: true, force: false }));
  }

  rename(from: string, to: string): void {
    this.allow(from, 'rename');
    this.allow(to, 'rename');
    io('rename', from, () => nfs.renameSync(from, to));
  }

  metadata(path: string): Metadata {
    this.allow(path, 'stat');
    const st = io('stat', path, () => nfs.statSync(path));
    return { isFile: st.isFile(), isDirectory: st.isDirectory(), size: st.size, mtimeMs: st.mtimeMs };
  }

  /** Never throws, except that a confined NodeFs refuses a path outside its root (EACCES). */
  exists(path: string): boolean {
    if (typeof path !== 'string' || path.length === 0) return false;
    if (!path.includes('\0')) this.jail?.check(path, 'access');
    return nfs.existsSync(path);
  }

  syncDirectory(path: string): void {
    this.allow(path, 'fsync');
    const fd = io('fsync', path, () => nfs.openSync(path, C.O_RDONLY));
    try {
      if (!nfs.fstatSync(fd).isDirectory()) throw new FsError('ENOTDIR', 'fsync', path);
      io('fsync', path, () => nfs.fsyncSync(fd));
    } finally {
      nfs.closeSync(fd);
    }
  }

  hardLink(existing: string, newPath: string): void {
    this.allow(existing, 'link');
    this.allow(newPath, 'link');
    io('link', existing, () => nfs.linkSync(existing, newPath));
  }
}

class NodeFile implements FsFile {
  private fd: number;
  private closed = false;
  private lockKey: string | undefined;
  ownerPath: string | undefined;
  private cursor = 0;

  constructor(
    readonly path: string,
    fd: number,
    private readonly mode: ResolvedOpen,
    /** The root of the NodeFs that opened it: the lock's owner file is checked against it too. */
    private readonly jail: Jail | undefined,
  ) {
    this.fd = fd;
  }

  private live(syscall: string): void {
    if (this.closed) throw new FsError('EBADF', syscall, this.path, { detail: 'file is closed' });
  }

  read(buf: Uint8Array, position: number): number {
    this.live('read');
    checkBytes(buf, 'read', this.path);
    checkOffset(position, 'position', 'read', this.path);
    let off = 0;
    while (off < buf.length) {
      const n = io('read', this.path, () => nfs.readSync(this.fd, buf, off, buf.length - off, position + off));
      if (n === 0) break;
      off += n;
    }
    return off;
  }

  write(data: Uint8Array): number {
    this.live('write');
    checkBytes(data, 'write', this.path);
    if (this.mode.append) {
      this.writeFully(data, null);
    } else {
      // An explicit position keeps our cursor independent of pread/pwrite on the same fd.
      this.writeFully(data, this.cursor);
      this.cursor += data.length;
    }
    return data.length;
  }

  writeAt(data: Uint8Array, position: number): number {
    this.live('write');
    checkBytes(data, 'write', this.path);
    checkOffset(position, 'position', 'write', this.path);
    this.writeFully(data, position);
    return data.length;
  }

  private writeFully(data: Uint8Array, position: number | null): void {
    let off = 0;
    while (off < data.length) {
      const pos = position === null ? null : position + off;
      const n = io('write', this.path, () => nfs.writeSync(this.fd, data, off, data.length - off, pos));
      if (n <= 0) throw new FsError('EIO', 'write', this.path, { detail: 'write made no progress' });
      off += n;
    }
  }

  syncData(): void {
    this.live('fdatasync');
    io('fdatasync', this.path, () => nfs.fdatasyncSync(this.fd));
  }

  syncAll(): void {
    this.live('fsync');
    io('fsync', this.path, () => nfs.fsyncSync(this.fd));
  }

  setLen(len: number): void {
    this.live('ftruncate');
    checkOffset(len, 'length', 'ftruncate', this.path);
    io('ftruncate', this.path, () => nfs.ftruncateSync(this.fd, len));
  }

  size(): number {
    this.live('fstat');
    return io('fstat', this.path, () => nfs.fstatSync(this.fd).size);
  }

  /**
   * In-process exclusion by (device, inode); across processes, an owner file
   * `<path>.lock-owner` created with O_EXCL holds the holder's pid. An owner file whose
   * pid is no longer alive is stale (its holder crashed) and is taken over.
   */
  tryLock(): boolean {
    this.live('flock');
    if (this.lockKey !== undefined) return true;
    const st = io('fstat', this.path, () => nfs.fstatSync(this.fd));
    const key = `${st.dev}:${st.ino}`;
    if (heldLocks.has(key)) return false;
    const owner = `${this.path}.lock-owner`;
    this.jail?.check(owner, 'flock');
    if (!this.claimOwnerFile(owner)) return false;
    heldLocks.set(key, this);
    this.lockKey = key;
    this.ownerPath = owner;
    return true;
  }

  private claimOwnerFile(owner: string): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = nfs.openSync(owner, C.O_WRONLY | C.O_CREAT | C.O_EXCL, 0o644);
        try {
          nfs.writeSync(fd, `${process.pid}\n`);
          nfs.fsyncSync(fd);
        } finally {
          nfs.closeSync(fd);
        }
        return true;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw wrap(err, 'flock', this.path);
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(nfs.readFileSync(owner, 'utf8'), 10);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') continue; // released meanwhile: retry
        throw wrap(err, 'flock', this.path);
      }
      // Our own pid without an entry in heldLocks means a handle of ours that was never
      // unlocked before the process image changed (e.g. a test harness reset): stale.
      const ours = pid === process.pid && [...heldLocks.values()].some((f) => f.ownerPath === owner);
      if (ours) return false;
      const stale = !Number.isSafeInteger(pid) || pid === process.pid || !processAlive(pid);
      if (!stale) return false;
      try {
        nfs.unlinkSync(owner);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOENT') throw wrap(err, 'flock', this.path);
      }
    }
    return false;
  }

  unlock(): void {
    this.live('flock');
    this.release();
  }

  private release(): void {
    if (this.lockKey === undefined) return;
    heldLocks.delete(this.lockKey);
    this.lockKey = undefined;
    const owner = this.ownerPath;
    this.ownerPath = undefined;
    if (owner !== undefined) {
      try {
        nfs.unlinkSync(owner);
      } catch {
        // Already gone (the directory was removed): nothing left to release.
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.release();
    this.closed = true;
    io('close', this.path, () => nfs.closeSync(this.fd));
  }
}
