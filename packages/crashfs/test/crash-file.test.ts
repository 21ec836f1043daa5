// A CrashFile (a handle on a CrashFs): what a handle that died in a crash refuses and how it says so, what a short write leaves unsynced, its path, and closing twice.

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile, type Fs, type FsFile, type OpenOptions } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { dec, enc } from './helpers.js';

function errorOf(fn: () => unknown): FsError {
  try {
    fn();
  } catch (err) {
    return err as FsError;
  }
  throw new Error('did not throw');
}

describe('CrashFile', () => {
  it('names the file it was opened on', () => {
    const c = new CrashFs(new MemFs());
    const f = c.open('/f', { write: true, create: true });
    expect(f.path).toBe('/f');
    f.close();
  });

  it('a handle that died in a crash fails every call with EBADF, naming the syscall and the file', () => {
    const c = new CrashFs(new MemFs(), { tornWrites: false });
    const f = c.open('/f', { write: true, create: true, read: true });
    f.write(enc('x'));
    f.syncAll();
    c.syncDirectory('/');
    c.crash();
    const calls: Array<[string, () => unknown]> = [
      ['read', () => f.read(new Uint8Array(1), 0)],
      ['write', () => f.write(enc('y'))],
      ['write', () => f.writeAt(enc('y'), 0)],
      ['fdatasync', () => f.syncData()],
      ['fsync', () => f.syncAll()],
      ['ftruncate', () => f.setLen(0)],
      ['fstat', () => f.size()],
      ['flock', () => f.tryLock()],
      ['flock', () => f.unlock()],
    ];
    for (const [syscall, call] of calls) {
      const err = errorOf(call);
      expect(err).toBeInstanceOf(FsError);
      expect(err.code).toBe('EBADF');
      expect(err.message).toMatch(new RegExp(`^EBADF: ${syscall}\\b`));
      expect(err.message).toContain('/f');
    }
    f.close(); // closing a dead handle is a no-op
    expect(dec(readFile(c, '/f'))).toBe('x');
  });

  it('a short write counts only the bytes it wrote as unsynced', () => {
    const fault = new FaultFs(new MemFs());
    const c = new CrashFs(fault, { tornWrites: false });
    const f = c.open('/f', { write: true, create: true });
    f.syncAll();
    c.syncDirectory('/');
    fault.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 3 } });
    expect(f.write(enc('abcdefgh'))).toBe(3);
    expect(c.unsynced().bytes).toBe(3);
    f.close();
  });

  it('closing a handle twice releases it once: another handle on the file still has its writes tracked', () => {
    const c = new CrashFs(new MemFs(), { tornWrites: false });
    const setup = c.open('/f', { write: true, create: true });
    setup.write(enc('durable'));
    setup.syncAll();
    setup.close();
    c.syncDirectory('/');
    const a = c.open('/f', { write: true });
    const b = c.open('/f', { write: true });
    a.close();
    a.close();
    b.writeAt(enc('LOST'), 0);
    expect(c.unsynced()).toEqual({ files: ['/f'], directories: [], bytes: 4 });
    b.close();
    c.crash();
    expect(dec(readFile(c.inner, '/f'))).toBe('durable');
  });
  // A device can fail a write or truncate after changing the file (EIO or ENOSPC part-way):
  // the model never saw the change, so crash() must not trust the file and roll it back
  // whole. An inner Fs whose every write and setLen does its work and then throws:
  class FailsAfterWork implements Fs {
    failing = false;
    constructor(readonly mem: MemFs) {}
    open(path: string, o?: OpenOptions): FsFile {
      const f = this.mem.open(path, o);
      const self = this;
      const after = <T>(syscall: string, fn: () => T): T => {
        const r = fn();
        if (self.failing) throw new FsError('EIO', syscall, path);
        return r;
      };
      return Object.assign(Object.create(f) as FsFile, {
        write: (d: Uint8Array) => after('write', () => f.write(d)),
        writeAt: (d: Uint8Array, p: number) => after('write', () => f.writeAt(d, p)),
        setLen: (n: number) => after('ftruncate', () => f.setLen(n)),
      });
    }
    createDirAll = (p: string): void => this.mem.createDirAll(p);
    readDir = (p: string): string[] => this.mem.readDir(p);
    removeFile = (p: string): void => this.mem.removeFile(p);
    removeDirAll = (p: string): void => this.mem.removeDirAll(p);
    rename = (a: string, b: string): void => this.mem.rename(a, b);
    metadata = (p: string) => this.mem.metadata(p);
    exists = (p: string): boolean => this.mem.exists(p);
    syncDirectory = (p: string): void => this.mem.syncDirectory(p);
    hardLink = (a: string, b: string): void => this.mem.hardLink(a, b);
  }

  it.each([
    ['writeAt', (f: FsFile) => f.writeAt(enc('XY'), 1)],
    ['write', (f: FsFile) => f.write(enc('XYZ'))],
    ['setLen (shorter)', (f: FsFile) => f.setLen(1)],
    ['setLen (longer)', (f: FsFile) => f.setLen(9)],
  ])('a %s that fails with EIO after changing the file is rolled back by crash()', (_, call) => {
    const mem = new MemFs();
    const inner = new FailsAfterWork(mem);
    const c = new CrashFs(inner, { tornWrites: false });
    const f = c.open('/f', { write: true, create: true });
    f.write(enc('abcd'));
    f.syncAll();
    c.syncDirectory('/');
    inner.failing = true;
    expect(() => call(f)).toThrow(FsError);
    inner.failing = false;
    expect(dec(readFile(mem, '/f'))).not.toBe('abcd'); // the failed call did change it
    f.close();
    c.crash();
    expect(dec(readFile(mem, '/f'))).toBe('abcd');
  });
});
