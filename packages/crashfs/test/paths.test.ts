// How CrashFs reads a path (src/paths.ts), pinned (issue #22): which strings are paths at
// all, how '..' resolves above a relative root, how an entry's canonical path is spelled,
// and which directory a createDirAll would create first (trailing slashes ignored; a name
// the Fs will not answer for counts as existing; the walk stops at the root).

import { describe, expect, it } from 'vitest';
import { FsError, MemFs } from '@lsm/fs';
import { childPath, isUsablePath, shallowestMissing, splitPath } from '../src/paths.js';

describe('paths', () => {
  it('a path is a non-empty string without NUL', () => {
    expect(isUsablePath('/a')).toBe(true);
    expect(isUsablePath('a')).toBe(true);
    expect(isUsablePath('')).toBe(false);
    expect(isUsablePath('/a\0b')).toBe(false);
    expect(isUsablePath(3)).toBe(false);
    expect(isUsablePath(undefined)).toBe(false);
  });

  it("'..' pops a name, is dropped above '/', and is kept above a relative root, even twice", () => {
    expect(splitPath('/a/b/../c')).toEqual({ root: '/', parts: ['a', 'c'] });
    expect(splitPath('/../../a')).toEqual({ root: '/', parts: ['a'] });
    expect(splitPath('../../x')).toEqual({ root: '.', parts: ['..', '..', 'x'] });
    expect(splitPath('a/../../b')).toEqual({ root: '.', parts: ['..', 'b'] });
    expect(splitPath('./a//b/.')).toEqual({ root: '.', parts: ['a', 'b'] });
  });

  it('an entry of the relative root is spelled without ./', () => {
    expect(childPath('.', 'x')).toBe('x');
    expect(childPath('/', 'x')).toBe('/x');
    expect(childPath('/d', 'x')).toBe('/d/x');
    expect(childPath('d', 'x')).toBe('d/x');
  });

  it('shallowestMissing: the first directory a createDirAll would make, trailing slashes ignored', () => {
    const fs = new MemFs();
    fs.createDirAll('/a');
    expect(shallowestMissing(fs, '/a/b/c')).toBe('/a/b');
    expect(shallowestMissing(fs, '/a/b//')).toBe('/a/b');
    expect(shallowestMissing(fs, '/a/')).toBeUndefined();
    expect(shallowestMissing(fs, '/')).toBeUndefined();
  });

  it('shallowestMissing: a name the Fs refuses to answer for counts as existing; the walk ends at the root', () => {
    const refusing = {
      exists(p: string): boolean {
        if (!p.startsWith('/jail')) throw new FsError('EACCES', 'exists', p);
        return p === '/jail';
      },
    };
    expect(shallowestMissing(refusing, '/jail/x/y')).toBe('/jail/x');
    expect(shallowestMissing(refusing, '/other/x')).toBeUndefined();
    const empty = { exists: (): boolean => false };
    expect(shallowestMissing(empty, '/p/q')).toBe('/');
    expect(shallowestMissing(empty, 'p/q')).toBe('.');
  });
});
