// A node:fs-shaped facade over any Fs: the synchronous subset storage code usually uses
// (openSync, readSync, writeSync, fsyncSync, ..., readFileSync, writeFileSync), with numeric
// file descriptors, node's flag strings and errors carrying node's codes. It lets code that
// takes an `fs` module run unchanged on MemFs, FaultFs or CrashFs. It promises node's
// semantics for what it offers (positions, flags, encodings); it is not the whole of node:fs.

import { FsError, parentDir, type Fs, type FsFile, type OpenOptions } from '@lsm/fs';
import { shallowestMissing } from './paths.js';

/** The open flags the facade understands (node's strings; 's' variants behave as plain). */
export type FacadeOpenFlags =
  | 'r' | 'rs' | 'sr' | 'r+' | 'rs+' | 'sr+'
  | 'w' | 'wx' | 'xw' | 'w+' | 'wx+' | 'xw+'
  | 'a' | 'as' | 'sa' | 'ax' | 'xa' | 'a+' | 'as+' | 'sa+' | 'ax+' | 'xa+';

/** What statSync and fstatSync return: the part of fs.Stats the Fs model knows. */
export interface FacadeStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly mtime: Date;
}

/** What readdirSync(path, { withFileTypes: true }) returns. */
export interface FacadeDirent {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

type Encoding = BufferEncoding;
type WriteFileOptions = Encoding | { encoding?: Encoding | null; flag?: string; mode?: number | string } | null;

/**
 * The synchronous node:fs subset the facade provides. Signatures follow node's, so a
 * function typed to take `NodeFsFacade` (or a Pick of it) accepts node:fs itself too.
 * Paths are '/'-separated strings (Buffer and file: URL are accepted at run time).
 */
export interface NodeFsFacade {
  /**
   * Opens a file and returns a descriptor. `flags` as node's (required in node's types, so
   * here too; 'r' if omitted at run time); `mode` is ignored. A directory opened read-only
   * gives a descriptor that supports only fsyncSync, fstatSync and closeSync.
   */
  openSync(path: string, flags: string, mode?: number | string | null): number;
  /** Reads into `buffer`; position null (or -1) reads at the descriptor's position and advances it. */
  readSync(fd: number, buffer: ArrayBufferView, offset: number, length: number, position: number | bigint | null): number;
  readSync(fd: number, buffer: ArrayBufferView, opts?: { offset?: number; length?: number; position?: number | bigint | null }): number;
  /** Writes bytes; position null writes at the descriptor's position and advances it (append mode: at the end). */
  writeSync(fd: number, buffer: ArrayBufferView, offset?: number | null, length?: number | null, position?: number | null): number;
  writeSync(fd: number, data: string, position?: number | null, encoding?: Encoding | null): number;
  /**
   * fsync: makes the file's data and metadata durable. On a descriptor of a directory
   * (opened with 'r', as POSIX code does) it syncs the directory's entries.
   */
  fsyncSync(fd: number): void;
  /** fdatasync: makes the file's data durable (a directory's entries, for a directory descriptor). */
  fdatasyncSync(fd: number): void;
  closeSync(fd: number): void;
  /** Truncates or extends the open file to `len` (default 0). */
  ftruncateSync(fd: number, len?: number): void;
  /** Stats an open file (size from the handle; mtime from its path when it still exists). */
  fstatSync(fd: number): FacadeStats;
  renameSync(oldPath: string, newPath: string): void;
  unlinkSync(path: string): void;
  /** Creates a directory; with `recursive`, its missing parents too, returning the first one created. */
  mkdirSync(path: string, options?: { recursive?: boolean; mode?: number | string } | number | string | null): string | undefined;
  readdirSync(path: string): string[];
  readdirSync(path: string, options: { withFileTypes: true }): FacadeDirent[];
  statSync(path: string): FacadeStats;
  statSync(path: string, options: { throwIfNoEntry: false }): FacadeStats | undefined;
  existsSync(path: string): boolean;
  /** Reads a whole file (or the rest of an open one): a Buffer, or a string when an encoding is given. */
  readFileSync(path: string | number, options?: { encoding?: null; flag?: string } | null): Buffer;
  readFileSync(path: string | number, options: Encoding | { encoding: Encoding; flag?: string }): string;
  /** Writes a whole file (default flag 'w'), or at the position of an open one. */
  writeFileSync(path: string | number, data: string | ArrayBufferView, options?: WriteFileOptions): void;
  /** Appends to a file (default flag 'a'), creating it if needed. */
  appendFileSync(path: string | number, data: string | ArrayBufferView, options?: WriteFileOptions): void;
}

interface OpenFd {
  /** Undefined for a directory opened read-only (to fsync it, the POSIX way). */
  file: FsFile | undefined;
  path: string;
  /** The file position, for reads and writes without an explicit position. */
  pos: number;
  append: boolean;
}

const FLAGS: Record<FacadeOpenFlags, OpenOptions> = {
  r: { read: true },
  rs: { read: true },
  sr: { read: true },
  'r+': { read: true, write: true },
  'rs+': { read: true, write: true },
  'sr+': { read: true, write: true },
  w: { write: true, create: true, truncate: true },
  wx: { write: true, createNew: true },
  xw: { write: true, createNew: true },
  'w+': { read: true, write: true, create: true, truncate: true },
  'wx+': { read: true, write: true, createNew: true },
  'xw+': { read: true, write: true, createNew: true },
  a: { append: true, create: true },
  as: { append: true, create: true },
  sa: { append: true, create: true },
  ax: { append: true, createNew: true },
  xa: { append: true, createNew: true },
  'a+': { read: true, append: true, create: true },
  'as+': { read: true, append: true, create: true },
  'sa+': { read: true, append: true, create: true },
  'ax+': { read: true, append: true, createNew: true },
  'xa+': { read: true, append: true, createNew: true },
};

function codedError<E extends Error>(err: E, code: string): E & { code: string } {
  return Object.assign(err, { code });
}

function invalidArg(what: string, value: unknown): TypeError {
  return codedError(new TypeError(`The argument '${what}' is invalid. Received ${String(value)}`), 'ERR_INVALID_ARG_VALUE');
}

function outOfRange(what: string, value: unknown): RangeError {
  return codedError(new RangeError(`The value of "${what}" is out of range. Received ${String(value)}`), 'ERR_OUT_OF_RANGE');
}

function toPath(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  if (p instanceof URL && p.protocol === 'file:') return decodeURIComponent(p.pathname);
  throw codedError(new TypeError(`The "path" argument must be of type string, Buffer or URL. Received ${String(p)}`), 'ERR_INVALID_ARG_TYPE');
}

function toBytes(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function openOptions(flags: unknown): OpenOptions {
  const o = typeof flags === 'string' ? (FLAGS as Record<string, OpenOptions | undefined>)[flags] : undefined;
  if (o === undefined) throw invalidArg('flags', flags);
  return o;
}

class Stats implements FacadeStats {
  constructor(
    private readonly file: boolean,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}
  isFile(): boolean {
    return this.file;
  }
  isDirectory(): boolean {
    return !this.file;
  }
  isSymbolicLink(): boolean {
    return false;
  }
  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
}

class Dirent implements FacadeDirent {
  constructor(
    readonly name: string,
    private readonly file: boolean,
  ) {}
  isFile(): boolean {
    return this.file;
  }
  isDirectory(): boolean {
    return !this.file;
  }
  isSymbolicLink(): boolean {
    return false;
  }
}

/**
 * Returns node:fs-style synchronous functions over `fs`. Descriptors are small integers
 * never reused within one facade, so a use after close fails with EBADF instead of
 * hitting another file. Errors are the Fs's FsError (with node's `code`, `syscall`, `path`).
 */
export function createNodeFsFacade(fs: Fs): NodeFsFacade {
  const fds = new Map<number, OpenFd>();
  let nextFd = 3;

  const entry = (fd: unknown, syscall: string): OpenFd => {
    const e = typeof fd === 'number' ? fds.get(fd) : undefined;
    if (e === undefined) throw new FsError('EBADF', syscall, undefined, { detail: `bad file descriptor ${String(fd)}` });
    return e;
  };

  const isDirectory = (p: string): boolean => {
    try {
      return fs.metadata(p).isDirectory;
    } catch {
      return false;
    }
  };

  /** The open file behind `fd`; a directory descriptor only supports fsync, fstat and close. */
  const fileOf = (fd: unknown, syscall: string): { e: OpenFd; file: FsFile } => {
    const e = entry(fd, syscall);
    if (e.file === undefined) throw new FsError('EISDIR', syscall, e.path);
    return { e, file: e.file };
  };

  const openSync = (path: string, flags: string = 'r'): number => {
    const p = toPath(path);
    const o = openOptions(flags);
    let file: FsFile | undefined;
    try {
      file = fs.open(p, o);
    } catch (err) {
      // open(dir, 'r') succeeds in POSIX: it is how a directory is fsynced. (Fs.open refuses
      // directories; backends disagree on the code for the root, so ask what the path is.)
      const readOnly = o.write !== true && o.append !== true;
      if (!(readOnly && err instanceof FsError && isDirectory(p))) throw err;
    }
    const fd = nextFd++;
    fds.set(fd, { file, path: p, pos: 0, append: o.append === true });
    return fd;
  };

  const closeSync = (fd: number): void => {
    const e = entry(fd, 'close');
    fds.delete(fd);
    e.file?.close();
  };

  /** fsync/fdatasync: of the file, or of the directory's entries for a directory descriptor. */
  const syncFd = (fd: number, syscall: string, data: boolean): void => {
    const e = entry(fd, syscall);
    if (e.file === undefined) fs.syncDirectory(e.path);
    else if (data) e.file.syncData();
    else e.file.syncAll();
  };

  /** Writes `data` at `position` (null: the fd position, advancing it). Returns bytes written. */
  const writeBytes = (e: OpenFd, file: FsFile, data: Uint8Array, position: number | null): number => {
    if (e.append) {
      const n = file.write(data);
      e.pos = file.size();
      return n;
    }
    if (position !== null) return file.writeAt(data, position);
    const n = file.writeAt(data, e.pos);
    e.pos += n;
    return n;
  };

  const writeAllBytes = (fd: number, data: Uint8Array): void => {
    const { e, file } = fileOf(fd, 'write');
    let off = 0;
    while (off < data.length) {
      const n = writeBytes(e, file, off === 0 ? data : data.subarray(off), null);
      if (n <= 0) throw new FsError('EIO', 'write', e.path, { detail: 'write made no progress' });
      off += n;
    }
  };

  const readRest = (fd: number): Buffer => {
    const { e, file } = fileOf(fd, 'read');
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const want = Math.max(file.size() - e.pos, 0) + 1; // +1 notices growth and end of file
      const buf = new Uint8Array(Math.min(want, 1 << 30));
      const n = file.read(buf, e.pos);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      e.pos += n;
    }
    return Buffer.concat(chunks, total);
  };

  const positionArg = (position: unknown, what = 'position'): number | null => {
    if (position === null || position === undefined || position === -1 || position === -1n) return null;
    const n = typeof position === 'bigint' ? Number(position) : position;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw outOfRange(what, position);
    return n;
  };

  const range = (view: Uint8Array, offset: unknown, length: unknown): Uint8Array => {
    const off = offset === undefined || offset === null ? 0 : offset;
    if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0 || off > view.length) throw outOfRange('offset', offset);
    const len = length === undefined || length === null ? view.length - off : length;
    if (typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0 || off + len > view.length) throw outOfRange('length', length);
    return view.subarray(off, off + len);
  };

  function readSync(fd: number, buffer: ArrayBufferView, offset: number, length: number, position: number | bigint | null): number;
  function readSync(fd: number, buffer: ArrayBufferView, opts?: { offset?: number; length?: number; position?: number | bigint | null }): number;
  function readSync(fd: number, buffer: ArrayBufferView, a?: unknown, length?: unknown, position?: unknown): number {
    const { e, file } = fileOf(fd, 'read');
    let offset = a;
    if (typeof a === 'object' && a !== null) {
      const o = a as { offset?: unknown; length?: unknown; position?: unknown };
      offset = o.offset;
      length = o.length;
      position = o.position;
    }
    const target = range(toBytes(buffer), offset, length);
    const pos = positionArg(position);
    if (pos !== null) return file.read(target, pos);
    const n = file.read(target, e.pos);
    e.pos += n;
    return n;
  }

  function writeSync(fd: number, buffer: ArrayBufferView, offset?: number | null, length?: number | null, position?: number | null): number;
  function writeSync(fd: number, data: string, position?: number | null, encoding?: Encoding | null): number;
  function writeSync(fd: number, data: ArrayBufferView | string, a?: unknown, b?: unknown, c?: unknown): number {
    const { e, file } = fileOf(fd, 'write');
    if (typeof data === 'string') {
      const bytes = Buffer.from(data, (typeof b === 'string' ? b : 'utf8') as Encoding);
      return writeBytes(e, file, bytes, positionArg(a));
    }
    if (typeof a === 'object' && a !== null) {
      const o = a as { offset?: unknown; length?: unknown; position?: unknown };
      return writeBytes(e, file, range(toBytes(data), o.offset, o.length), positionArg(o.position));
    }
    return writeBytes(e, file, range(toBytes(data), a, b), positionArg(c));
  }

  const mkdirSync = (path: string, options?: { recursive?: boolean; mode?: number | string } | number | string | null): string | undefined => {
    const p = toPath(path);
    const recursive = typeof options === 'object' && options !== null && options.recursive === true;
    if (!recursive) {
      if (fs.exists(p)) throw new FsError('EEXIST', 'mkdir', p);
      const parent = parentDir(p);
      if (!fs.exists(parent)) throw new FsError('ENOENT', 'mkdir', p);
      if (!fs.metadata(parent).isDirectory) throw new FsError('ENOTDIR', 'mkdir', p);
      fs.createDirAll(p);
      return undefined;
    }
    // The first directory that does not exist yet is what node returns.
    const first = shallowestMissing(fs, p);
    fs.createDirAll(p);
    return first;
  };

  function readdirSync(path: string): string[];
  function readdirSync(path: string, options: { withFileTypes: true }): FacadeDirent[];
  function readdirSync(path: string, options?: unknown): string[] | FacadeDirent[] {
    const p = toPath(path);
    const names = fs.readDir(p);
    const withTypes = typeof options === 'object' && options !== null && (options as { withFileTypes?: unknown }).withFileTypes === true;
    if (!withTypes) return names;
    return names.map((n) => new Dirent(n, fs.metadata(p.endsWith('/') ? p + n : `${p}/${n}`).isFile));
  }

  function statSync(path: string): FacadeStats;
  function statSync(path: string, options: { throwIfNoEntry: false }): FacadeStats | undefined;
  function statSync(path: string, options?: unknown): FacadeStats | undefined {
    const p = toPath(path);
    try {
      const m = fs.metadata(p);
      return new Stats(m.isFile, m.size, m.mtimeMs);
    } catch (err) {
      const quiet = typeof options === 'object' && options !== null && (options as { throwIfNoEntry?: unknown }).throwIfNoEntry === false;
      if (quiet && err instanceof FsError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  const encodingOf = (options: unknown): Encoding | undefined => {
    if (typeof options === 'string') return options as Encoding;
    if (typeof options === 'object' && options !== null) {
      const enc = (options as { encoding?: unknown }).encoding;
      if (typeof enc === 'string') return enc as Encoding;
    }
    return undefined;
  };

  const flagOf = (options: unknown, dflt: string): string => {
    if (typeof options === 'object' && options !== null) {
      const flag = (options as { flag?: unknown }).flag;
      if (flag !== undefined) return flag as string;
    }
    return dflt;
  };

  function readFileSync(path: string | number, options?: { encoding?: null; flag?: string } | null): Buffer;
  function readFileSync(path: string | number, options: Encoding | { encoding: Encoding; flag?: string }): string;
  function readFileSync(path: string | number, options?: unknown): Buffer | string {
    let data: Buffer;
    if (typeof path === 'number') {
      data = readRest(path);
    } else {
      const fd = openSync(toPath(path), flagOf(options, 'r'));
      try {
        data = readRest(fd);
      } finally {
        closeSync(fd);
      }
    }
    const enc = encodingOf(options);
    return enc === undefined ? data : data.toString(enc);
  }

  const writeWhole = (path: string | number, data: string | ArrayBufferView, options: unknown, dflt: string): void => {
    const bytes = typeof data === 'string' ? Buffer.from(data, encodingOf(options) ?? 'utf8') : toBytes(data);
    if (typeof path === 'number') {
      writeAllBytes(path, bytes);
      return;
    }
    const fd = openSync(toPath(path), flagOf(options, dflt));
    try {
      writeAllBytes(fd, bytes);
    } finally {
      closeSync(fd);
    }
  };

  return {
    openSync,
    readSync,
    writeSync,
    fsyncSync: (fd) => syncFd(fd, 'fsync', false),
    fdatasyncSync: (fd) => syncFd(fd, 'fdatasync', true),
    closeSync,
    ftruncateSync: (fd, len = 0) => {
      const { file } = fileOf(fd, 'ftruncate');
      if (typeof len !== 'number' || !Number.isSafeInteger(len)) throw outOfRange('len', len);
      file.setLen(Math.max(0, len)); // node treats a negative length as 0
    },
    fstatSync: (fd) => {
      const e = entry(fd, 'fstat');
      if (e.file === undefined) {
        const m = fs.metadata(e.path);
        return new Stats(false, m.size, m.mtimeMs);
      }
      const size = e.file.size();
      let mtimeMs = Date.now();
      try {
        mtimeMs = fs.metadata(e.path).mtimeMs;
      } catch {
        // Renamed or removed since it was opened: the handle still has a size, not a name.
      }
      return new Stats(true, size, mtimeMs);
    },
    renameSync: (from, to) => fs.rename(toPath(from), toPath(to)),
    unlinkSync: (path) => fs.removeFile(toPath(path)),
    mkdirSync,
    readdirSync,
    statSync,
    existsSync: (path) => {
      try {
        return fs.exists(toPath(path));
      } catch {
        return false;
      }
    },
    readFileSync,
    writeFileSync: (path, data, options) => writeWhole(path, data, options, 'w'),
    appendFileSync: (path, data, options) => writeWhole(path, data, options, 'a'),
  };
}
