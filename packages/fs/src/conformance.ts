// The Fs conformance suite: one set of behaviours every backend must share (NodeFs is
// the reference; MemFs, FaultFs and CrashFs must match it). Exported as
// '@lsm/fs/conformance' so packages that implement or wrap an Fs run the same suite.
// It needs vitest (an optional peer dependency); nothing else in @lsm/fs imports it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError } from './errors.js';
import { readExact, readFile, writeAll, writeFile } from './io-helpers.js';
import type { Fs } from './types.js';

/** What a conformance run needs: a fresh Fs and an existing, empty directory on it. */
export interface ConformanceSetup {
  fs: Fs;
  /** An existing empty directory; every test works below it. */
  root: string;
  /**
   * The Fs is confined to `root` (a `NodeFs({ root })`, or a wrapper of one): the tests
   * that would touch '/' expect it to refuse with EACCES instead.
   */
  confined?: boolean;
  cleanup?: () => void;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Asserts that `fn` throws an FsError with `code`. */
function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(FsError);
  expect((thrown as FsError).code).toBe(code);
}

/** Registers the conformance tests for one backend under `describe(name)`. */
export function describeFsConformance(name: string, setup: () => ConformanceSetup): void {
  describe(`Fs conformance: ${name}`, () => {
    let env: ConformanceSetup;
    let fs: Fs;
    let p: (rel: string) => string;

    beforeEach(() => {
      env = setup();
      fs = env.fs;
      p = (rel: string) => `${env.root}/${rel}`;
    });
    afterEach(() => env.cleanup?.());

    describe('files', () => {
      it('writes then reads back, with short reads only at end of file', () => {
        const f = fs.open(p('a'), { write: true, read: true, create: true });
        expect(f.write(enc('hello '))).toBe(6);
        expect(f.write(enc('world'))).toBe(5);
        expect(f.size()).toBe(11);
        const buf = new Uint8Array(20);
        expect(f.read(buf, 0)).toBe(11);
        expect(dec(buf.subarray(0, 11))).toBe('hello world');
        expect(f.read(buf, 6)).toBe(5);
        expect(f.read(buf, 11)).toBe(0);
        expect(f.read(buf, 1000)).toBe(0);
        expect(f.read(new Uint8Array(0), 0)).toBe(0);
        f.close();
        expect(dec(readFile(fs, p('a')))).toBe('hello world');
      });

      it('opens read-only by default and reports ENOENT for missing files', () => {
        expectCode(() => fs.open(p('missing')), 'ENOENT');
        expectCode(() => fs.open(p('missing'), { write: true }), 'ENOENT');
        writeFile(fs, p('x'), enc('abc'));
        const f = fs.open(p('x'));
        expectCode(() => f.write(enc('z')), 'EBADF');
        f.close();
      });

      it('createNew fails with EEXIST on an existing file and creates a missing one', () => {
        writeFile(fs, p('x'), enc('abc'));
        expectCode(() => fs.open(p('x'), { write: true, createNew: true }), 'EEXIST');
        const f = fs.open(p('y'), { write: true, createNew: true });
        expect(f.size()).toBe(0);
        f.close();
        expect(fs.exists(p('y'))).toBe(true);
      });

      it('fails with ENOENT when the parent is missing and ENOTDIR when it is a file', () => {
        expectCode(() => fs.open(p('nodir/x'), { write: true, create: true }), 'ENOENT');
        writeFile(fs, p('file'), enc('1'));
        expectCode(() => fs.open(p('file/x'), { write: true, create: true }), 'ENOTDIR');
      });

      it('refuses to open a directory as a file (EISDIR)', () => {
        fs.createDirAll(p('d'));
        expectCode(() => fs.open(p('d')), 'EISDIR');
        expectCode(() => fs.open(p('d'), { write: true }), 'EISDIR');
      });

      it('truncates on open when asked', () => {
        writeFile(fs, p('t'), enc('0123456789'));
        const f = fs.open(p('t'), { write: true, truncate: true });
        expect(f.size()).toBe(0);
        f.close();
        expect(fs.metadata(p('t')).size).toBe(0);
      });

      it('keeps the existing bytes when opening for write without truncate, cursor at 0', () => {
        writeFile(fs, p('t'), enc('0123456789'));
        const f = fs.open(p('t'), { write: true });
        f.write(enc('ab'));
        f.close();
        expect(dec(readFile(fs, p('t')))).toBe('ab23456789');
      });

      it('appends every sequential and positional write in append mode', () => {
        writeFile(fs, p('log'), enc('abc'));
        const f = fs.open(p('log'), { append: true });
        f.write(enc('de'));
        f.writeAt(enc('fg'), 0);
        f.close();
        expect(dec(readFile(fs, p('log')))).toBe('abcdefg');
      });

      it('does not move the sequential cursor on positional writes', () => {
        const f = fs.open(p('c'), { write: true, read: true, create: true });
        f.write(enc('aaaa'));
        f.writeAt(enc('ZZ'), 0);
        f.write(enc('bb'));
        expect(dec(readExact(f, 0, 6))).toBe('ZZaabb');
        f.close();
      });

      it('fills a gap with zeros when writing past the end', () => {
        const f = fs.open(p('gap'), { write: true, read: true, create: true });
        f.writeAt(enc('x'), 5);
        expect(f.size()).toBe(6);
        expect([...readExact(f, 0, 6)]).toEqual([0, 0, 0, 0, 0, 120]);
        f.close();
      });

      it('does not extend a file with an empty write past its end', () => {
        const f = fs.open(p('e'), { write: true, read: true, create: true });
        f.write(enc('ab'));
        expect(f.writeAt(new Uint8Array(0), 10)).toBe(0);
        expect(f.size()).toBe(2);
        f.close();
      });

      it('refuses file operations on the root directory like Linux (or as outside a confined root)', () => {
        expectCode(() => fs.open('/'), env.confined ? 'EACCES' : 'EISDIR');
        expectCode(() => fs.removeFile('/'), env.confined ? 'EACCES' : 'EISDIR');
        expectCode(() => fs.removeDirAll('/'), env.confined ? 'EACCES' : 'EBUSY');
      });

      it('shrinks and extends with setLen, extending with zeros', () => {
        const f = fs.open(p('s'), { write: true, read: true, create: true });
        f.write(enc('abcdef'));
        f.setLen(3);
        expect(f.size()).toBe(3);
        f.setLen(5);
        expect([...readExact(f, 0, 5)]).toEqual([97, 98, 99, 0, 0]);
        f.setLen(0);
        expect(f.size()).toBe(0);
        f.close();
      });

      it('syncs data and metadata without error', () => {
        const f = fs.open(p('sync'), { write: true, create: true });
        f.write(enc('x'));
        f.syncData();
        f.syncAll();
        f.close();
      });

      it('rejects use after close with EBADF and tolerates a double close', () => {
        const f = fs.open(p('cl'), { write: true, read: true, create: true });
        f.close();
        f.close();
        expectCode(() => f.read(new Uint8Array(1), 0), 'EBADF');
        expectCode(() => f.write(enc('x')), 'EBADF');
        expectCode(() => f.writeAt(enc('x'), 0), 'EBADF');
        expectCode(() => f.syncData(), 'EBADF');
        expectCode(() => f.syncAll(), 'EBADF');
        expectCode(() => f.setLen(0), 'EBADF');
        expectCode(() => f.size(), 'EBADF');
        expectCode(() => f.tryLock(), 'EBADF');
      });

      it('rejects reads on a write-only handle with EBADF', () => {
        const f = fs.open(p('wo'), { write: true, create: true });
        f.write(enc('abc'));
        expectCode(() => f.read(new Uint8Array(1), 0), 'EBADF');
        f.close();
      });

      it('rejects bad arguments with EINVAL', () => {
        const f = fs.open(p('bad'), { write: true, read: true, create: true });
        expectCode(() => f.read(new Uint8Array(1), -1), 'EINVAL');
        expectCode(() => f.read(new Uint8Array(1), 1.5), 'EINVAL');
        expectCode(() => f.read(new Uint8Array(1), Number.NaN), 'EINVAL');
        expectCode(() => f.writeAt(enc('x'), -1), 'EINVAL');
        expectCode(() => f.setLen(-1), 'EINVAL');
        expectCode(() => f.write('text' as unknown as Uint8Array), 'EINVAL');
        f.close();
        expectCode(() => fs.open(''), 'EINVAL');
        expectCode(() => fs.open(p('x'), { create: true }), 'EINVAL');
        expectCode(() => fs.open(p('x'), { append: true, truncate: true }), 'EINVAL');
        expectCode(() => fs.readDir(''), 'EINVAL');
      });

      it('round-trips a large file exactly', () => {
        const data = new Uint8Array(3 << 20);
        let x = 12345;
        for (let i = 0; i < data.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          data[i] = x >>> 24;
        }
        const f = fs.open(p('big'), { write: true, create: true });
        writeAll(f, data.subarray(0, 1_000_000));
        writeAll(f, data.subarray(1_000_000));
        f.close();
        const back = readFile(fs, p('big'));
        expect(back.length).toBe(data.length);
        expect(Buffer.compare(back, data)).toBe(0);
      });

      it('keeps an open handle usable after its file is removed', () => {
        writeFile(fs, p('u'), enc('still here'));
        const f = fs.open(p('u'), { read: true });
        fs.removeFile(p('u'));
        expect(fs.exists(p('u'))).toBe(false);
        expect(dec(readExact(f, 0, 10))).toBe('still here');
        f.close();
      });
    });

    describe('directories', () => {
      it('creates nested directories, idempotently', () => {
        fs.createDirAll(p('a/b/c'));
        fs.createDirAll(p('a/b/c'));
        fs.createDirAll(p('a/b'));
        expect(fs.metadata(p('a/b/c')).isDirectory).toBe(true);
        expect(fs.readDir(p('a'))).toEqual(['b']);
      });

      it('refuses to create a directory over a file', () => {
        writeFile(fs, p('f'), enc('1'));
        expectCode(() => fs.createDirAll(p('f')), 'EEXIST');
        expectCode(() => fs.createDirAll(p('f/sub')), 'ENOTDIR');
      });

      it('lists entry names sorted bytewise', () => {
        for (const n of ['b', 'a', 'C', '10', '9', 'é', 'z']) writeFile(fs, p(n), enc(n));
        fs.createDirAll(p('dir'));
        expect(fs.readDir(env.root)).toEqual(['10', '9', 'C', 'a', 'b', 'dir', 'z', 'é']);
        expectCode(() => fs.readDir(p('missing')), 'ENOENT');
        expectCode(() => fs.readDir(p('a')), 'ENOTDIR');
      });

      it('removes files, not directories', () => {
        writeFile(fs, p('f'), enc('1'));
        fs.removeFile(p('f'));
        expect(fs.exists(p('f'))).toBe(false);
        expectCode(() => fs.removeFile(p('f')), 'ENOENT');
        fs.createDirAll(p('d'));
        expectCode(() => fs.removeFile(p('d')), 'EISDIR');
      });

      it('removes directory trees, not files', () => {
        fs.createDirAll(p('t/u/v'));
        writeFile(fs, p('t/u/v/f'), enc('1'));
        writeFile(fs, p('t/g'), enc('2'));
        fs.removeDirAll(p('t'));
        expect(fs.exists(p('t'))).toBe(false);
        expectCode(() => fs.removeDirAll(p('t')), 'ENOENT');
        writeFile(fs, p('file'), enc('1'));
        expectCode(() => fs.removeDirAll(p('file')), 'ENOTDIR');
        expect(fs.exists(p('file'))).toBe(true);
      });

      it('syncs directories, rejecting files and missing paths', () => {
        fs.createDirAll(p('d'));
        fs.syncDirectory(p('d'));
        fs.syncDirectory(env.root);
        expectCode(() => fs.syncDirectory(p('missing')), 'ENOENT');
        writeFile(fs, p('f'), enc('1'));
        expectCode(() => fs.syncDirectory(p('f')), 'ENOTDIR');
      });
    });

    describe('rename', () => {
      it('replaces the target file atomically', () => {
        writeFile(fs, p('new'), enc('new'));
        writeFile(fs, p('cur'), enc('old'));
        fs.rename(p('new'), p('cur'));
        expect(fs.exists(p('new'))).toBe(false);
        expect(dec(readFile(fs, p('cur')))).toBe('new');
      });

      it('moves files between directories and keeps open handles valid', () => {
        fs.createDirAll(p('x'));
        fs.createDirAll(p('y'));
        writeFile(fs, p('x/f'), enc('data'));
        const h = fs.open(p('x/f'));
        fs.rename(p('x/f'), p('y/g'));
        expect(fs.readDir(p('x'))).toEqual([]);
        expect(dec(readExact(h, 0, 4))).toBe('data');
        h.close();
        expect(dec(readFile(fs, p('y/g')))).toBe('data');
      });

      it('moves whole directories', () => {
        fs.createDirAll(p('src/inner'));
        writeFile(fs, p('src/inner/f'), enc('1'));
        fs.rename(p('src'), p('dst'));
        expect(fs.exists(p('src'))).toBe(false);
        expect(dec(readFile(fs, p('dst/inner/f')))).toBe('1');
      });

      it('reports ENOENT, EISDIR, ENOTDIR, ENOTEMPTY and EINVAL like Linux', () => {
        expectCode(() => fs.rename(p('missing'), p('x')), 'ENOENT');
        writeFile(fs, p('f'), enc('1'));
        fs.createDirAll(p('d/sub'));
        fs.createDirAll(p('empty'));
        expectCode(() => fs.rename(p('f'), p('d')), 'EISDIR');
        expectCode(() => fs.rename(p('d'), p('f')), 'ENOTDIR');
        expectCode(() => fs.rename(p('empty'), p('d')), 'ENOTEMPTY');
        expectCode(() => fs.rename(p('d'), p('d/sub/inside')), 'EINVAL');
        expectCode(() => fs.rename(p('f'), p('nodir/f')), 'ENOENT');
        fs.rename(p('d'), p('empty'));
        expect(fs.readDir(p('empty'))).toEqual(['sub']);
      });

      it('is a no-op onto itself', () => {
        writeFile(fs, p('same'), enc('1'));
        fs.rename(p('same'), p('same'));
        expect(dec(readFile(fs, p('same')))).toBe('1');
      });
    });

    describe('metadata and exists', () => {
      it('reports kind, size and modification time', () => {
        const before = Date.now() - 5_000;
        writeFile(fs, p('m'), enc('12345'));
        fs.createDirAll(p('dir'));
        const m = fs.metadata(p('m'));
        expect(m.isFile).toBe(true);
        expect(m.isDirectory).toBe(false);
        expect(m.size).toBe(5);
        expect(m.mtimeMs).toBeGreaterThan(before);
        const d = fs.metadata(p('dir'));
        expect(d.isDirectory).toBe(true);
        expect(d.isFile).toBe(false);
        expectCode(() => fs.metadata(p('missing')), 'ENOENT');
      });

      it('says whether a path exists without throwing', () => {
        expect(fs.exists(env.root)).toBe(true);
        expect(fs.exists(p('nope'))).toBe(false);
        expect(fs.exists(p('nope/deeper'))).toBe(false);
        writeFile(fs, p('f'), enc('1'));
        expect(fs.exists(p('f'))).toBe(true);
        expect(fs.exists(p('f/under-a-file'))).toBe(false);
      });
    });

    describe('hard links', () => {
      it('shares content between names and survives removal of one name', () => {
        writeFile(fs, p('orig'), enc('abc'));
        fs.hardLink(p('orig'), p('link'));
        const f = fs.open(p('link'), { write: true });
        f.writeAt(enc('X'), 1);
        f.close();
        expect(dec(readFile(fs, p('orig')))).toBe('aXc');
        fs.removeFile(p('orig'));
        expect(dec(readFile(fs, p('link')))).toBe('aXc');
      });

      it('reports ENOENT, EEXIST and EPERM', () => {
        expectCode(() => fs.hardLink(p('missing'), p('l')), 'ENOENT');
        writeFile(fs, p('a'), enc('1'));
        writeFile(fs, p('b'), enc('2'));
        expectCode(() => fs.hardLink(p('a'), p('b')), 'EEXIST');
        fs.createDirAll(p('d'));
        expectCode(() => fs.hardLink(p('d'), p('dl')), 'EPERM');
      });
    });

    describe('locks', () => {
      it('gives an exclusive lock to one handle at a time', () => {
        writeFile(fs, p('LOCK'), new Uint8Array(0));
        const a = fs.open(p('LOCK'), { read: true, write: true });
        const b = fs.open(p('LOCK'), { read: true, write: true });
        expect(a.tryLock()).toBe(true);
        expect(a.tryLock()).toBe(true);
        expect(b.tryLock()).toBe(false);
        a.unlock();
        expect(b.tryLock()).toBe(true);
        expect(a.tryLock()).toBe(false);
        b.close();
        expect(a.tryLock()).toBe(true);
        a.close();
        const c = fs.open(p('LOCK'), { read: true, write: true });
        expect(c.tryLock()).toBe(true);
        c.close();
      });

      it('locks the file, not the name: a hard link to a locked file is locked', () => {
        writeFile(fs, p('L1'), new Uint8Array(0));
        fs.hardLink(p('L1'), p('L2'));
        const a = fs.open(p('L1'), { read: true, write: true });
        const b = fs.open(p('L2'), { read: true, write: true });
        expect(a.tryLock()).toBe(true);
        expect(b.tryLock()).toBe(false);
        a.close();
        b.close();
      });
    });

    it('throws FsError instances that name the path', () => {
      try {
        fs.open(p('missing'));
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(FsError);
        expect((err as FsError).path).toBe(p('missing'));
        expect((err as FsError).message).toContain('missing');
      }
    });
  });
}
