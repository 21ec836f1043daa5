// fs.promises of the node:fs facade, FileHandle included, built on the sync facade. Each call
// does its work at once (one legal ordering of node's thread-pool I/O) and settles on a later
// turn of the event loop, as node's promises do; every error, argument errors included,
// rejects. FileHandle keeps node's semantics: a file position, `{ bytesRead, buffer }`
// results, writeFile and readFile from the current position.

import { nodeFsConstants as fsConstants } from '@lsm/fs';
import { toBytes, type Encoding, type FacadeDirent, type FacadeStats } from './facade-support.js';
import type { NodeFsFacade, WriteFileOptions } from './node-fs-facade.js';

/** Runs `work` now and settles with its result or error on a later turn of the event loop. */
function settleLater<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      const value = work();
      setImmediate(() => resolve(value));
    } catch (err) {
      setImmediate(() => reject(err));
    }
  });
}

/** What fs.promises.open returns: a descriptor with promise-returning methods. */
export interface FacadeFileHandle {
  /** The numeric descriptor (usable with the sync and callback forms of the same facade). */
  readonly fd: number;
  /** Reads into `buffer`; position null reads at the file position and advances it. */
  read<T extends ArrayBufferView>(buffer: T, offset?: number | null, length?: number | null, position?: number | null): Promise<{ bytesRead: number; buffer: T }>;
  read<T extends ArrayBufferView>(options: { buffer: T; offset?: number; length?: number; position?: number | null }): Promise<{ bytesRead: number; buffer: T }>;
  /** Writes bytes or a string; position null writes at the file position (append mode: the end). */
  write<T extends ArrayBufferView>(buffer: T, offset?: number | null, length?: number | null, position?: number | null): Promise<{ bytesWritten: number; buffer: T }>;
  write(data: string, position?: number | null, encoding?: Encoding | null): Promise<{ bytesWritten: number; buffer: string }>;
  /** fsync (of the directory's entries, for a directory opened with 'r'). */
  sync(): Promise<void>;
  /** fdatasync. */
  datasync(): Promise<void>;
  truncate(len?: number): Promise<void>;
  stat(): Promise<FacadeStats>;
  /** The rest of the file from the current position. */
  readFile(options?: Encoding | { encoding?: Encoding | null } | null): Promise<Buffer | string>;
  /** Writes `data` from the current position. */
  writeFile(data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void>;
  appendFile(data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void>;
  /** Closes the descriptor; closing twice is a no-op. */
  close(): Promise<void>;
}

/** The fs.promises functions the facade offers, with node's arguments and results. */
export interface NodeFsPromises {
  open(path: string, flags?: string, mode?: number | string): Promise<FacadeFileHandle>;
  readFile(path: string | FacadeFileHandle, options?: Encoding | { encoding?: Encoding | null; flag?: string } | null): Promise<Buffer | string>;
  writeFile(path: string | FacadeFileHandle, data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void>;
  appendFile(path: string | FacadeFileHandle, data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number | string } | number | string | null): Promise<string | undefined>;
  readdir(path: string, options?: { withFileTypes?: boolean } | Encoding | null): Promise<string[] | FacadeDirent[]>;
  stat(path: string): Promise<FacadeStats>;
  lstat(path: string): Promise<FacadeStats>;
  access(path: string, mode?: number): Promise<void>;
  copyFile(src: string, dest: string, mode?: number): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rmdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  truncate(path: string, len?: number): Promise<void>;
  realpath(path: string, options?: unknown): Promise<string>;
  chmod(path: string, mode: number | string): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** node's fs.constants (F_OK, COPYFILE_EXCL, O_* ...). */
  readonly constants: typeof fsConstants;
}

class FileHandle implements FacadeFileHandle {
  private closed = false;
  constructor(
    private readonly ops: NodeFsFacade,
    readonly fd: number,
  ) {}

  read<T extends ArrayBufferView>(a: T | { buffer: T; offset?: number; length?: number; position?: number | null }, offset?: number | null, length?: number | null, position?: number | null): Promise<{ bytesRead: number; buffer: T }> {
    return settleLater(() => {
      if (!ArrayBuffer.isView(a)) {
        const { buffer, ...opts } = a;
        return { bytesRead: this.ops.readSync(this.fd, buffer, opts), buffer };
      }
      const len = length ?? toBytes(a).length - (offset ?? 0);
      return { bytesRead: this.ops.readSync(this.fd, a, offset ?? 0, len, position ?? null), buffer: a };
    });
  }

  write<T extends ArrayBufferView>(data: T, offset?: number | null, length?: number | null, position?: number | null): Promise<{ bytesWritten: number; buffer: T }>;
  write(data: string, position?: number | null, encoding?: Encoding | null): Promise<{ bytesWritten: number; buffer: string }>;
  write(data: ArrayBufferView | string, a?: unknown, b?: unknown, c?: unknown): Promise<{ bytesWritten: number; buffer: ArrayBufferView | string }> {
    return settleLater(() => ({ bytesWritten: (this.ops.writeSync as (...x: unknown[]) => number)(this.fd, data, a, b, c), buffer: data }));
  }

  sync(): Promise<void> {
    return settleLater(() => this.ops.fsyncSync(this.fd));
  }
  datasync(): Promise<void> {
    return settleLater(() => this.ops.fdatasyncSync(this.fd));
  }
  truncate(len = 0): Promise<void> {
    return settleLater(() => this.ops.ftruncateSync(this.fd, len));
  }
  stat(): Promise<FacadeStats> {
    return settleLater(() => this.ops.fstatSync(this.fd));
  }
  readFile(options?: Encoding | { encoding?: Encoding | null } | null): Promise<Buffer | string> {
    return settleLater(() => this.ops.readFileSync(this.fd, options as Encoding));
  }
  writeFile(data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void> {
    return settleLater(() => this.ops.writeFileSync(this.fd, data, options));
  }
  appendFile(data: string | ArrayBufferView, options?: WriteFileOptions): Promise<void> {
    return settleLater(() => this.ops.appendFileSync(this.fd, data, options));
  }
  close(): Promise<void> {
    return settleLater(() => {
      if (this.closed) return;
      this.closed = true;
      this.ops.closeSync(this.fd);
    });
  }
}

/** Builds fs.promises over a sync facade. */
export function createPromiseForms(sync: NodeFsFacade): NodeFsPromises {
  /** A path, or the descriptor of a FileHandle. */
  const target = (p: string | FacadeFileHandle): string | number => (p instanceof FileHandle ? p.fd : (p as string));
  const call = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): Promise<R> => settleLater(() => fn(...args));
  return {
    open: (path, flags = 'r') => settleLater(() => new FileHandle(sync, sync.openSync(path, flags))),
    readFile: (path, options) => settleLater(() => sync.readFileSync(target(path), options as Encoding)),
    writeFile: (path, data, options) => settleLater(() => sync.writeFileSync(target(path), data, options)),
    appendFile: (path, data, options) => settleLater(() => sync.appendFileSync(target(path), data, options)),
    rename: call(sync.renameSync),
    unlink: call(sync.unlinkSync),
    mkdir: call(sync.mkdirSync),
    readdir: (path, options) => settleLater(() => sync.readdirSync(path, options as { withFileTypes: true })),
    stat: call((p: string) => sync.statSync(p)),
    lstat: call((p: string) => sync.lstatSync(p)),
    access: call(sync.accessSync),
    copyFile: call(sync.copyFileSync),
    rm: call(sync.rmSync),
    rmdir: call(sync.rmdirSync),
    truncate: call(sync.truncateSync),
    realpath: call(sync.realpathSync),
    chmod: call(sync.chmodSync),
    chown: call(sync.chownSync),
    constants: fsConstants,
  };
}
