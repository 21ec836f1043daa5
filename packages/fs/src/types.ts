// The storage interface every @lsm package talks to. It is synchronous on purpose
// (see ARCHITECTURE.md, "Synchronous core"): a cached read must not pay for a promise,
// and crash/fault tests stay deterministic. Implementations promise node's error codes
// (ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EBADF, EINVAL, ...) through FsError.

/** How to open a file. Mirrors Rust's `OpenOptions` / POSIX open flags. */
export interface OpenOptions {
  /** Open for reading. Default: true when no other mode is given. */
  read?: boolean;
  /** Open for writing. */
  write?: boolean;
  /** Create the file if it does not exist (needs write or append). */
  create?: boolean;
  /** Create the file, failing with EEXIST if it exists (needs write or append). */
  createNew?: boolean;
  /** Truncate to length 0 on open (needs write). */
  truncate?: boolean;
  /** Every sequential write goes to the end of the file (implies write). */
  append?: boolean;
}

/** What `Fs.metadata` reports about a path. */
export interface Metadata {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** Size in bytes (0 for directories on MemFs; whatever the OS reports on NodeFs). */
  readonly size: number;
  /** Last modification time, milliseconds since the epoch. */
  readonly mtimeMs: number;
}

/**
 * An open file. Positions and lengths are non-negative safe integers; anything else
 * throws FsError EINVAL. Every method throws EBADF after close().
 */
export interface FsFile {
  /** The path the file was opened with. */
  readonly path: string;
  /**
   * Reads up to `buf.length` bytes at `position` into `buf` and returns how many were
   * read: fewer only at end of file. Does not move the sequential cursor.
   */
  read(buf: Uint8Array, position: number): number;
  /**
   * Writes `data` at the sequential cursor (or at the end in append mode) and advances
   * the cursor. Returns the number of bytes written, which is `data.length` unless a
   * fault-injecting Fs simulates a short write; use `writeAll` to loop.
   */
  write(data: Uint8Array): number;
  /** Writes `data` at `position`; does not move the cursor. Same return rule as write. */
  writeAt(data: Uint8Array, position: number): number;
  /** Makes the file's data durable (fdatasync). */
  syncData(): void;
  /** Makes the file's data and metadata durable (fsync). */
  syncAll(): void;
  /** Truncates or extends (with zeros) the file to `len` bytes. */
  setLen(len: number): void;
  /** Current size in bytes. */
  size(): number;
  /**
   * Tries to take an exclusive lock on this file, across handles and processes.
   * Returns false when another holder has it. Released by unlock() or close().
   */
  tryLock(): boolean;
  /** Releases a lock taken by tryLock(); a no-op when not held. */
  unlock(): void;
  /** Closes the handle. Closing twice is a no-op. */
  close(): void;
}

/** A filesystem: the only door to storage for every @lsm package. */
export interface Fs {
  /** Opens (and maybe creates) a file. ENOENT, EEXIST, EISDIR, ENOTDIR as POSIX says. */
  open(path: string, options?: OpenOptions): FsFile;
  /** Creates a directory and any missing parents; existing directories are fine. */
  createDirAll(path: string): void;
  /** Names (not paths) of the entries of a directory, sorted bytewise. */
  readDir(path: string): string[];
  /** Removes a file (not a directory: EISDIR / EPERM). */
  removeFile(path: string): void;
  /** Removes a directory and everything under it; a missing path is ENOENT. */
  removeDirAll(path: string): void;
  /** Renames atomically, replacing `to` if it is a file. */
  rename(from: string, to: string): void;
  /** Stats a path (follows nothing: there are no symlinks in this model). */
  metadata(path: string): Metadata;
  /** True when the path exists. Never throws, except that a confined NodeFs refuses a path outside its root (EACCES). */
  exists(path: string): boolean;
  /** Makes the directory's entries (creates, renames, removes in it) durable. */
  syncDirectory(path: string): void;
  /** Creates `newPath` as another name for the file at `existing`. */
  hardLink(existing: string, newPath: string): void;
}
