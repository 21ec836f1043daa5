// Bad input and edge behaviour every Fs shares (MemFs, NodeFs confined to a temp root,
// FaultFs over MemFs): each refusal is an FsError with code EINVAL (or the errno Linux
// gives) whose message names the call, the path and what was wrong, since that message
// is all a user sees in a log. Plus the file-handle edges a storage engine leans on:
// extending with setLen reads zeros, a closed handle releases its lock, a directory
// cannot move into itself, and writeAllAt/writeAll loop over short writes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, NodeFs, isFsErrorCode, joinPath, parentDir, readFile, writeAll, writeAllAt, writeFile, type Fs } from '../src/index.js';
import { thrown } from './thrown.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'lsm-fs-bad-input-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

let dirs = 0;
const backends: Array<[string, () => { fs: Fs; dir: string }]> = [
  ['MemFs', () => ({ fs: new MemFs(), dir: '/d' })],
  ['NodeFs', () => ({ fs: new NodeFs({ root: tmpRoot }), dir: join(tmpRoot, `d${dirs++}`) })],
  ['FaultFs', () => ({ fs: new FaultFs(new MemFs()), dir: '/d' })],
];

/** Expects `run` to fail with `code`, a message `code: syscall 'path': detail` naming each part. */
function refusal(run: () => unknown, code: string, syscall: string, path: string | undefined, detail?: string): void {
  const err = thrown(run);
  expect(err.code).toBe(code);
  expect(err.syscall).toBe(syscall);
  expect(err.path).toBe(path);
  expect(err.message.startsWith(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`)).toBe(true);
  if (detail !== undefined) expect(err.message).toContain(detail);
}

describe.each(backends)('%s refuses bad input, naming it', (name, make) => {
  it('bad paths', () => {
    const { fs } = make();
    refusal(() => fs.open(''), 'EINVAL', 'open', '', 'path must be a non-empty string without NUL bytes');
    refusal(() => fs.open('/a\0b'), 'EINVAL', 'open', '/a\0b', 'without NUL bytes');
    refusal(() => fs.open(7 as unknown as string), 'EINVAL', 'open', undefined, 'path must be');
    expect(fs.exists('')).toBe(false);
    expect(fs.exists(7 as unknown as string)).toBe(false);
    // exists() never throws, not even for a missing argument.
    expect(fs.exists(undefined as unknown as string)).toBe(false);
    expect(fs.exists(null as unknown as string)).toBe(false);
  });

  it('an empty path names the call it was given to', () => {
    const { fs, dir } = make();
    fs.createDirAll(dir);
    writeFile(fs, `${dir}/f`, new Uint8Array([1]));
    const detail = 'path must be a non-empty string without NUL bytes';
    const calls: Array<[string, () => unknown]> = [
      ['mkdir', () => fs.createDirAll('')],
      ['scandir', () => fs.readDir('')],
      ['unlink', () => fs.removeFile('')],
      ['rm', () => fs.removeDirAll('')],
      ['rename', () => fs.rename('', `${dir}/g`)],
      ['rename', () => fs.rename(`${dir}/f`, '')],
      ['stat', () => fs.metadata('')],
      ['fsync', () => fs.syncDirectory('')],
      ['link', () => fs.hardLink('', `${dir}/g`)],
      ['link', () => fs.hardLink(`${dir}/f`, '')],
    ];
    for (const [syscall, call] of calls) refusal(call, 'EINVAL', syscall, '', detail);
    // Nothing was moved or linked.
    expect(fs.readDir(dir)).toEqual(['f']);
  });

  it('contradictory open options', () => {
    const { fs, dir } = make();
    fs.createDirAll(dir);
    const p = `${dir}/f`;
    refusal(() => fs.open(p, { read: false, write: false }), 'EINVAL', 'open', p, 'open needs read, write or append');
    refusal(() => fs.open(p, { create: true }), 'EINVAL', 'open', p, 'create, createNew and truncate need write or append');
    refusal(() => fs.open(p, { read: true, truncate: true }), 'EINVAL', 'open', p, 'need write or append');
    refusal(() => fs.open(p, { append: true, truncate: true, create: true }), 'EINVAL', 'open', p, 'truncate and append together are not allowed');
    // read defaults to true only when nothing else is asked for.
    const f = fs.open(p, { write: true, create: true });
    // node's own EBADF carries no detail; the in-memory backends say which mode is missing.
    const said = (detail: string): string | undefined => (name === 'NodeFs' ? undefined : detail);
    refusal(() => f.read(new Uint8Array(1), 0), 'EBADF', 'read', p, said('not opened for reading'));
    f.close();
    const r = fs.open(p);
    refusal(() => r.write(new Uint8Array(1)), 'EBADF', 'write', p, said('not opened for writing'));
    refusal(() => r.writeAt(new Uint8Array(1), 0), 'EBADF', 'write', p, said('not opened for writing'));
    refusal(() => r.setLen(0), 'EINVAL', 'ftruncate', p, said('not opened for writing'));
    r.close();
  });

  it('bad offsets, lengths and buffers', () => {
    const { fs, dir } = make();
    fs.createDirAll(dir);
    const p = `${dir}/f`;
    const f = fs.open(p, { read: true, write: true, create: true });
    refusal(() => f.read(new Uint8Array(1), -1), 'EINVAL', 'read', p, 'position must be a non-negative safe integer, got -1');
    refusal(() => f.read(new Uint8Array(1), 1.5), 'EINVAL', 'read', p, 'got 1.5');
    refusal(() => f.read(new Uint8Array(1), '3' as unknown as number), 'EINVAL', 'read', p, 'got 3');
    refusal(() => f.writeAt(new Uint8Array(1), 2 ** 53), 'EINVAL', 'write', p, 'position must be a non-negative safe integer');
    refusal(() => f.setLen(-5), 'EINVAL', 'ftruncate', p, 'length must be a non-negative safe integer, got -5');
    refusal(() => f.write([1, 2] as unknown as Uint8Array), 'EINVAL', 'write', p, 'data must be a Uint8Array');
    refusal(() => f.writeAt([1, 2] as unknown as Uint8Array, 0), 'EINVAL', 'write', p, 'data must be a Uint8Array');
    refusal(() => f.read(new Array(2) as unknown as Uint8Array, 0), 'EINVAL', 'read', p, 'data must be a Uint8Array');
    expect(f.size()).toBe(0);
    f.close();
    refusal(() => f.size(), 'EBADF', 'fstat', p, 'file is closed');
    refusal(() => f.read(new Uint8Array(1), 0), 'EBADF', 'read', p, 'file is closed');
    f.close(); // a second close is a no-op
  });

  it('setLen extends with zeros and shrinks, and a read past the end returns 0 bytes', () => {
    const { fs, dir } = make();
    fs.createDirAll(dir);
    const p = `${dir}/f`;
    const f = fs.open(p, { read: true, write: true, create: true });
    f.write(new Uint8Array([1, 2, 3, 4]));
    f.setLen(2);
    f.setLen(6);
    expect(f.size()).toBe(6);
    const buf = new Uint8Array(8).fill(9);
    expect(f.read(buf, 0)).toBe(6);
    expect([...buf]).toEqual([1, 2, 0, 0, 0, 0, 9, 9]);
    const past = new Uint8Array(2).fill(5);
    expect(f.read(past, 6)).toBe(0);
    expect([...past]).toEqual([5, 5]);
    f.close();
  });

  it('close releases a lock, unlock by another handle does not', () => {
    const { fs, dir } = make();
    fs.createDirAll(dir);
    const p = `${dir}/lock`;
    const a = fs.open(p, { read: true, write: true, create: true });
    const b = fs.open(p, { read: true, write: true });
    expect(a.tryLock()).toBe(true);
    b.unlock(); // not b's lock: a no-op
    expect(b.tryLock()).toBe(false);
    const other = fs.open(p, { read: true });
    other.close(); // closing a handle that never held the lock leaves it held
    expect(b.tryLock()).toBe(false);
    expect(a.tryLock()).toBe(true); // taking it again is fine
    a.close();
    const c = fs.open(p, { read: true, write: true });
    expect(c.tryLock()).toBe(true);
    c.unlock();
    expect(b.tryLock()).toBe(true);
    c.close();
    b.close();
  });

  it('a directory cannot be renamed into itself; renaming a file onto itself changes nothing', () => {
    const { fs, dir } = make();
    fs.createDirAll(`${dir}/x/y`);
    refusal(() => fs.rename(`${dir}/x`, `${dir}/x/y/z`), 'EINVAL', 'rename', `${dir}/x`);
    // node's EINVAL carries no detail; the in-memory backends say where it was going.
    if (name !== 'NodeFs') {
      expect(thrown(() => fs.rename(`${dir}/x`, `${dir}/x/y/z`)).message).toContain(`cannot move a directory into itself ('${dir}/x/y/z')`);
    }
    expect(fs.readDir(`${dir}/x/y`)).toEqual([]);
    writeFile(fs, `${dir}/f`, new Uint8Array([1]));
    fs.rename(`${dir}/f`, `${dir}/f`);
    expect(readFile(fs, `${dir}/f`)).toEqual(new Uint8Array([1]));
    // A sibling whose name starts like the directory is not "inside" it, nor is a deeper
    // place that only shares the parent.
    fs.rename(`${dir}/x`, `${dir}/xx`);
    expect(fs.readDir(dir)).toEqual(['f', 'xx']);
    fs.createDirAll(`${dir}/other`);
    fs.rename(`${dir}/xx`, `${dir}/other/x2`);
    expect(fs.readDir(`${dir}/other/x2`)).toEqual(['y']);
  });

  it('paths with ., .. and repeated slashes name the same file', () => {
    const { fs, dir } = make();
    fs.createDirAll(`${dir}/a/b`);
    writeFile(fs, `${dir}/a/b/f`, new Uint8Array([4]));
    expect(readFile(fs, `${dir}//a/./b/../b//f`)).toEqual(new Uint8Array([4]));
    expect(fs.exists(`${dir}/a/b/../../a/b/f`)).toBe(true);
  });
});

// A confined NodeFs refuses '/' with EACCES (node-fs-root tests); the in-memory backends
// answer as Linux does for its own root, and say it was the root directory.
describe.each(backends.filter(([name]) => name !== 'NodeFs'))('%s on the root directory', (_name, make) => {
  it('refuses to remove, replace, move or link over "/", as Linux does', () => {
    const { fs } = make();
    fs.createDirAll('/d');
    writeFile(fs, '/f', new Uint8Array([1]));
    const why = 'not allowed on the root directory';
    refusal(() => fs.open('/'), 'EISDIR', 'open', '/', why);
    refusal(() => fs.removeFile('/'), 'EISDIR', 'unlink', '/', why);
    refusal(() => fs.removeDirAll('/'), 'EBUSY', 'rm', '/', why);
    refusal(() => fs.rename('/', '/moved'), 'EBUSY', 'rename', '/', why);
    refusal(() => fs.rename('/d', '/'), 'EBUSY', 'rename', '/', why);
    refusal(() => fs.hardLink('/f', '/'), 'EEXIST', 'link', '/', why);
    expect(fs.readDir('/')).toEqual(['d', 'f']);
    expect(readFile(fs, '/f')).toEqual(new Uint8Array([1]));
  });
});

describe('FaultFs rule validation', () => {
  it('refuses malformed rules, naming the field', () => {
    const fs = new FaultFs(new MemFs());
    refusal(() => fs.addRule({ op: 'write', after: -1, fault: { type: 'error' } }), 'EINVAL', 'addRule', undefined, 'after must be an integer >= 0');
    refusal(() => fs.addRule({ op: 'write', after: 0.5, fault: { type: 'error' } }), 'EINVAL', 'addRule', undefined, 'after must be');
    refusal(() => fs.addRule({ op: 'write', times: -1, fault: { type: 'error' } }), 'EINVAL', 'addRule', undefined, 'times must be an integer >= 0 or Infinity');
    refusal(() => fs.addRule({ op: 'read', fault: { type: 'shortWrite', bytes: 1 } }), 'EINVAL', 'addRule', undefined, "shortWrite needs op 'write'");
    refusal(() => fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: -1 } }), 'EINVAL', 'addRule', undefined, 'integer bytes >= 0');
    refusal(() => fs.addRule({ op: 'write', fault: { type: 'corruptRead' } }), 'EINVAL', 'addRule', undefined, "corruptRead needs op 'read'");
    // times 0 and after Infinity are legal and never fire.
    fs.addRule({ op: 'write', times: 0, fault: { type: 'error' } });
    fs.addRule({ op: 'write', after: Infinity, fault: { type: 'error' } });
    writeFile(fs, '/f', new Uint8Array([1]));
    expect(readFile(fs, '/f')).toEqual(new Uint8Array([1]));
  });

  it('an injected error says it was injected, with the rule\'s code', () => {
    const fs = new FaultFs(new MemFs());
    fs.addRule({ op: 'write', fault: { type: 'error', code: 'ENOSPC' } });
    const err = thrown(() => writeFile(fs, '/f', new Uint8Array([1])));
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toContain('injected by FaultFs');
  });

  it('a short write of a positioned write writes only the first bytes; writeAllAt finishes the rest', () => {
    const mem = new MemFs();
    const fs = new FaultFs(mem);
    const f = fs.open('/f', { read: true, write: true, create: true });
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 2 } });
    expect(f.writeAt(new Uint8Array([1, 2, 3, 4, 5]), 3)).toBe(2);
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 1 } });
    writeAllAt(f, new Uint8Array([6, 7, 8]), 10);
    const buf = new Uint8Array(13);
    expect(f.read(buf, 0)).toBe(13);
    expect([...buf]).toEqual([0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 6, 7, 8]);
    // A write as long as the data is not short.
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 3 } });
    expect(f.writeAt(new Uint8Array([9, 9, 9]), 0)).toBe(3);
    f.close();
  });

  it('writeAll and writeAllAt fail with EIO when a write makes no progress', () => {
    const fs = new FaultFs(new MemFs());
    const f = fs.open('/f', { write: true, create: true });
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 0 } });
    refusal(() => writeAll(f, new Uint8Array([1])), 'EIO', 'write', '/f', 'write made no progress');
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 0 } });
    refusal(() => writeAllAt(f, new Uint8Array([1]), 4), 'EIO', 'write', '/f', 'write made no progress');
    f.close();
  });
});

describe('errors and path helpers', () => {
  it('FsError message: code, call, quoted path, detail; cause kept only when given', () => {
    const cause = new Error('under');
    const e = new FsError('EIO', 'read', '/p', { cause, detail: 'bad' });
    expect(e.message).toBe("EIO: read '/p': bad");
    expect(e.cause).toBe(cause);
    const bare = new FsError('ENOENT', 'open');
    expect(bare.message).toBe('ENOENT: open');
    expect('cause' in bare).toBe(false);
  });

  it('isFsErrorCode matches any object with that code, and nothing else', () => {
    expect(isFsErrorCode(new FsError('ENOENT', 'open', '/x'), 'ENOENT')).toBe(true);
    expect(isFsErrorCode({ code: 'ENOENT' }, 'ENOENT')).toBe(true);
    expect(isFsErrorCode(new FsError('EIO', 'open', '/x'), 'ENOENT')).toBe(false);
    expect(isFsErrorCode(null, 'ENOENT')).toBe(false);
    expect(isFsErrorCode('ENOENT', 'ENOENT')).toBe(false);
    expect(isFsErrorCode(undefined, 'ENOENT')).toBe(false);
  });

  it('parentDir and joinPath', () => {
    expect(parentDir('/a/b/')).toBe('/a');
    expect(parentDir('/')).toBe('/');
    expect(joinPath('a', '', 'b')).toBe('a/b');
    expect(joinPath('/a/', '/b')).toBe('/a/b');
  });
});
