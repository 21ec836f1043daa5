// The synchronous node:fs calls that take a path rather than a descriptor (rename, unlink,
// mkdir, readdir, stat, access, rm, rmdir, copyFile, truncate, realpath, chmod, chown),
// over any Fs. They promise node's results and error codes on Linux for the common
// argument forms; permissions and owners are not modelled (chmod and chown only check
// that the path exists).

import { posix } from 'node:path';
import { FsError, parentDir, type Fs } from '@lsm/fs';
import { Dirent, invalidType, outOfRange, Stats, toPath, type FacadeDirent, type FacadeStats } from './facade-support.js';
import type { NodeFsFacade } from './node-fs-facade.js';
import { shallowestMissing } from './paths.js';

/** The descriptor calls the path calls are built on (copyFile, truncate). */
type DescriptorOps = Pick<NodeFsFacade, 'openSync' | 'closeSync' | 'ftruncateSync' | 'readFileSync' | 'writeFileSync'>;

/** The path calls of the sync facade. */
export type PathOps = Omit<NodeFsFacade, keyof DescriptorOps | 'readSync' | 'writeSync' | 'fsyncSync' | 'fdatasyncSync' | 'fstatSync' | 'appendFileSync'>;

const COPYFILE_EXCL = 1;

/** Builds the path calls over `fs`; `fd` supplies the descriptor calls they use. */
export function createPathOps(fs: Fs, fd: DescriptorOps): PathOps {
  const metadataOrUndefined = (p: string): { isFile: boolean } | undefined => {
    try {
      return fs.metadata(p);
    } catch (err) {
      if (err instanceof FsError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return undefined;
      throw err;
    }
  };

  /** ENOENT (syscall `syscall`) unless `path` exists. */
  const mustExist = (path: unknown, syscall: string): string => {
    const p = toPath(path);
    if (metadataOrUndefined(p) === undefined) throw new FsError('ENOENT', syscall, p);
    return p;
  };

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
      // node leaves out only ENOENT: a path below a file still throws ENOTDIR.
      if (quiet && err instanceof FsError && err.code === 'ENOENT') return undefined;
      throw err;
    }
  }

  const rmSync = (path: string, options?: { recursive?: boolean; force?: boolean }): void => {
    const p = toPath(path);
    const m = metadataOrUndefined(p);
    if (m === undefined) {
      if (options?.force === true) return;
      // node's rm looks the path up with lstat first, and reports that call.
      throw new FsError('ENOENT', 'lstat', p);
    }
    if (m.isFile) fs.removeFile(p);
    else if (options?.recursive === true) fs.removeDirAll(p);
    else throw new FsError('ERR_FS_EISDIR', 'rm', p, { detail: 'Path is a directory' });
  };

  const rmdirSync = (path: string, options?: { recursive?: boolean }): void => {
    const p = toPath(path);
    const m = metadataOrUndefined(p);
    if (m === undefined) throw new FsError('ENOENT', 'rmdir', p);
    if (m.isFile) throw new FsError('ENOTDIR', 'rmdir', p);
    if (options?.recursive !== true && fs.readDir(p).length > 0) throw new FsError('ENOTEMPTY', 'rmdir', p);
    fs.removeDirAll(p);
  };

  const copyFileSync = (src: string, dest: string, mode?: number): void => {
    const from = toPath(src);
    const to = toPath(dest);
    try {
      const data = fd.readFileSync(from);
      fd.writeFileSync(to, data, { flag: ((mode ?? 0) & COPYFILE_EXCL) !== 0 ? 'wx' : 'w' });
    } catch (err) {
      // One system call in node (copyfile), whichever side failed.
      if (err instanceof FsError) throw new FsError(err.code, 'copyfile', err.path, { cause: err });
      throw err;
    }
  };

  const truncateSync = (path: string, len?: number | null): void => {
    const n = len === undefined ? 0 : len;
    if (typeof n !== 'number') throw invalidType('len', 'of type number', n);
    if (!Number.isSafeInteger(n)) throw outOfRange('len', n);
    const d = fd.openSync(toPath(path), 'r+');
    try {
      fd.ftruncateSync(d, n);
    } finally {
      fd.closeSync(d);
    }
  };

  const resolve = (path: string, syscall: string): string => {
    const p = mustExist(path, syscall);
    const n = posix.normalize(p);
    return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
  };
  // node:fs has realpathSync.native too (the libc realpath); with no symlinks modelled both
  // agree, but a missing path is reported by the call each makes: lstat (node's own walk) or realpath.
  const realpathSync = Object.assign((path: string): string => resolve(path, 'lstat'), { native: (path: string): string => resolve(path, 'realpath') });

  return {
    renameSync: (from, to) => fs.rename(toPath(from), toPath(to)),
    unlinkSync: (path) => fs.removeFile(toPath(path)),
    mkdirSync,
    readdirSync,
    statSync,
    lstatSync: statSync,
    existsSync: (path) => {
      try {
        return fs.exists(toPath(path));
      } catch {
        return false;
      }
    },
    accessSync: (path) => void mustExist(path, 'access'),
    rmSync,
    rmdirSync,
    copyFileSync,
    truncateSync,
    realpathSync,
    chmodSync: (path) => void mustExist(path, 'chmod'),
    chownSync: (path) => void mustExist(path, 'chown'),
  };
}
