// CrashFs's own calls, one decision at a time (issue #22): what a bad option says, what
// unsynced() lists and in which order, that truncating an empty file changes nothing a
// crash could lose, that renaming a file onto another name of itself keeps both names
// through a crash (POSIX: it does nothing), and that every call the model says must fail
// but the inner Fs lets through (the inner Fs changed behind CrashFs's back) is reported as
// EIO naming that call and path, with nothing left open or changed in the model.

import { describe, expect, it } from 'vitest';
import { FsError, MemFs, readFile, writeFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { enc, fsErrorOf, linkGroups, snapshot } from './helpers.js';

describe('options', () => {
  it('a bad seed or flag is EINVAL from CrashFs, saying which option and what it got', () => {
    const seed = fsErrorOf(() => new CrashFs(new MemFs(), { seed: 1.5 }));
    expect(seed.code).toBe('EINVAL');
    expect(seed.syscall).toBe('CrashFs');
    expect(seed.message).toBe('EINVAL: CrashFs: seed must be a safe integer, got 1.5');
    const flag = fsErrorOf(() => new CrashFs(new MemFs(), { directorySync: 'yes' as unknown as boolean }));
    expect(flag.syscall).toBe('CrashFs');
    expect(flag.message).toBe('EINVAL: CrashFs: directorySync must be a boolean, got yes');
    const torn = fsErrorOf(() => new CrashFs(new MemFs(), { tornWrites: 0 as unknown as boolean }));
    expect(torn.message).toBe('EINVAL: CrashFs: tornWrites must be a boolean, got 0');
  });
});

describe('unsynced()', () => {
  it('lists files and directories sorted, whatever the order they changed in', () => {
    const c = new CrashFs(new MemFs());
    c.createDirAll('/d');
    c.syncDirectory('/');
    c.syncDirectory('/d');
    for (const name of ['/d/zeta', '/d/alpha', '/d/mid']) writeFile(c, name, enc('x'));
    c.createDirAll('/d/y');
    c.createDirAll('/d/b');
    writeFile(c, '/d/y/f', enc('1'));
    writeFile(c, '/d/b/f', enc('2'));
    const u = c.unsynced();
    expect(u.files).toEqual(['/d/alpha', '/d/b/f', '/d/mid', '/d/y/f', '/d/zeta']);
    expect(u.directories).toEqual(['/d', '/d/b', '/d/y']);
    expect(u.bytes).toBe(5);
  });

  it('a directory removed with unsynced entries is not listed (it has no live path)', () => {
    const c = new CrashFs(new MemFs());
    c.createDirAll('/d/x');
    c.syncDirectory('/');
    c.syncDirectory('/d');
    c.syncDirectory('/d/x');
    writeFile(c, '/d/x/f', enc('x'), { sync: true }); // /d/x now has an unsynced entry
    c.removeDirAll('/d/x');
    const u = c.unsynced();
    expect(u.directories).toEqual(['/d']);
    expect(u.directories.every((d) => typeof d === 'string')).toBe(true);
  });

  it('truncating an empty, synced file on open leaves nothing unsynced; truncating one with data does', () => {
    const c = new CrashFs(new MemFs());
    c.createDirAll('/d');
    c.syncDirectory('/');
    writeFile(c, '/d/empty', new Uint8Array(0), { sync: true });
    writeFile(c, '/d/full', enc('data'), { sync: true });
    c.syncDirectory('/d');
    expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
    c.open('/d/empty', { write: true, truncate: true }).close();
    expect(c.unsynced().files).toEqual([]);
    c.open('/d/full', { write: true, truncate: true }).close();
    expect(c.unsynced().files).toEqual(['/d/full']);
    c.crash();
    expect(new TextDecoder().decode(readFile(c.inner, '/d/full'))).toBe('data');
  });
});

describe('rename onto another name of the same file', () => {
  it('does nothing, as POSIX says: both names survive a crash, still one file', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem, { tornWrites: false });
    c.createDirAll('/d');
    c.syncDirectory('/');
    writeFile(c, '/d/a', enc('one file'), { sync: true });
    c.hardLink('/d/a', '/d/b');
    c.syncDirectory('/d');
    c.rename('/d/a', '/d/b');
    expect(c.exists('/d/a')).toBe(true);
    // Nothing changed: no directory has an entry to sync.
    expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
    c.syncDirectory('/d');
    expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
    c.crash();
    expect(snapshot(mem, '/d')).toEqual({ a: 'one file', b: 'one file' });
    expect(linkGroups(mem, '/d')).toEqual([['a', 'b']]);
  });

  it('a rename of a file onto itself changes nothing a crash could lose', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem, { tornWrites: false });
    c.createDirAll('/d');
    c.syncDirectory('/');
    writeFile(c, '/d/a', enc('kept'), { sync: true });
    c.syncDirectory('/d');
    c.rename('/d/a', '/d/a');
    expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
    c.crash();
    expect(snapshot(mem, '/d')).toEqual({ a: 'kept' });
  });
});

describe('calls the model says must fail, let through by an inner Fs changed behind its back', () => {
  /** A CrashFs that has looked at /d (so it models /d as complete), and its inner MemFs. */
  function modelled(): { c: CrashFs; mem: MemFs } {
    const mem = new MemFs();
    const c = new CrashFs(mem);
    c.createDirAll('/d');
    writeFile(c, '/d/known', enc('k'), { sync: true });
    c.syncDirectory('/d');
    return { c, mem };
  }

  const disagree = (err: FsError, syscall: string, path: string): void => {
    expect(err.code).toBe('EIO');
    expect(err.syscall).toBe(syscall);
    expect(err.path).toBe(path);
    expect(err.message).toContain('CrashFs model and inner Fs disagree');
  };

  it('open of a file created behind its back, without create: EIO naming open, and the handle is closed', () => {
    const { c, mem } = modelled();
    writeFile(mem, '/d/sneaky', enc('s'));
    disagree(fsErrorOf(() => c.open('/d/sneaky', { read: true })), 'open', '/d/sneaky');
    disagree(fsErrorOf(() => c.open('/d/sneaky', { write: true })), 'open', '/d/sneaky');
    // Nothing of it entered the model: a crash keeps the inner file as it is untouched by CrashFs's calls.
    expect(c.unsynced().files).toEqual([]);
  });

  it('open of a name that the model holds as a directory but the inner Fs as a file: EIO naming open', () => {
    const { c, mem } = modelled();
    c.createDirAll('/d/sub');
    mem.removeDirAll('/d/sub');
    writeFile(mem, '/d/sub', enc('now a file'));
    disagree(fsErrorOf(() => c.open('/d/sub', { read: true })), 'open', '/d/sub');
  });

  it('open below a name the model holds as a file but the inner Fs as a directory: EIO naming open', () => {
    const { c, mem } = modelled();
    mem.removeFile('/d/known');
    mem.createDirAll('/d/known');
    writeFile(mem, '/d/known/x', enc('x'));
    disagree(fsErrorOf(() => c.open('/d/known/x', { read: true })), 'open', '/d/known/x');
  });

  it('unlink of a file created behind its back: EIO naming unlink', () => {
    const { c, mem } = modelled();
    writeFile(mem, '/d/sneaky', enc('s'));
    disagree(fsErrorOf(() => c.removeFile('/d/sneaky')), 'unlink', '/d/sneaky');
  });

  it('rm -r of a directory created behind its back: EIO naming rm', () => {
    const { c, mem } = modelled();
    mem.createDirAll('/d/sneaky');
    disagree(fsErrorOf(() => c.removeDirAll('/d/sneaky')), 'rm', '/d/sneaky');
  });

  it('rename of a file created behind its back: EIO naming rename and the source', () => {
    const { c, mem } = modelled();
    writeFile(mem, '/d/sneaky', enc('s'));
    disagree(fsErrorOf(() => c.rename('/d/sneaky', '/d/other')), 'rename', '/d/sneaky');
  });

  it('link of a file created behind its back: EIO naming link and the existing name', () => {
    const { c, mem } = modelled();
    writeFile(mem, '/d/sneaky', enc('s'));
    disagree(fsErrorOf(() => c.hardLink('/d/sneaky', '/d/other')), 'link', '/d/sneaky');
  });

  it('mkdir -p through a name the model holds as a file but the inner Fs as a directory: EIO naming mkdir', () => {
    const { c, mem } = modelled();
    mem.removeFile('/d/known');
    mem.createDirAll('/d/known');
    disagree(fsErrorOf(() => c.createDirAll('/d/known/x')), 'mkdir', '/d/known/x');
  });

  it('the inner Fs\'s own error passes through unchanged when it does fail (ENOENT, EEXIST)', () => {
    const { c } = modelled();
    expect(fsErrorOf(() => c.removeFile('/d/missing')).code).toBe('ENOENT');
    expect(fsErrorOf(() => c.rename('/d/missing', '/d/x')).code).toBe('ENOENT');
    expect(fsErrorOf(() => c.hardLink('/d/known', '/d/known')).code).toBe('EEXIST');
    expect(fsErrorOf(() => c.open('/d/missing', { read: true })).code).toBe('ENOENT');
  });
});
