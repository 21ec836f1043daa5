// Every backend fails the way node:fs on Linux does: the same errno code and the same
// syscall name in the FsError, for every operation that can fail on a missing path, a
// wrong kind of file or a closed handle. Code written and tested against MemFs (or
// FaultFs over it) branches on these codes; if MemFs said ENOENT where the disk says
// ENOTDIR, or named another call, such code would pass its tests and fail in production.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, NodeFs, writeFile, type Fs, type FsFile } from '../src/index.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'lsm-fs-errors-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

let n = 0;
const backends: Array<[string, () => { fs: Fs; d: string }]> = [
  ['NodeFs', () => ({ fs: new NodeFs({ root: tmpRoot }), d: join(tmpRoot, `d${n++}`) })],
  ['MemFs', () => ({ fs: new MemFs(), d: '/d' })],
  ['FaultFs over MemFs', () => ({ fs: new FaultFs(new MemFs()), d: '/d' })],
];

/** What Linux and node:fs report: `code syscall` for each failing call. */
const EXPECTED: Record<string, string> = {
  'open a missing file': 'ENOENT open',
  'open createNew on an existing file': 'EEXIST open',
  'open a directory for writing': 'EISDIR open',
  'create a file under a file': 'ENOTDIR open',
  'create a file two levels under a file': 'ENOTDIR open',
  'open a directory for reading': 'EISDIR open',
  'remove a missing file': 'ENOENT unlink',
  'remove a directory as a file': 'EISDIR unlink',
  'removeDirAll of a missing path': 'ENOENT rm',
  'removeDirAll of a file': 'ENOTDIR rm',
  'rename a missing file': 'ENOENT rename',
  'rename from a missing directory': 'ENOENT rename',
  'rename a directory onto a file': 'ENOTDIR rename',
  'rename a file onto a directory': 'EISDIR rename',
  'rename a directory onto a non-empty one': 'ENOTEMPTY rename',
  'rename into a missing directory': 'ENOENT rename',
  'metadata of a missing path': 'ENOENT stat',
  'metadata of a path under a file': 'ENOTDIR stat',
  'syncDirectory of a missing directory': 'ENOENT fsync',
  'syncDirectory of a file': 'ENOTDIR fsync',
  'hardLink from a missing file': 'ENOENT link',
  'hardLink onto an existing name': 'EEXIST link',
  'hardLink into a missing directory': 'ENOENT link',
  'hardLink of a directory': 'EPERM link',
  'readDir of a missing directory': 'ENOENT scandir',
  'readDir of a file': 'ENOTDIR scandir',
  'createDirAll through a file': 'ENOTDIR mkdir',
};

/** On a closed handle every call is EBADF, naming the call. */
const CLOSED: Record<string, [string, (f: FsFile) => unknown]> = {
  read: ['read', (f) => f.read(new Uint8Array(1), 0)],
  write: ['write', (f) => f.write(new Uint8Array(1))],
  writeAt: ['write', (f) => f.writeAt(new Uint8Array(1), 0)],
  syncAll: ['fsync', (f) => f.syncAll()],
  syncData: ['fdatasync', (f) => f.syncData()],
  setLen: ['ftruncate', (f) => f.setLen(0)],
  size: ['fstat', (f) => f.size()],
  tryLock: ['flock', (f) => f.tryLock()],
  unlock: ['flock', (f) => f.unlock()],
};

function outcome(run: () => unknown): string {
  try {
    run();
    return 'no error';
  } catch (err) {
    if (!(err instanceof FsError)) return `not an FsError: ${String(err)}`;
    return `${err.code} ${err.syscall}`;
  }
}

describe.each(backends)('%s fails as node:fs does', (_name, make) => {
  it('code and syscall of each failing call', () => {
    const { fs, d } = make();
    fs.createDirAll(`${d}/full/x`);
    fs.createDirAll(`${d}/empty`);
    writeFile(fs, `${d}/file`, new Uint8Array([1]));
    const m = `${d}/missing`;
    const calls: Record<string, () => unknown> = {
      'open a missing file': () => fs.open(m),
      'open createNew on an existing file': () => fs.open(`${d}/file`, { write: true, createNew: true }),
      'open a directory for writing': () => fs.open(d, { write: true }),
      'create a file under a file': () => fs.open(`${d}/file/x`, { write: true, create: true }),
      'create a file two levels under a file': () => fs.open(`${d}/file/x/y`, { write: true, create: true }),
      'open a directory for reading': () => fs.open(d),
      'remove a missing file': () => fs.removeFile(m),
      'remove a directory as a file': () => fs.removeFile(`${d}/full`),
      'removeDirAll of a missing path': () => fs.removeDirAll(m),
      'removeDirAll of a file': () => fs.removeDirAll(`${d}/file`),
      'rename a missing file': () => fs.rename(m, `${d}/y`),
      'rename from a missing directory': () => fs.rename(`${d}/nodir/f`, `${d}/y`),
      'rename a directory onto a file': () => fs.rename(`${d}/full`, `${d}/file`),
      'rename a file onto a directory': () => fs.rename(`${d}/file`, `${d}/full`),
      'rename a directory onto a non-empty one': () => fs.rename(`${d}/empty`, `${d}/full`),
      'rename into a missing directory': () => fs.rename(`${d}/file`, `${d}/nodir/f`),
      'metadata of a missing path': () => fs.metadata(m),
      'metadata of a path under a file': () => fs.metadata(`${d}/file/x`),
      'syncDirectory of a missing directory': () => fs.syncDirectory(m),
      'syncDirectory of a file': () => fs.syncDirectory(`${d}/file`),
      'hardLink from a missing file': () => fs.hardLink(m, `${d}/z`),
      'hardLink onto an existing name': () => fs.hardLink(`${d}/file`, `${d}/file`),
      'hardLink into a missing directory': () => fs.hardLink(`${d}/file`, `${d}/nodir/f`),
      'hardLink of a directory': () => fs.hardLink(`${d}/full`, `${d}/z2`),
      'readDir of a missing directory': () => fs.readDir(m),
      'readDir of a file': () => fs.readDir(`${d}/file`),
      'createDirAll through a file': () => fs.createDirAll(`${d}/file/sub`),
    };
    const got: Record<string, string> = {};
    for (const [what, call] of Object.entries(calls)) got[what] = outcome(call);
    expect(got).toEqual(EXPECTED);
    // Nothing those failures touched changed.
    expect(fs.readDir(d)).toEqual(['empty', 'file', 'full']);
  });

  it('every call on a closed handle is EBADF naming the call and the file', () => {
    const { fs, d } = make();
    fs.createDirAll(d);
    const f = fs.open(`${d}/f`, { read: true, write: true, create: true });
    f.close();
    for (const [method, [syscall, call]] of Object.entries(CLOSED)) {
      let err: unknown;
      try {
        call(f);
      } catch (e) {
        err = e;
      }
      expect(err, method).toBeInstanceOf(FsError);
      expect([(err as FsError).code, (err as FsError).syscall, (err as FsError).path], method).toEqual(['EBADF', syscall, `${d}/f`]);
    }
  });
});
