// What every form of the node:fs facade shares (sync, callback, promise, stream): node's
// argument errors, path and byte conversions, the open-flag table, and the Stats and Dirent
// objects. It promises node's shapes and codes for these, nothing about storage.

import type { OpenOptions } from '@lsm/fs';

/** A node Buffer encoding name. */
export type Encoding = BufferEncoding;

/** The open flags the facade understands (node's strings; 's' variants behave as plain). */
export type FacadeOpenFlags =
  | 'r' | 'rs' | 'sr' | 'r+' | 'rs+' | 'sr+'
  | 'w' | 'wx' | 'xw' | 'w+' | 'wx+' | 'xw+'
  | 'a' | 'as' | 'sa' | 'ax' | 'xa' | 'a+' | 'as+' | 'sa+' | 'ax+' | 'xa+';

/** What the stat family returns: the part of fs.Stats the Fs model knows, plus fixed mode and owner. */
export interface FacadeStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly mtime: Date;
  /** 0o100644 for a file, 0o40755 for a directory (the Fs model has no permissions). */
  readonly mode: number;
  /** The current process's uid and gid (0 where the platform has none). */
  readonly uid: number;
  readonly gid: number;
}

/** What readdir(path, { withFileTypes: true }) returns. */
export interface FacadeDirent {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
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

/** Attaches node's `code` to an error. */
export function codedError<E extends Error>(err: E, code: string): E & { code: string } {
  return Object.assign(err, { code });
}

/** node's ERR_INVALID_ARG_VALUE. */
export function invalidArg(what: string, value: unknown): TypeError {
  return codedError(new TypeError(`The argument '${what}' is invalid. Received ${String(value)}`), 'ERR_INVALID_ARG_VALUE');
}

/** node's ERR_INVALID_ARG_TYPE. */
export function invalidType(what: string, expected: string, value: unknown): TypeError {
  return codedError(new TypeError(`The "${what}" argument must be ${expected}. Received ${typeof value}`), 'ERR_INVALID_ARG_TYPE');
}

/** node's ERR_OUT_OF_RANGE. */
export function outOfRange(what: string, value: unknown): RangeError {
  return codedError(new RangeError(`The value of "${what}" is out of range. Received ${String(value)}`), 'ERR_OUT_OF_RANGE');
}

/** True for node's argument errors (a TypeError or RangeError with an ERR_* code), which node's callback forms throw at once. */
export function isArgumentError(err: unknown): boolean {
  if (!(err instanceof TypeError || err instanceof RangeError)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_');
}

/** A path argument as a string: string, Buffer or file: URL, as node accepts. */
export function toPath(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  if (p instanceof URL && p.protocol === 'file:') return decodeURIComponent(p.pathname);
  throw invalidType('path', 'of type string, Buffer or URL', p);
}

/** The bytes of any ArrayBufferView, without copying. */
export function toBytes(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** The Fs open options for a node flag string (ERR_INVALID_ARG_VALUE for anything else). */
export function openOptions(flags: unknown): OpenOptions {
  const o = typeof flags === 'string' ? (FLAGS as Record<string, OpenOptions | undefined>)[flags] : undefined;
  if (o === undefined) throw invalidArg('flags', flags);
  return o;
}

/** The `encoding` of a node options argument (a string, or an object with `encoding`). */
export function encodingOf(options: unknown): Encoding | undefined {
  if (typeof options === 'string') return options as Encoding;
  if (typeof options === 'object' && options !== null) {
    const enc = (options as { encoding?: unknown }).encoding;
    if (typeof enc === 'string') return enc as Encoding;
  }
  return undefined;
}

/** The `flag` of a node options object, or `dflt`. */
export function flagOf(options: unknown, dflt: string): string {
  if (typeof options === 'object' && options !== null) {
    const flag = (options as { flag?: unknown }).flag;
    if (flag !== undefined) return flag as string;
  }
  return dflt;
}

const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
const gid = typeof process.getgid === 'function' ? process.getgid() : 0;

/** What Dirent and Stats share: the kind of the entry (no symlinks in the Fs model). */
abstract class EntryKind {
  constructor(protected readonly file: boolean) {}
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

/** The facade's fs.Dirent: a name and its kind. */
export class Dirent extends EntryKind implements FacadeDirent {
  constructor(
    readonly name: string,
    file: boolean,
  ) {
    super(file);
  }
}

/** The facade's fs.Stats: the kind, size, times, a fixed mode and the process's owner. */
export class Stats extends EntryKind implements FacadeStats {
  readonly mode: number;
  readonly uid = uid;
  readonly gid = gid;
  constructor(
    file: boolean,
    readonly size: number,
    readonly mtimeMs: number,
  ) {
    super(file);
    this.mode = file ? 0o100644 : 0o40755;
  }
  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
}
