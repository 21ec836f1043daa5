// Corners of the model: directories durable under two names (and cycles), relative paths,
// faults from the inner Fs (failed writes and syncs, failures during crash()), options,
// what crash() leaves untouched on a real disk, and the Inode bookkeeping itself.

import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile, writeAll, writeFile, type Fs } from '@lsm/fs';
import { describeFsConformance } from '@lsm/fs/conformance';
import { CrashFs } from '../src/index.js';
import { Inode } from '../src/inode.js';
import { splitPath } from '../src/paths.js';
import { backends, codeOf, dec, enc, linkGroups, snapshot } from './helpers.js';

describe('directories durable under two names', () => {
  it('a directory moved across parents with only the target synced exists twice, its files linked', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem, { tornWrites: false });
    c.createDirAll('/r/src/d');
    c.createDirAll('/r/dst');
    writeFile(c, '/r/src/d/f', enc('file in d'), { sync: true });
    for (const d of ['/r/src/d', '/r/src', '/r/dst', '/r', '/']) c.syncDirectory(d);
    c.rename('/r/src/d', '/r/dst/d');
    c.syncDirectory('/r/dst');
    c.crash();
    expect(snapshot(mem, '/r')).toEqual({ src: '<dir>', 'src/d': '<dir>', 'src/d/f': 'file in d', dst: '<dir>', 'dst/d': '<dir>', 'dst/d/f': 'file in d' });
    expect(linkGroups(mem, '/r')).toEqual([['dst/d/f', 'src/d/f']]);
  });

  it('finds every file of a directory visited both in place and for recreation', () => {
    const mem = new MemFs();
    mem.createDirAll('/r/a');
    mem.createDirAll('/r/c');
    writeFile(mem, '/r/c/f', enc('untouched'));
    const c = new CrashFs(mem, { tornWrites: false });
    c.rename('/r/c', '/r/a/c'); // C moves into A ...
    c.syncDirectory('/r/a'); // ... durably there, while /r still durably names it c
    c.createDirAll('/r/c'); // a new, non-durable /r/c
    c.crash();
    expect(snapshot(mem, '/r')).toEqual({ a: '<dir>', 'a/c': '<dir>', 'a/c/f': 'untouched', c: '<dir>', 'c/f': 'untouched' });
    expect(linkGroups(mem, '/r')).toEqual([['a/c/f', 'c/f']]);
  });

  it('cuts a cycle made of independently synced directory renames', () => {
    const mem = new MemFs();
    mem.createDirAll('/r/p');
    mem.createDirAll('/r/q');
    writeFile(mem, '/r/p/x', enc('x'));
    writeFile(mem, '/r/q/y', enc('y'));
    const c = new CrashFs(mem, { tornWrites: false });
    c.rename('/r/q', '/r/p/q'); // Y under X ...
    c.syncDirectory('/r/p'); // ... durably, in X
    c.rename('/r/p/q', '/r/q2'); // Y back up (X not synced again)
    c.rename('/r/p', '/r/q2/p'); // X under Y ...
    c.syncDirectory('/r/q2'); // ... durably, in Y: X contains Y contains X
    c.crash();
    expect(snapshot(mem, '/r')).toEqual({ p: '<dir>', 'p/x': 'x', 'p/q': '<dir>', 'p/q/y': 'y', q: '<dir>', 'q/y': 'y', 'q/p': '<dir>', 'q/p/x': 'x' });
    expect(linkGroups(mem, '/r')).toEqual([['p/q/y', 'q/y'], ['p/x', 'q/p/x']]);
  });
});

describe('paths', () => {
  it('splits lexically, as MemFs resolves', () => {
    expect(splitPath('/a//b/./c/../d/')).toEqual({ root: '/', parts: ['a', 'b', 'd'] });
    expect(splitPath('/../a')).toEqual({ root: '/', parts: ['a'] });
    expect(splitPath('a/../../b')).toEqual({ root: '.', parts: ['..', 'b'] });
    expect(splitPath('.')).toEqual({ root: '.', parts: [] });
  });

  it('models relative paths under their own root', () => {
    const mem = new MemFs(); // resolves relative paths against '/'
    const c = new CrashFs(mem, { tornWrites: false });
    c.createDirAll('keep');
    c.createDirAll('lose');
    writeFile(c, 'keep/f', enc('kept'), { sync: true });
    c.syncDirectory('keep');
    c.syncDirectory('.');
    c.createDirAll('lose2');
    c.crash();
    expect(snapshot(mem, '/')).toEqual({ keep: '<dir>', 'keep/f': 'kept', lose: '<dir>' });
  });

  it('normalizes different spellings of one absolute path to one entry', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem, { tornWrites: false });
    c.createDirAll('/d');
    c.syncDirectory('/');
    writeFile(c, '/d/./x/../f', enc('same file'), { sync: true });
    c.syncDirectory('//d/');
    c.crash();
    expect(snapshot(mem, '/')).toEqual({ d: '<dir>', 'd/f': 'same file' });
  });

  it('reports a model mismatch when the inner Fs is changed behind its back', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem);
    c.createDirAll('/d');
    expect(c.exists('/d/f')).toBe(false);
    c.open('/d/g', { write: true, create: true }).close(); // models /d as complete
    writeFile(mem, '/d/f', enc('sneaky')); // not through CrashFs
    const err = (() => {
      try {
        c.removeFile('/d/f');
      } catch (e) {
        return e as FsError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('EIO');
    expect(err?.message).toContain('disagree');
  });
});

describe('faults from the inner Fs', () => {
  it('a failed sync makes nothing durable', () => {
    const fault = new FaultFs(new MemFs());
    const c = new CrashFs(fault, { tornWrites: false });
    const f = c.open('/f', { write: true, create: true });
    f.write(enc('one'));
    f.syncData();
    c.syncDirectory('/');
    f.write(enc('two'));
    fault.addRule({ op: 'sync', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => f.syncData())).toBe('EIO');
    c.crash();
    expect(dec(readFile(fault, '/f'))).toBe('one');
  });

  it('a failed write is rewritten from the durable content at crash', () => {
    const fault = new FaultFs(new MemFs());
    const c = new CrashFs(fault, { tornWrites: false });
    writeFile(c, '/f', enc('durable'), { sync: true });
    c.syncDirectory('/');
    const f = c.open('/f', { write: true });
    fault.addRule({ op: 'write', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => f.write(enc('XX')))).toBe('EIO');
    f.writeAt(enc('YY'), 0);
    c.crash();
    expect(dec(readFile(fault, '/f'))).toBe('durable');
  });

  it('a write that fails halfway is undone whole at crash', () => {
    // An inner Fs whose next write stores half the bytes, then fails.
    const mem = new MemFs();
    let failNext = false;
    const halfFailing: Fs = Object.create(mem) as Fs;
    halfFailing.open = (path, options) => {
      const f = mem.open(path, options);
      const writeAt = f.writeAt.bind(f);
      f.writeAt = (data, pos) => {
        if (!failNext) return writeAt(data, pos);
        failNext = false;
        writeAt(data.subarray(0, data.length >> 1), pos);
        throw new FsError('EIO', 'write', path, { detail: 'failed halfway' });
      };
      return f;
    };
    const c = new CrashFs(halfFailing, { tornWrites: false });
    writeFile(c, '/f', enc('AAAAAAAAAA'), { sync: true });
    c.syncDirectory('/');
    const f = c.open('/f', { write: true });
    failNext = true;
    expect(codeOf(() => f.writeAt(enc('XXXX'), 0))).toBe('EIO');
    expect(dec(readFile(mem, '/f'))).toBe('XXAAAAAAAA');
    f.writeAt(enc('YY'), 8);
    c.crash();
    expect(dec(readFile(mem, '/f'))).toBe('AAAAAAAAAA');
  });

  it('records exactly what a short write wrote', () => {
    const fault = new FaultFs(new MemFs());
    const c = new CrashFs(fault, { tornWrites: false });
    const f = c.open('/f', { write: true, create: true });
    fault.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 3 } });
    writeAll(f, enc('abcdefgh')); // two writes: 3 bytes, then 5
    f.syncData();
    f.write(enc('tail'));
    c.syncDirectory('/');
    c.crash();
    expect(dec(readFile(fault, '/f'))).toBe('abcdefgh');
  });

  it('a failure during crash() propagates, and the CrashFs stays usable', () => {
    const fault = new FaultFs(new MemFs());
    const c = new CrashFs(fault, { tornWrites: false });
    writeFile(c, '/f', enc('never durable'));
    fault.addRule({ op: 'remove', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => c.crash())).toBe('EIO');
    expect(c.crashCount).toBe(1);
    writeFile(c, '/g', enc('after'), { sync: true });
    c.syncDirectory('/');
    c.crash();
    expect(dec(readFile(fault, '/g'))).toBe('after');
  });
});

describe('options', () => {
  it('defaults to both models on, seed 0', () => {
    const c = new CrashFs(new MemFs());
    expect(c.directorySync).toBe(true);
    expect(c.tornWrites).toBe(true);
    expect(c.crashCount).toBe(0);
  });

  it('rejects bad options with EINVAL', () => {
    expect(codeOf(() => new CrashFs(new MemFs(), { seed: 1.5 }))).toBe('EINVAL');
    expect(codeOf(() => new CrashFs(new MemFs(), { seed: Number.NaN }))).toBe('EINVAL');
    expect(codeOf(() => new CrashFs(new MemFs(), { directorySync: 'yes' as unknown as boolean }))).toBe('EINVAL');
    expect(codeOf(() => new CrashFs(new MemFs(), { tornWrites: 1 as unknown as boolean }))).toBe('EINVAL');
  });
});

describe('what crash() leaves alone on a real disk', () => {
  const node = backends.find((b) => b.name === 'NodeFs')!;

  it('keeps untouched files and rolled-back files as the same inodes', () => {
    const env = node.make();
    try {
      const p = (n: string): string => `${env.root}/${n}`;
      writeFile(env.fs, p('untouched'), enc('u'));
      writeFile(env.fs, p('wal'), enc('synced;'));
      writeFile(env.fs, p('removed'), enc('r'));
      const ino = (n: string): number => statSync(p(n)).ino;
      const before = { untouched: ino('untouched'), wal: ino('wal') };
      const c = new CrashFs(env.fs, { tornWrites: false });
      expect(dec(readFile(c, p('untouched')))).toBe('u');
      const w = c.open(p('wal'), { append: true });
      w.write(enc('unsynced;'));
      c.removeFile(p('removed'));
      c.crash();
      expect(snapshot(env.fs, env.root)).toEqual({ untouched: 'u', wal: 'synced;', removed: 'r' });
      expect(ino('untouched')).toBe(before.untouched);
      expect(ino('wal')).toBe(before.wal); // rolled back in place, not rewritten
    } finally {
      env.cleanup();
    }
  });
});

describe('model size', () => {
  it('does not grow with names created and removed again', () => {
    const mem = new MemFs();
    const c = new CrashFs(mem);
    c.createDirAll('/db');
    c.syncDirectory('/');
    for (let i = 0; i < 2000; i++) {
      writeFile(c, `/db/${i}.sst`, enc('x'), { sync: true });
      c.syncDirectory('/db');
      if (i >= 3) c.removeFile(`/db/${i - 3}.sst`);
    }
    c.syncDirectory('/db');
    const ns = (c as unknown as { ns: { locateDir(p: string): { dir: { entries: Map<string, unknown> } } } }).ns;
    expect(ns.locateDir('/db').dir.entries.size).toBe(3);
    expect(c.unsynced()).toEqual({ files: [], directories: [], bytes: 0 });
  });
});

describe('Inode bookkeeping', () => {
  it('merges contiguous writes into one pending op, and syncs incrementally', () => {
    const inode = Inode.created(1);
    for (let i = 0; i < 1000; i++) inode.recordWrite(i * 4, enc('abcd'));
    expect(inode.pending.length).toBe(1);
    expect(inode.pendingBytes).toBe(4000);
    inode.sync();
    expect(inode.dirty).toBe(false);
    inode.recordWrite(4000, enc('xy'));
    inode.recordSetLen(4001);
    expect(inode.pendingUnits()).toBe(3);
    expect(inode.lowestPendingOffset()).toBe(4000);
    expect(dec(inode.contentAfterCrash(1)).slice(-5)).toBe('abcdx');
  });

  it('refuses to record changes without durable content', () => {
    const inode = Inode.adopted(2, 10);
    expect(() => inode.recordWrite(0, enc('x'))).toThrow(/not loaded/);
    inode.load(enc('0123456789'));
    inode.recordSetLen(4);
    expect(dec(inode.contentAfterCrash(0))).toBe('0123456789');
  });
});

describeFsConformance('CrashFs(MemFs) after a crash', () => {
  const mem = new MemFs();
  const c = new CrashFs(mem);
  c.createDirAll('/conf');
  c.syncDirectory('/');
  writeFile(c, '/conf-junk', enc('gone after the crash'));
  c.open('/conf-handle', { write: true, create: true });
  c.crash();
  expect(mem.exists('/conf-junk')).toBe(false);
  return { fs: c, root: '/conf' };
});

describe('errors', () => {
  it('passes the inner FsError through unchanged', () => {
    const c = new CrashFs(new MemFs());
    let err: unknown;
    try {
      c.open('/missing');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('ENOENT');
    expect((err as FsError).path).toBe('/missing');
  });
});

describe('hard links across crashes', () => {
  // The inner Fs cannot say which names are one file; after a crash CrashFs remembers the
  // link groups of the image it just wrote. A second crash that must bring back a removed
  // link then links it again (a copy would drift apart from the other name).
  it.each([
    ['clean', false],
    ['torn', true],
  ])('a link removed after a crash comes back as a link at the next crash (%s)', (_, tornWrites) => {
    const mem = new MemFs();
    mem.createDirAll('/r');
    const c = new CrashFs(mem, { tornWrites, seed: 5 });
    writeFile(c, '/r/a', enc('data'), { sync: true });
    c.hardLink('/r/a', '/r/b');
    c.syncDirectory('/r');
    c.syncDirectory('/');
    writeFile(c, '/r/unsynced', enc('gone'));
    c.crash();
    expect(linkGroups(mem, '/r')).toEqual([['a', 'b']]);

    c.removeFile('/r/b'); // not synced: comes back at the next crash
    const h = c.open('/r/a', { write: true });
    h.writeAt(enc('X'), 0); // not synced either
    h.close();
    c.crash();
    const after = snapshot(mem, '/r');
    // Torn, the unsynced write may be kept: then through both names.
    expect(tornWrites ? [{ a: 'data', b: 'data' }, { a: 'Xata', b: 'Xata' }] : [{ a: 'data', b: 'data' }]).toContainEqual(after);
    expect(linkGroups(mem, '/r')).toEqual([['a', 'b']]);
  });

  it('a file linked after a crash, then written through one name: a crash rolls back both names', () => {
    const mem = new MemFs();
    mem.createDirAll('/r');
    const c = new CrashFs(mem);
    writeFile(c, '/r/a', enc('data'), { sync: true });
    c.hardLink('/r/a', '/r/b');
    c.syncDirectory('/r');
    c.crash();
    const h = c.open('/r/b', { write: true });
    h.writeAt(enc('XY'), 1);
    h.close();
    expect(dec(readFile(c, '/r/a'))).toBe('dXYa');
    c.crash();
    expect(snapshot(mem, '/r')).toEqual({ a: 'data', b: 'data' });
    expect(linkGroups(mem, '/r')).toEqual([['a', 'b']]);
  });
});
