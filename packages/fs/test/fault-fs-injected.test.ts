// FaultFs: an injected error looks like the real one. It carries the rule's code and the
// syscall node would name for that call (open, mkdir, scandir, unlink, rm, rename, stat,
// fsync, link, read, write, fdatasync, ftruncate, fstat, flock, close), so code under
// test that logs or branches on `syscall` sees what production would. Faults that change
// data (corruptRead, shortWrite) act only where they can: a read of 0 bytes is not
// corrupted, a short write no shorter than the data is a whole write.

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile, writeFile, type FaultOp, type FsFile } from '../src/index.js';

function setup(): { fs: FaultFs; f: FsFile } {
  const fs = new FaultFs(new MemFs());
  fs.createDirAll('/d/sub');
  writeFile(fs, '/d/a', new Uint8Array([1, 2, 3]));
  const f = fs.open('/d/a', { read: true, write: true });
  return { fs, f };
}

const CALLS: Array<[FaultOp, string, (s: { fs: FaultFs; f: FsFile }) => unknown]> = [
  ['open', 'open', ({ fs }) => fs.open('/d/a')],
  ['createDir', 'mkdir', ({ fs }) => fs.createDirAll('/d/new')],
  ['readDir', 'scandir', ({ fs }) => fs.readDir('/d')],
  ['remove', 'unlink', ({ fs }) => fs.removeFile('/d/a')],
  ['remove', 'rm', ({ fs }) => fs.removeDirAll('/d/sub')],
  ['rename', 'rename', ({ fs }) => fs.rename('/d/a', '/d/b')],
  ['metadata', 'stat', ({ fs }) => fs.metadata('/d/a')],
  ['exists', 'stat', ({ fs }) => fs.exists('/d/a')],
  ['syncDirectory', 'fsync', ({ fs }) => fs.syncDirectory('/d')],
  ['hardLink', 'link', ({ fs }) => fs.hardLink('/d/a', '/d/l')],
  ['read', 'read', ({ f }) => f.read(new Uint8Array(1), 0)],
  ['write', 'write', ({ f }) => f.write(new Uint8Array(1))],
  ['write', 'write', ({ f }) => f.writeAt(new Uint8Array(1), 0)],
  ['sync', 'fdatasync', ({ f }) => f.syncData()],
  ['sync', 'fsync', ({ f }) => f.syncAll()],
  ['setLen', 'ftruncate', ({ f }) => f.setLen(0)],
  ['size', 'fstat', ({ f }) => f.size()],
  ['lock', 'flock', ({ f }) => f.tryLock()],
  ['close', 'close', ({ f }) => f.close()],
];

describe('FaultFs injected errors', () => {
  it.each(CALLS)('%s fails as %s with the rule\'s code, and the operation does not happen', (op, syscall, call) => {
    const s = setup();
    const before = s.fs.readDir('/d');
    s.fs.addRule({ op, fault: { type: 'error', code: 'EROFS' } });
    let err: unknown;
    try {
      call(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsError);
    expect([(err as FsError).code, (err as FsError).syscall]).toEqual(['EROFS', syscall]);
    expect((err as FsError).message).toContain('injected by FaultFs');
    expect(s.fs.readDir('/d')).toEqual(before);
    // The file's bytes are unchanged (a failed write or setLen wrote nothing).
    expect(readFile(s.fs, '/d/a')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('without a code an injected error is EIO; an unmatched op is not affected', () => {
    const s = setup();
    s.fs.addRule({ op: 'write', fault: { type: 'error' } });
    expect(s.f.read(new Uint8Array(1), 0)).toBe(1);
    let err: unknown;
    try {
      s.f.write(new Uint8Array(1));
    } catch (e) {
      err = e;
    }
    expect((err as FsError).code).toBe('EIO');
  });

  it('a corruptRead of 0 bytes (past the end) changes nothing and is used up', () => {
    const s = setup();
    const rule = s.fs.addRule({ op: 'read', fault: { type: 'corruptRead', bit: 0 } });
    const past = new Uint8Array(1).fill(0x55);
    expect(s.f.read(past, 3)).toBe(0);
    expect(past[0]).toBe(0x55);
    expect(rule.fired).toBe(1);
    const buf = new Uint8Array(3);
    s.f.read(buf, 0);
    expect([...buf]).toEqual([1, 2, 3]);
  });

  it('a shortWrite of exactly the data length writes everything', () => {
    const s = setup();
    s.fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 2 } });
    expect(s.f.write(new Uint8Array([7, 8]))).toBe(2);
    expect(readFile(s.fs, '/d/a')).toEqual(new Uint8Array([7, 8, 3]));
    s.fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 2 } });
    expect(s.f.writeAt(new Uint8Array([9, 9]), 2)).toBe(2);
    expect(readFile(s.fs, '/d/a')).toEqual(new Uint8Array([7, 8, 9, 9]));
  });
});
