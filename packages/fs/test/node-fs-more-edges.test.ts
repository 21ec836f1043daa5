// More NodeFs and helper edges a user would trip over: listings come back sorted whatever
// order the disk keeps, two different files can be locked at once, an unconfined NodeFs
// creates directories and locks as a confined one does, a NUL byte in exists() is just
// "no such file", and writeFile over a longer file leaves no tail of the old content.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, MemFs, NodeFs, readFile, writeFile } from '../src/index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lsm-fs-more-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('NodeFs edges', () => {
  it('readDir is sorted by name, whatever order the entries were created in', () => {
    const fs = new NodeFs({ root });
    const names = Array.from({ length: 200 }, (_, i) => `n${String(199 - i).padStart(3, '0')}-${(i * 7919) % 1000}`);
    for (const n of names) writeFileSync(join(root, n), '');
    expect(fs.readDir(root)).toEqual([...names].sort());
  });

  it('two different files can be locked at once by one process', () => {
    const fs = new NodeFs({ root });
    writeFileSync(join(root, 'a'), '');
    writeFileSync(join(root, 'b'), '');
    const a = fs.open(join(root, 'a'), { read: true, write: true });
    const b = fs.open(join(root, 'b'), { read: true, write: true });
    expect(a.tryLock()).toBe(true);
    expect(b.tryLock()).toBe(true);
    a.close();
    b.close();
  });

  it('takes over a stale owner file with our pid even while this process holds another lock', () => {
    const fs = new NodeFs({ root });
    writeFileSync(join(root, 'a'), '');
    writeFileSync(join(root, 'b'), '');
    writeFileSync(join(root, 'b.lock-owner'), `${process.pid}\n`);
    const a = fs.open(join(root, 'a'), { read: true, write: true });
    expect(a.tryLock()).toBe(true);
    const b = fs.open(join(root, 'b'), { read: true, write: true });
    expect(b.tryLock()).toBe(true);
    a.close();
    b.close();
  });

  it('without a root, creates directories and takes locks as usual (inside our own temp dir)', () => {
    const fs = new NodeFs();
    fs.createDirAll(join(root, 'x/y'));
    writeFile(fs, join(root, 'x/y/f'), new Uint8Array([1]));
    const f = fs.open(join(root, 'x/y/f'), { read: true, write: true });
    expect(f.tryLock()).toBe(true);
    f.close();
    expect(readFile(fs, join(root, 'x/y/f'))).toEqual(new Uint8Array([1]));
  });

  it('exists() of a path with a NUL byte is false, confined or not', () => {
    expect(new NodeFs({ root }).exists(join(root, 'a\0b'))).toBe(false);
    expect(new NodeFs().exists(join(root, 'a\0b'))).toBe(false);
  });
});

describe('helpers', () => {
  it('writeFile over a longer file leaves exactly the new bytes', () => {
    for (const fs of [new MemFs(), new NodeFs({ root })]) {
      const p = fs instanceof MemFs ? '/f' : join(root, 'f');
      writeFile(fs, p, new Uint8Array([1, 2, 3, 4, 5]), { sync: true });
      writeFile(fs, p, new Uint8Array([9]));
      expect(readFile(fs, p)).toEqual(new Uint8Array([9]));
    }
  });

  it('an FsError is named FsError (what a log line or util.inspect shows)', () => {
    const e = new FsError('EIO', 'read', '/x');
    expect(e.name).toBe('FsError');
    expect(String(e)).toBe("FsError: EIO: read '/x'");
  });
});
