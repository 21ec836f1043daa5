// Argument checks shared by every backend, so all of them reject the same bad input
// with the same FsError code (EINVAL) instead of each failing its own way.

import { FsError } from './errors.js';

/** Throws EINVAL unless `n` is a non-negative safe integer. */
export function checkOffset(n: unknown, what: string, syscall: string, path: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new FsError('EINVAL', syscall, path, { detail: `${what} must be a non-negative safe integer, got ${String(n)}` });
  }
}

/** Throws EINVAL unless `b` is a Uint8Array. */
export function checkBytes(b: unknown, syscall: string, path: string): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) {
    throw new FsError('EINVAL', syscall, path, { detail: 'data must be a Uint8Array' });
  }
}

/** Throws EINVAL unless `p` is a non-empty string without NUL bytes. */
export function checkPath(p: unknown, syscall: string): asserts p is string {
  if (typeof p !== 'string' || p.length === 0 || p.includes('\0')) {
    throw new FsError('EINVAL', syscall, typeof p === 'string' ? p : undefined, { detail: 'path must be a non-empty string without NUL bytes' });
  }
}

/** The open options after defaults: exactly what a backend must do. */
export interface ResolvedOpen {
  read: boolean;
  write: boolean;
  create: boolean;
  createNew: boolean;
  truncate: boolean;
  append: boolean;
}

/** Applies defaults and rejects contradictory open options with EINVAL. */
export function resolveOpenOptions(o: import('./types.js').OpenOptions | undefined, path: string): ResolvedOpen {
  const append = o?.append === true;
  const write = o?.write === true || append;
  const read = o?.read === true || (o?.read === undefined && !write);
  const r: ResolvedOpen = {
    read,
    write,
    create: o?.create === true,
    createNew: o?.createNew === true,
    truncate: o?.truncate === true,
    append,
  };
  if (!r.read && !r.write) throw new FsError('EINVAL', 'open', path, { detail: 'open needs read, write or append' });
  if ((r.create || r.createNew || r.truncate) && !r.write) {
    throw new FsError('EINVAL', 'open', path, { detail: 'create, createNew and truncate need write or append' });
  }
  if (r.truncate && r.append) throw new FsError('EINVAL', 'open', path, { detail: 'truncate and append together are not allowed' });
  return r;
}
