// The durability rules of CrashFs, each on MemFs and on NodeFs (a temp directory): what
// survives crash() and what does not, in both models (directory sync on and off).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, readFile, writeFile, writeFileAtomic, type Fs } from '@lsm/fs';
import { CrashFs, type CrashFsOptions } from '../src/index.js';
import { backends, codeOf, dec, enc, linkGroups, snapshot, type Backend } from './helpers.js';

describe.each(backends)('CrashFs rules on $name', ({ make }) => {
  let env: Backend;
  let root: string;
  let inner: Fs;
  const p = (rel: string): string => `${root}/${rel}`;
  /** Exact images: no torn writes unless a test asks for them. */
  const crashFs = (o?: CrashFsOptions): CrashFs => new CrashFs(inner, { tornWrites: false, ...o });
  const write = (fs: Fs, rel: string, s: string, o: { sync?: boolean } = {}): void => writeFile(fs, p(rel), enc(s), o);
  const read = (fs: Fs, rel: string): string => dec(readFile(fs, p(rel)));

  beforeEach(() => {
    env = make();
    root = env.root;
    inner = env.fs;
  });
  afterEach(() => env.cleanup());

  describe('files', () => {
    it('a file never synced vanishes (directory synced or not, simple model)', () => {
      const simple = crashFs({ directorySync: false });
      write(simple, 'never', 'data');
      simple.syncDirectory(root); // no effect on the rule: the file itself was never synced
      simple.crash();
      expect(inner.exists(p('never'))).toBe(false);
    });

    it('a file synced but whose directory was not synced vanishes', () => {
      const c = crashFs();
      write(c, 'f', 'data', { sync: true });
      c.crash();
      expect(inner.exists(p('f'))).toBe(false);
    });

    it('a file whose directory entry is durable but whose data never was comes back empty', () => {
      const c = crashFs();
      write(c, 'f', 'data');
      c.syncDirectory(root);
      c.crash();
      expect(read(inner, 'f')).toBe('');
    });

    it('synced, then appended: crash gives the synced image', () => {
      for (const directorySync of [true, false]) {
        const c = crashFs({ directorySync });
        const f = c.open(p(`log${directorySync}`), { append: true, create: true });
        f.write(enc('one;'));
        f.syncData();
        c.syncDirectory(root);
        f.write(enc('two;'));
        f.writeAt(enc('three;'), 0); // append mode: lands at the end
        c.crash();
        expect(read(inner, `log${directorySync}`)).toBe('one;');
      }
    });

    it('overwrites and gaps since the last sync are rolled back, a later sync keeps them', () => {
      const c = crashFs();
      const f = c.open(p('f'), { write: true, read: true, create: true });
      f.write(enc('0123456789'));
      f.syncAll();
      c.syncDirectory(root);
      f.writeAt(enc('AB'), 2);
      f.writeAt(enc('Z'), 15);
      c.crash();
      expect(read(inner, 'f')).toBe('0123456789');

      const g = c.open(p('f'), { write: true });
      g.writeAt(enc('AB'), 2);
      g.syncData();
      g.writeAt(enc('CD'), 4);
      g.close();
      c.crash();
      expect(read(inner, 'f')).toBe('01AB456789');
    });

    it('an unsynced truncate is rolled back (setLen and open with truncate); a synced one is kept', () => {
      const c = crashFs();
      write(c, 'a', 'abcdef', { sync: true });
      write(c, 'b', 'uvwxyz', { sync: true });
      write(c, 'c', 'klmnop', { sync: true });
      c.syncDirectory(root);
      const a = c.open(p('a'), { write: true });
      a.setLen(2);
      a.setLen(4); // extends with zeros
      a.close();
      c.open(p('b'), { write: true, truncate: true }).close();
      const k = c.open(p('c'), { write: true });
      k.setLen(3);
      k.syncData();
      k.close();
      expect(read(c, 'a')).toBe('ab\0\0');
      c.crash();
      expect(read(inner, 'a')).toBe('abcdef');
      expect(read(inner, 'b')).toBe('uvwxyz');
      expect(read(inner, 'c')).toBe('klm');
    });

    it('files that existed before CrashFs are durable, and are rolled back when changed', () => {
      write(inner, 'old', 'original');
      inner.createDirAll(p('dir'));
      write(inner, 'dir/deep', 'deep one');
      const c = crashFs();
      const f = c.open(p('old'), { write: true });
      f.write(enc('CHANGED'));
      f.close();
      write(c, 'dir/deep', 'replaced'); // open with truncate on an adopted file
      c.crash();
      expect(read(inner, 'old')).toBe('original');
      expect(read(inner, 'dir/deep')).toBe('deep one');
    });

    it('files CrashFs only read stay as they are', () => {
      write(inner, 'ro', 'read only');
      const c = crashFs();
      expect(read(c, 'ro')).toBe('read only');
      c.crash();
      expect(snapshot(inner, root)).toEqual({ ro: 'read only' });
    });
  });

  describe('directory entries', () => {
    it('a rename without a directory sync is undone; with one it is kept', () => {
      const c = crashFs();
      writeFileAtomic(c, p('CURRENT'), enc('MANIFEST-1'));
      write(c, 'CURRENT.tmp', 'MANIFEST-2', { sync: true });
      c.rename(p('CURRENT.tmp'), p('CURRENT')); // ... and forgot syncDirectory
      expect(read(c, 'CURRENT')).toBe('MANIFEST-2');
      c.crash();
      expect(snapshot(inner, root)).toEqual({ CURRENT: 'MANIFEST-1' });

      writeFileAtomic(c, p('CURRENT'), enc('MANIFEST-3'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ CURRENT: 'MANIFEST-3' });
    });

    it('a rename of a file that existed before CrashFs is undone without a directory sync', () => {
      write(inner, 'a', 'pre-existing');
      const c = crashFs();
      c.rename(p('a'), p('b'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ a: 'pre-existing' });
    });

    it('a remove without a directory sync brings the file back; with one it is gone', () => {
      write(inner, 'pre', 'was here before');
      const c = crashFs();
      write(c, 'mine', 'synced data', { sync: true });
      c.syncDirectory(root);
      c.removeFile(p('pre'));
      c.removeFile(p('mine'));
      expect(snapshot(c, root)).toEqual({});
      c.crash();
      expect(snapshot(inner, root)).toEqual({ pre: 'was here before', mine: 'synced data' });

      c.removeFile(p('pre'));
      c.syncDirectory(root);
      c.crash();
      expect(snapshot(inner, root)).toEqual({ mine: 'synced data' });
    });

    it('a file removed while open keeps its last synced content if the removal is undone', () => {
      const c = crashFs();
      const f = c.open(p('f'), { write: true, create: true });
      f.write(enc('v1'));
      f.syncData();
      c.syncDirectory(root);
      c.removeFile(p('f'));
      f.write(enc('+v2'));
      f.syncData(); // synced while unlinked: durable content of the inode
      f.write(enc('+v3'));
      c.crash();
      expect(read(inner, 'f')).toBe('v1+v2');
    });

    it('a file removed while open, then closed, still comes back', () => {
      const c = crashFs();
      write(c, 'f', 'kept', { sync: true });
      c.syncDirectory(root);
      const h = c.open(p('f'));
      c.removeFile(p('f'));
      h.close(); // the last handle of a file with no name left: its content must stay known
      c.crash();
      expect(read(inner, 'f')).toBe('kept');
    });

    it('a file whose directory was removed while it was open, then closed, still comes back', () => {
      const c = crashFs();
      c.createDirAll(p('d'));
      write(c, 'd/f', 'kept', { sync: true });
      c.syncDirectory(p('d'));
      c.syncDirectory(root);
      const h = c.open(p('d/f'));
      c.removeDirAll(p('d'));
      h.close();
      c.crash();
      expect(snapshot(inner, root)).toEqual({ d: '<dir>', 'd/f': 'kept' });
    });

    it('a rename over an existing file is undone: both files come back', () => {
      const c = crashFs();
      write(c, 'x', 'X', { sync: true });
      write(c, 'y', 'Y', { sync: true });
      c.syncDirectory(root);
      c.rename(p('x'), p('y'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ x: 'X', y: 'Y' });
    });

    it('a non-durable mkdir loses its whole subtree, even when the subtree was synced', () => {
      const c = crashFs();
      c.createDirAll(p('a/b'));
      write(c, 'a/b/f', 'data', { sync: true });
      c.syncDirectory(p('a/b'));
      c.syncDirectory(p('a'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({});

      c.createDirAll(p('a/b'));
      write(c, 'a/b/f', 'data', { sync: true });
      c.syncDirectory(p('a/b'));
      c.syncDirectory(p('a'));
      c.syncDirectory(root);
      c.crash();
      expect(snapshot(inner, root)).toEqual({ a: '<dir>', 'a/b': '<dir>', 'a/b/f': 'data' });
    });

    it('removeDirAll without a directory sync is undone, untouched files included', () => {
      inner.createDirAll(p('t/u'));
      write(inner, 't/u/old', 'old file');
      write(inner, 't/top', 'top file');
      const c = crashFs();
      write(c, 't/u/new', 'new file', { sync: true });
      c.syncDirectory(p('t/u'));
      c.removeDirAll(p('t'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ t: '<dir>', 't/u': '<dir>', 't/u/old': 'old file', 't/u/new': 'new file', 't/top': 'top file' });
      c.removeDirAll(p('t'));
      c.syncDirectory(root);
      c.crash();
      expect(snapshot(inner, root)).toEqual({});
    });

    it('a directory rename without a sync is undone, its contents moving back', () => {
      inner.createDirAll(p('d/sub'));
      write(inner, 'd/sub/f', 'untouched');
      write(inner, 'd/g', 'g');
      const c = crashFs();
      c.rename(p('d'), p('e'));
      write(c, 'e/h', 'new in moved dir', { sync: true });
      c.syncDirectory(p('e'));
      const before = snapshot(inner, root);
      expect(before['e/h']).toBe('new in moved dir');
      c.crash();
      // The rename is undone; the directory's own synced entries (h) come along.
      expect(snapshot(inner, root)).toEqual({ d: '<dir>', 'd/sub': '<dir>', 'd/sub/f': 'untouched', 'd/g': 'g', 'd/h': 'new in moved dir' });
    });

    it('a cross-directory rename with only the target synced leaves both names, one file', () => {
      const c = crashFs();
      c.createDirAll(p('src'));
      c.createDirAll(p('dst'));
      c.syncDirectory(root);
      write(c, 'src/f', 'payload', { sync: true });
      c.syncDirectory(p('src'));
      c.rename(p('src/f'), p('dst/f'));
      c.syncDirectory(p('dst'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ src: '<dir>', dst: '<dir>', 'src/f': 'payload', 'dst/f': 'payload' });
      expect(linkGroups(inner, root)).toEqual([['dst/f', 'src/f']]);
    });

    it('a cross-directory rename with only the source synced loses the file', () => {
      const c = crashFs();
      c.createDirAll(p('src'));
      c.createDirAll(p('dst'));
      c.syncDirectory(root);
      write(c, 'src/f', 'payload', { sync: true });
      c.syncDirectory(p('src'));
      c.rename(p('src/f'), p('dst/f'));
      c.syncDirectory(p('src'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ src: '<dir>', dst: '<dir>' });
    });

    it('in the simple model (directorySync: false) namespace changes are durable at once', () => {
      write(inner, 'gone', 'x');
      write(inner, 'moved', 'm');
      const c = crashFs({ directorySync: false });
      c.removeFile(p('gone'));
      c.rename(p('moved'), p('here'));
      c.createDirAll(p('d'));
      write(c, 'd/f', 'synced', { sync: true });
      c.crash();
      expect(snapshot(inner, root)).toEqual({ here: 'm', d: '<dir>', 'd/f': 'synced' });
    });
  });

  describe('hard links', () => {
    it('a synced link survives as a link; an unsynced one is undone', () => {
      const c = crashFs();
      write(c, 'a', 'shared', { sync: true });
      c.hardLink(p('a'), p('b'));
      c.syncDirectory(root);
      c.hardLink(p('a'), p('c'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ a: 'shared', b: 'shared' });
      expect(linkGroups(inner, root)).toEqual([['a', 'b']]);
    });

    it('removing one name without a directory sync brings it back, still linked', () => {
      const c = crashFs();
      write(c, 'a', 'shared', { sync: true });
      c.hardLink(p('a'), p('b'));
      c.syncDirectory(root);
      c.removeFile(p('b'));
      const f = c.open(p('a'), { write: true });
      f.write(enc('SH'));
      f.syncData();
      f.close();
      c.crash();
      expect(snapshot(inner, root)).toEqual({ a: 'SHared', b: 'SHared' });
      expect(linkGroups(inner, root)).toEqual([['a', 'b']]);
    });

    it('links whose file was rewritten are recreated as links', () => {
      const c = crashFs();
      write(c, 'a', 'v1', { sync: true });
      c.hardLink(p('a'), p('b'));
      c.syncDirectory(root);
      c.removeFile(p('a'));
      c.removeFile(p('b'));
      c.crash();
      expect(snapshot(inner, root)).toEqual({ a: 'v1', b: 'v1' });
      expect(linkGroups(inner, root)).toEqual([['a', 'b']]);
    });
  });

  describe('handles, locks and reuse', () => {
    it('handles opened before a crash die with EBADF; close stays harmless', () => {
      const c = crashFs();
      const f = c.open(p('f'), { write: true, read: true, create: true });
      c.crash();
      let err: unknown;
      try {
        f.write(enc('x'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FsError);
      expect((err as FsError).code).toBe('EBADF');
      expect((err as FsError).message).toContain('crash');
      for (const call of [() => f.read(new Uint8Array(1), 0), () => f.syncData(), () => f.size(), () => f.tryLock(), () => f.setLen(0)]) {
        expect(codeOf(call)).toBe('EBADF');
      }
      f.close();
      f.close();
    });

    it('a crash drops every lock', () => {
      const c = crashFs();
      write(c, 'LOCK', '', { sync: true });
      c.syncDirectory(root);
      const a = c.open(p('LOCK'), { read: true, write: true });
      expect(a.tryLock()).toBe(true);
      const b = c.open(p('LOCK'), { read: true, write: true });
      expect(b.tryLock()).toBe(false);
      c.crash();
      const again = c.open(p('LOCK'), { read: true, write: true });
      expect(again.tryLock()).toBe(true);
      again.close();
    });

    it('keeps working after a crash, crash after crash', () => {
      const c = crashFs();
      for (let round = 0; round < 3; round++) {
        const f = c.open(p('log'), { append: true, create: true });
        f.write(enc(`r${round};`));
        f.syncData();
        f.write(enc('lost;'));
        c.syncDirectory(root);
        c.crash();
        expect(c.crashCount).toBe(round + 1);
      }
      expect(read(inner, 'log')).toBe('r0;r1;r2;');
    });

    it('reports what a crash now would lose', () => {
      const c = crashFs();
      expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
      const f = c.open(p('f'), { write: true, create: true });
      f.write(enc('12345'));
      expect(c.unsynced()).toEqual({ files: [p('f')], directories: [root], bytes: 5 });
      f.syncData();
      expect(c.unsynced()).toEqual({ files: [], directories: [root], bytes: 0 });
      c.syncDirectory(root);
      expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
      f.close();
      const simple = new CrashFs(inner, { directorySync: false });
      simple.open(p('empty'), { write: true, create: true }).close();
      expect(simple.unsynced()).toEqual({ files: [p('empty')], directories: [], bytes: 0 });
    });
  });

  describe('content kept across close (the model frees what the inner Fs holds)', () => {
    it('restores a closed, clean file removed without a directory sync', () => {
      const c = crashFs();
      write(c, 'sst', 'table bytes', { sync: true });
      c.syncDirectory(root);
      c.removeFile(p('sst'));
      c.crash();
      expect(read(inner, 'sst')).toBe('table bytes');
    });

    it('reloads a closed file reopened for writing, so its synced content is what comes back', () => {
      const c = crashFs();
      write(c, 'm', 'base', { sync: true });
      c.syncDirectory(root);
      const f = c.open(p('m'), { append: true });
      f.write(enc('+more'));
      f.close();
      c.crash();
      expect(read(inner, 'm')).toBe('base');
    });
  });
});
