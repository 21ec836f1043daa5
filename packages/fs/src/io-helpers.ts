// Whole-buffer helpers over FsFile/Fs. FsFile.read and write may be short (end of file,
// or a simulated short write); these loop so callers that need everything get it or an error.

import { FsError } from './errors.js';
import type { Fs, FsFile } from './types.js';

/** Writes all of `data` at the cursor, looping over short writes. Throws EIO if no progress. */
export function writeAll(file: FsFile, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    const n = file.write(off === 0 ? data : data.subarray(off));
    if (n <= 0) throw new FsError('EIO', 'write', file.path, { detail: 'write made no progress' });
    off += n;
  }
}

/** Writes all of `data` at `position`, looping over short writes. Throws EIO if no progress. */
export function writeAllAt(file: FsFile, data: Uint8Array, position: number): void {
  let off = 0;
  while (off < data.length) {
    const n = file.writeAt(off === 0 ? data : data.subarray(off), position + off);
    if (n <= 0) throw new FsError('EIO', 'write', file.path, { detail: 'write made no progress' });
    off += n;
  }
}

/**
 * Reads exactly `length` bytes at `position`. Returns a new buffer, or throws FsError
 * 'EIO' (detail "short read") when the file ends first.
 */
export function readExact(file: FsFile, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let off = 0;
  while (off < length) {
    const n = file.read(buf.subarray(off), position + off);
    if (n === 0) {
      throw new FsError('EIO', 'read', file.path, { detail: `short read: wanted ${length} bytes at ${position}, file ended after ${off}` });
    }
    off += n;
  }
  return buf;
}

/** Reads a whole file into a new buffer. */
export function readFile(fs: Fs, path: string): Uint8Array {
  const f = fs.open(path, { read: true });
  try {
    return readExact(f, 0, f.size());
  } finally {
    f.close();
  }
}

/** Creates or truncates `path` and writes `data`; with `sync`, fsyncs the file before closing. */
export function writeFile(fs: Fs, path: string, data: Uint8Array, options?: { sync?: boolean }): void {
  const f = fs.open(path, { write: true, create: true, truncate: true });
  try {
    writeAll(f, data);
    if (options?.sync) f.syncAll();
  } finally {
    f.close();
  }
}

/**
 * Publishes `data` at `path` crash-safely: write to `path.tmp`, fsync, rename over
 * `path`, fsync the parent directory. After a crash either the old or the new content
 * is there, never a mix.
 */
export function writeFileAtomic(fs: Fs, path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  writeFile(fs, tmp, data, { sync: true });
  fs.rename(tmp, path);
  fs.syncDirectory(parentDir(path));
}

/** The parent directory of a '/'-separated path ('.' for a bare name). */
export function parentDir(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i);
}

/** Joins path segments with '/', collapsing duplicate separators. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/').replace(/\/{2,}/g, '/');
}
