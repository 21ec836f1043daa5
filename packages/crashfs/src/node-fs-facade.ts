// The synchronous half of the node:fs facade over any Fs: what storage code usually calls
// (openSync, readSync, writeSync, fsyncSync, ..., readFileSync, writeFileSync, renameSync,
// rmSync, copyFileSync ...), with numeric file descriptors, node's flag strings and errors
// carrying node's codes. The callback, promise and stream forms are built on it. It promises
// node's semantics for what it offers (positions, flags, encodings); not the whole of node:fs.

import { FsError, type Fs, type FsFile } from '@lsm/fs';
import { createPathOps } from './facade-path-ops.js';
import {
  encodingOf,
  flagOf,
  invalidArg,
  invalidType,
  openOptions,
  outOfRange,
  Stats,
  toBytes,
  toPath,
  type Encoding,
  type FacadeDirent,
  type FacadeStats,
} from './facade-support.js';

export type { FacadeDirent, FacadeOpenFlags, FacadeStats } from './facade-support.js';

/** The options argument of writeFile and appendFile. */
export type WriteFileOptions = Encoding | { encoding?: Encoding | null; flag?: string; mode?: number | string } | null;

/**
 * The synchronous node:fs subset the facade provides. Signatures follow node's, so a
 * function typed to take `NodeFsFacade` (or a Pick of it) accepts node:fs itself too.
 * Paths are '/'-separated strings (Buffer and file: URL are accepted at run time).
 */
/** node:fs's encoding option (node's EncodingOption, restated: storage code reaches the disk only through Fs). */
type EncodingOption = BufferEncoding | { encoding?: BufferEncoding | null } | null | undefined;

/** realpathSync and its `.native` twin. Options (an encoding) are accepted and ignored: paths are strings. */
export interface RealpathSync {
  (path: string, options?: EncodingOption): string;
  native(path: string, options?: EncodingOption): string;
}

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
  /** lstat: the same as statSync (the Fs model has no symlinks). */
  lstatSync(path: string): FacadeStats;
  lstatSync(path: string, options: { throwIfNoEntry: false }): FacadeStats | undefined;
  /** Throws ENOENT when `path` does not exist; `mode` (R_OK, W_OK...) is not checked. */
  accessSync(path: string, mode?: number): void;
  /** Removes a file; a directory only with `recursive`; a missing path is fine with `force`. */
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  /** Removes an empty directory (ENOTEMPTY otherwise; with `recursive`, everything in it). */
  rmdirSync(path: string, options?: { recursive?: boolean }): void;
  /** Copies a file's bytes (mode COPYFILE_EXCL: fails with EEXIST if `dest` exists). */
  copyFileSync(src: string, dest: string, mode?: number): void;
  /** Truncates or extends the file at `path` to `len` (default 0). */
  truncateSync(path: string, len?: number | null): void;
  /**
   * The path with '.', '..' and repeated '/' resolved lexically (no symlinks); ENOENT if
   * missing. `realpathSync.native` is the same (node's libc variant).
   */
  realpathSync: RealpathSync;
  /** Checks that `path` exists; permissions are not modelled. */
  chmodSync(path: string, mode: number | string): void;
  /** Checks that `path` exists; owners are not modelled. */
  chownSync(path: string, uid: number, gid: number): void;
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

/**
 * Returns node:fs-style synchronous functions over `fs`. Descriptors are small integers
 * never reused within one facade, so a use after close fails with EBADF instead of
 * hitting another file. Errors are the Fs's FsError (with node's `code`, `syscall`, `path`).
 */
export function createSyncFacade(fs: Fs): NodeFsFacade {
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

  /** node's validateInteger(value, name, 0): a non-number is a type error; a fraction or a negative, out of range. */
  const offsetArg = (value: unknown): number => {
    if (typeof value !== 'number') throw invalidType('offset', 'of type number', value);
    if (!Number.isSafeInteger(value) || value < 0) throw outOfRange('offset', value);
    return value;
  };

  /**
   * readSync's arguments as node 20 reads them: three arguments or fewer, or an object (or
   * null) in third place, is the options form; the length is coerced to an int32
   * (`length |= 0`), and a zero length answers 0 before the buffer or position is looked at.
   */
  function readSync(fd: number, buffer: ArrayBufferView, offset: number, length: number, position: number | bigint | null): number;
  function readSync(fd: number, buffer: ArrayBufferView, opts?: { offset?: number; length?: number; position?: number | bigint | null }): number;
  function readSync(fd: number, buffer: ArrayBufferView, ...args: unknown[]): number {
    const { e, file } = fileOf(fd, 'read');
    const view = toBytes(buffer);
    let [offset, length, position] = args;
    if (args.length <= 1 || typeof offset === 'object') {
      if (offset !== undefined && offset !== null && (typeof offset !== 'object' || Array.isArray(offset))) {
        throw invalidType('options', 'of type object', offset);
      }
      const o = (offset ?? {}) as { offset?: unknown; length?: unknown; position?: unknown };
      offset = o.offset === undefined ? 0 : o.offset;
      length = o.length === undefined ? view.length - (offset as number) : o.length;
      position = o.position === undefined ? null : o.position;
    }
    const off = offset === undefined ? 0 : offsetArg(offset);
    const len = (length as number) | 0;
    if (len === 0) return 0;
    if (view.length === 0) throw invalidArg('buffer', 'an empty buffer');
    if (len < 0 || off + len > view.length) throw outOfRange('length', len);
    const target = view.subarray(off, off + len);
    const pos = positionArg(position);
    if (pos !== null) return file.read(target, pos);
    const n = file.read(target, e.pos);
    e.pos += n;
    return n;
  }

  /**
   * writeSync as node 20 reads its arguments: an object (or null) in third place is the
   * options form; a missing offset is 0; a length that is not a number means the rest of
   * the buffer.
   */
  function writeSync(fd: number, buffer: ArrayBufferView, offset?: number | null, length?: number | null, position?: number | null): number;
  function writeSync(fd: number, data: string, position?: number | null, encoding?: Encoding | null): number;
  function writeSync(fd: number, data: ArrayBufferView | string, a?: unknown, b?: unknown, c?: unknown): number {
    const { e, file } = fileOf(fd, 'write');
    if (typeof data === 'string') {
      const bytes = Buffer.from(data, (typeof b === 'string' ? b : 'utf8') as Encoding);
      return writeBytes(e, file, bytes, positionArg(a));
    }
    const view = toBytes(data);
    let [offset, length, position] = [a, b, c];
    if (typeof offset === 'object') {
      const o = (offset ?? {}) as { offset?: unknown; length?: unknown; position?: unknown };
      offset = o.offset === undefined ? 0 : o.offset;
      length = o.length === undefined ? view.length - (offset as number) : o.length;
      position = o.position === undefined ? null : o.position;
    }
    const off = offset === undefined || offset === null ? 0 : offsetArg(offset);
    const len = typeof length === 'number' ? length : view.length - off;
    if (off > view.length) throw outOfRange('offset', off);
    if (len > view.length - off || len < 0 || !Number.isInteger(len)) throw outOfRange('length', len);
    return writeBytes(e, file, view.subarray(off, off + len), positionArg(position));
  }

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

  const descriptorOps = {
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
    fstatSync: (fd: number) => {
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
    readFileSync,
    writeFileSync: (path, data, options) => writeWhole(path, data, options, 'w'),
    appendFileSync: (path, data, options) => writeWhole(path, data, options, 'a'),
  } satisfies Partial<NodeFsFacade>;
  return { ...descriptorOps, ...createPathOps(fs, descriptorOps) };
}
