// The callback forms of the node:fs facade (fs.open(path, flags, cb), fs.write(fd, ..., cb),
// fs.rename(a, b, cb) ...), built on the sync facade. Each call does its work at once (one
// legal ordering of node's thread-pool I/O) and calls back on a later turn of the event loop,
// as node does; node's argument errors (ERR_*) are thrown at once, I/O errors go to the callback.

import { invalidType, isArgumentError, type FacadeDirent, type FacadeStats } from './facade-support.js';
import type { NodeFsFacade } from './node-fs-facade.js';

/** A node-style callback. */
export type FsCallback<T> = (err: NodeJS.ErrnoException | null, value: T) => void;

/** A node callback-form function: node's arguments, then the callback. */
export type CallbackForm<T> = (...args: [...args: unknown[], callback: FsCallback<T>]) => void;

/**
 * The callback forms the facade offers, with node's arguments and results. `read` and
 * `write` call back with `(err, bytes, buffer)`; `exists` with a bare boolean, as node's.
 */
export interface NodeFsCallbacks {
  open: CallbackForm<number>;
  close: CallbackForm<void>;
  read(...args: [...args: unknown[], callback: (err: NodeJS.ErrnoException | null, bytesRead: number, buffer: ArrayBufferView) => void]): void;
  write(...args: [...args: unknown[], callback: (err: NodeJS.ErrnoException | null, written: number, data: ArrayBufferView | string) => void]): void;
  fsync: CallbackForm<void>;
  fdatasync: CallbackForm<void>;
  ftruncate: CallbackForm<void>;
  fstat: CallbackForm<FacadeStats>;
  rename: CallbackForm<void>;
  unlink: CallbackForm<void>;
  mkdir: CallbackForm<string | undefined>;
  readdir: CallbackForm<string[] | FacadeDirent[]>;
  stat: CallbackForm<FacadeStats>;
  lstat: CallbackForm<FacadeStats>;
  access: CallbackForm<void>;
  rm: CallbackForm<void>;
  rmdir: CallbackForm<void>;
  copyFile: CallbackForm<void>;
  truncate: CallbackForm<void>;
  realpath: CallbackForm<string> & { native: CallbackForm<string> };
  chmod: CallbackForm<void>;
  chown: CallbackForm<void>;
  readFile: CallbackForm<Buffer | string>;
  writeFile: CallbackForm<void>;
  appendFile: CallbackForm<void>;
  /** Deprecated in node, still used: calls back with a bare boolean. */
  exists(path: unknown, callback: (exists: boolean) => void): void;
}

/** Runs `work` now; calls `deliver` with its error or result on a later turn of the event loop. */
function runThenDefer<T>(work: () => T, deliver: (err: unknown, value?: T) => void): void {
  let value: T;
  try {
    value = work();
  } catch (err) {
    if (isArgumentError(err)) throw err;
    setImmediate(() => deliver(err));
    return;
  }
  setImmediate(() => deliver(null, value));
}

/** Splits node callback-form arguments into the sync call's arguments and the callback. */
function splitCallback(args: unknown[]): { rest: unknown[]; cb: (...values: unknown[]) => void } {
  const cb = args[args.length - 1];
  if (typeof cb !== 'function') throw invalidType('cb', 'of type function', cb);
  return { rest: args.slice(0, -1), cb: cb as (...values: unknown[]) => void };
}

/** The callback form of a sync function returning one value. */
function form<T>(sync: (...args: never[]) => T): CallbackForm<T> {
  return (...args: unknown[]) => {
    const { rest, cb } = splitCallback(args);
    runThenDefer(
      () => (sync as (...a: unknown[]) => T)(...rest),
      (err, value) => (err === null ? cb(null, value) : cb(err)),
    );
  };
}

/** Builds the callback forms over a sync facade. */
export function createCallbackForms(sync: NodeFsFacade): NodeFsCallbacks {
  const realpath = Object.assign(form(sync.realpathSync), { native: form(sync.realpathSync) });
  return {
    open: form(sync.openSync),
    close: form(sync.closeSync),
    read: (...args: unknown[]) => {
      const { rest, cb } = splitCallback(args);
      const buffer = rest[1] as ArrayBufferView;
      runThenDefer(
        () => (sync.readSync as (...a: unknown[]) => number)(...rest),
        (err, n) => (err === null ? cb(null, n, buffer) : cb(err, 0, buffer)),
      );
    },
    write: (...args: unknown[]) => {
      const { rest, cb } = splitCallback(args);
      const data = rest[1];
      runThenDefer(
        () => (sync.writeSync as (...a: unknown[]) => number)(...rest),
        (err, n) => (err === null ? cb(null, n, data) : cb(err, 0, data)),
      );
    },
    fsync: form(sync.fsyncSync),
    fdatasync: form(sync.fdatasyncSync),
    ftruncate: form(sync.ftruncateSync),
    fstat: form(sync.fstatSync),
    rename: form(sync.renameSync),
    unlink: form(sync.unlinkSync),
    mkdir: form(sync.mkdirSync),
    readdir: form(sync.readdirSync as (...a: unknown[]) => string[]),
    stat: form(sync.statSync as (...a: unknown[]) => FacadeStats),
    lstat: form(sync.lstatSync as (...a: unknown[]) => FacadeStats),
    access: form(sync.accessSync),
    rm: form(sync.rmSync),
    rmdir: form(sync.rmdirSync),
    copyFile: form(sync.copyFileSync),
    truncate: form(sync.truncateSync),
    realpath,
    chmod: form(sync.chmodSync),
    chown: form(sync.chownSync),
    readFile: form(sync.readFileSync as (...a: unknown[]) => Buffer | string),
    writeFile: form(sync.writeFileSync),
    appendFile: form(sync.appendFileSync),
    exists: (path, callback) => {
      const there = sync.existsSync(path as string);
      setImmediate(() => callback(there));
    },
  };
}
