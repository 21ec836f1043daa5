// NodeFs({ root }): every escape route out of the root is refused with EACCES naming the
// path, and nothing outside is read, listed, locked, renamed or changed.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, NodeFs, readFile, writeFile, type Fs } from '../src/index.js';
import { thrown } from './thrown.js';

let base: string; // holds the root and its neighbours
let root: string;
let outside: string; // a sibling of the root, with a file in it
let prefixed: string; // a sibling whose name has the root's name as a string prefix
let fs: NodeFs;

/** What every file under `dir` holds, by relative path: to prove nothing outside changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    out[relative(dir, p)] = e.isFile() ? readFileSync(p, 'hex') : e.isSymbolicLink() ? 'link' : 'dir';
  }
  return out;
}

/** Expects `run` to be refused with EACCES naming `path`. */
function refused(run: () => unknown, path: string): void {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FsError);
  expect((err as FsError).code).toBe('EACCES');
  expect((err as FsError).path).toBe(path);
  expect((err as FsError).message).toContain(path);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'lsm-fs-root-'));
  root = join(base, 'a');
  outside = join(base, 'out');
  prefixed = join(base, 'ab');
  for (const d of [root, outside, prefixed]) mkdirSync(d);
  writeFileSync(join(outside, 'secret'), 'outside bytes');
  writeFileSync(join(prefixed, 'secret'), 'prefixed bytes');
  writeFileSync(join(root, 'inside'), 'inside bytes');
  fs = new NodeFs({ root });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** Every Fs method that takes a path, as a call on `path` (rename and hardLink on each side). */
function everyCall(f: Fs, path: string, inside: string): Array<[string, () => unknown]> {
  return [
    ['open read', () => f.open(path)],
    ['open create', () => f.open(path, { write: true, create: true })],
    ['createDirAll', () => f.createDirAll(`${path}/sub`)],
    ['createDirAll itself', () => f.createDirAll(path)],
    ['readDir', () => f.readDir(path)],
    ['removeFile', () => f.removeFile(path)],
    ['removeDirAll', () => f.removeDirAll(path)],
    ['rename from', () => f.rename(path, join(inside, 'moved'))],
    ['rename to', () => f.rename(inside, path)],
    ['metadata', () => f.metadata(path)],
    ['exists', () => f.exists(path)],
    ['syncDirectory', () => f.syncDirectory(path)],
    ['hardLink existing', () => f.hardLink(path, join(inside, 'linked'))],
    ['hardLink new', () => f.hardLink(inside, path)],
  ];
}

/** Every call on `path` is refused, naming `path`, and nothing under `base` outside the root changed. */
function allRefused(path: string): void {
  const before = snapshot(base);
  for (const [name, call] of everyCall(fs, path, join(root, 'inside'))) {
    const target = name === 'createDirAll' ? `${path}/sub` : path;
    try {
      refused(call, target);
    } catch (err) {
      throw new Error(`${name} on ${path}: ${(err as Error).message}`);
    }
  }
  expect(snapshot(base)).toEqual(before);
}

describe('NodeFs({ root })', () => {
  it('works as usual inside the root, and the root itself is allowed', () => {
    expect(fs.root).toBe(root);
    expect(fs.exists(root)).toBe(true);
    expect(fs.metadata(root).isDirectory).toBe(true);
    fs.createDirAll(join(root, 'x/y'));
    // '..' that stays inside is fine.
    expect(fs.exists(`${root}/x/../inside`)).toBe(true);
    expect(fs.readDir(`${root}/x/y/../..`)).toEqual(['inside', 'x']);
    writeFile(fs, join(root, 'x/y/f'), new Uint8Array([1, 2, 3]), { sync: true });
    fs.rename(join(root, 'x/y/f'), join(root, 'x/g'));
    fs.hardLink(join(root, 'x/g'), join(root, 'h'));
    expect(readFile(fs, join(root, 'h'))).toEqual(new Uint8Array([1, 2, 3]));
    expect(fs.readDir(root)).toEqual(['h', 'inside', 'x']);
    fs.syncDirectory(root);
    const f = fs.open(join(root, 'h'), { read: true, write: true });
    expect(f.tryLock()).toBe(true);
    f.close();
    fs.removeFile(join(root, 'h'));
    fs.removeDirAll(join(root, 'x'));
    // A symlink that stays inside is fine.
    symlinkSync(join(root, 'inside'), join(root, 'alias'));
    expect(readFile(fs, join(root, 'alias'))).toEqual(new TextEncoder().encode('inside bytes'));
    fs.removeDirAll(root);
    expect(existsSync(root)).toBe(false);
  });

  it('keeps relative paths relative to the working directory', () => {
    const rel = relative(process.cwd(), join(root, 'inside'));
    expect(rel.startsWith('..')).toBe(true); // the temp dir is not below the package
    expect(readFile(fs, rel)).toEqual(new TextEncoder().encode('inside bytes'));
    const relRoot = new NodeFs({ root: relative(process.cwd(), root) });
    expect(relRoot.exists(join(root, 'inside'))).toBe(true);
    refused(() => relRoot.readDir(outside), outside);
    refused(() => fs.readDir('.'), '.'); // the working directory is not in the root
  });

  it('refuses a path that climbs out with ..', () => {
    // Template strings, not join(): join would resolve the '..' away before NodeFs sees it.
    allRefused(`${root}/../out/secret`);
    allRefused(`${root}/..`);
    allRefused(`${root}/missing/../../out/new`);
    allRefused(`${root}/../a/../out`);
    allRefused(`${root}/../${relative(base, prefixed)}/secret`);
  });

  it('refuses an absolute path elsewhere', () => {
    allRefused(join(outside, 'secret'));
    allRefused(outside);
    allRefused(base);
    allRefused('/');
  });

  it('refuses a sibling whose name has the root as a string prefix (/tmp/a vs /tmp/ab)', () => {
    expect(prefixed.startsWith(root)).toBe(true);
    allRefused(join(prefixed, 'secret'));
    allRefused(prefixed);
  });

  it('refuses a symlink to a file outside', () => {
    symlinkSync(join(outside, 'secret'), join(root, 'to-file'));
    allRefused(join(root, 'to-file'));
    // A dangling link: creating through it would create a file outside.
    symlinkSync(join(outside, 'not-yet'), join(root, 'dangling'));
    allRefused(join(root, 'dangling'));
    expect(existsSync(join(outside, 'not-yet'))).toBe(false);
  });

  it('refuses a symlink to a directory outside, and anything below it', () => {
    symlinkSync(outside, join(root, 'to-dir'));
    allRefused(join(root, 'to-dir'));
    allRefused(join(root, 'to-dir/secret'));
    allRefused(join(root, 'to-dir/new/deeper'));
    // '..' after a symlink climbs from where the link leads (as the kernel does), not lexically.
    allRefused(`${root}/to-dir/..`);
    allRefused(`${root}/to-dir/../out/secret`);
    // A relative link that climbs out.
    symlinkSync('../out', join(root, 'rel-dir'));
    allRefused(join(root, 'rel-dir/secret'));
  });

  it('refuses a rename or hard link across the boundary, either way', () => {
    const before = snapshot(base);
    refused(() => fs.rename(join(root, 'inside'), join(outside, 'stolen')), join(outside, 'stolen'));
    refused(() => fs.rename(join(outside, 'secret'), join(root, 'taken')), join(outside, 'secret'));
    refused(() => fs.hardLink(join(root, 'inside'), join(prefixed, 'l')), join(prefixed, 'l'));
    refused(() => fs.hardLink(join(outside, 'secret'), join(root, 'l')), join(outside, 'secret'));
    expect(snapshot(base)).toEqual(before);
    expect(snapshot(root)).toEqual({ inside: Buffer.from('inside bytes').toString('hex') });
  });

  it('does not let a lock owner file escape through a symlink', () => {
    symlinkSync(join(outside, 'owner'), join(root, 'inside.lock-owner'));
    const f = fs.open(join(root, 'inside'), { read: true, write: true });
    try {
      refused(() => f.tryLock(), join(root, 'inside.lock-owner'));
      expect(thrown(() => f.tryLock()).syscall).toBe('flock');
    } finally {
      f.close();
    }
    expect(existsSync(join(outside, 'owner'))).toBe(false);
  });

  it('creates a missing root on createDirAll, never the root\'s parent', () => {
    const fresh = new NodeFs({ root: join(base, 'new-root') });
    fresh.createDirAll(join(base, 'new-root/db'));
    expect(existsSync(join(base, 'new-root/db'))).toBe(true);
    const deep = new NodeFs({ root: join(base, 'missing-parent/root') });
    const err = thrown(() => deep.createDirAll(join(base, 'missing-parent/root/db')));
    expect([err.code, err.syscall, err.path]).toEqual(['ENOENT', 'mkdir', join(base, 'missing-parent/root/db')]);
    expect(existsSync(join(base, 'missing-parent'))).toBe(false);
  });

  it('resolves the root through symlinks, and accepts paths that reach it through one', () => {
    symlinkSync(root, join(base, 'root-link'));
    const viaLink = new NodeFs({ root: join(base, 'root-link') });
    expect(viaLink.exists(join(root, 'inside'))).toBe(true);
    expect(fs.exists(join(base, 'root-link/inside'))).toBe(true);
    refused(() => viaLink.readDir(outside), outside);
  });

  it('rejects a bad root, and without a root reaches everywhere as before', () => {
    expect(() => new NodeFs({ root: '' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const free = new NodeFs();
    expect(free.root).toBeUndefined();
    expect(free.exists(join(outside, 'secret'))).toBe(true);
    expect(free.readDir(base)).toEqual(['a', 'ab', 'out']);
  });
});
