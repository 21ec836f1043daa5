// NodeFs locks across processes go through an owner file `<path>.lock-owner` holding the
// holder's pid. What a user would see go wrong if the stale-owner rules were off: a store
// that can never be opened again after its process died (a stale owner file never taken
// over), or two handles of one process both believing they hold the lock after the
// locked file was replaced, or a lock of a live process taken over.

import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeFs } from '../src/index.js';

let root: string;
let fs: NodeFs;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lsm-fs-lock-owner-'));
  fs = new NodeFs({ root });
  writeFileSync(join(root, 'LOCK'), '');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const owner = (): string => join(root, 'LOCK.lock-owner');

describe('NodeFs lock owner files', () => {
  it('writes our pid into the owner file while held, and removes it on unlock', () => {
    const f = fs.open(join(root, 'LOCK'), { read: true, write: true });
    expect(f.tryLock()).toBe(true);
    expect(readFileSync(owner(), 'utf8')).toBe(`${process.pid}\n`);
    f.unlock();
    expect(existsSync(owner())).toBe(false);
    f.close();
  });

  it('takes over an owner file with our own pid that no handle holds (left by an earlier run of this process image)', () => {
    writeFileSync(owner(), `${process.pid}\n`);
    const f = fs.open(join(root, 'LOCK'), { read: true, write: true });
    expect(f.tryLock()).toBe(true);
    f.close();
    expect(existsSync(owner())).toBe(false);
  });

  it('refuses, and leaves alone, an owner file of a live process', () => {
    writeFileSync(owner(), '1\n'); // init is always alive
    const f = fs.open(join(root, 'LOCK'), { read: true, write: true });
    expect(f.tryLock()).toBe(false);
    expect(readFileSync(owner(), 'utf8')).toBe('1\n');
    f.close();
  });

  it('a file replaced under a held lock is still locked for another handle of this process', () => {
    const a = fs.open(join(root, 'LOCK'), { read: true, write: true });
    expect(a.tryLock()).toBe(true);
    // Another LOCK file takes the name (a new inode): the owner file is still ours, held by a.
    writeFileSync(join(root, 'LOCK.new'), '');
    renameSync(join(root, 'LOCK.new'), join(root, 'LOCK'));
    const b = fs.open(join(root, 'LOCK'), { read: true, write: true });
    expect(b.tryLock()).toBe(false);
    a.close();
    expect(b.tryLock()).toBe(true);
    b.close();
  });
});
