// A CrashFile (a handle on a CrashFs): what a handle that died in a crash refuses and how it says so, what a short write leaves unsynced, its path, and closing twice.

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile } from '@lsm/fs';
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
});
