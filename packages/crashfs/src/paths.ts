// Lexical path handling for CrashFs's namespace model. There are no symlinks in the Fs
// model, so '.' and '..' resolve lexically, as MemFs does. Absolute paths live under the
// '/' root; relative ones under a separate '.' root (the inner Fs decides what '.' is).
// shallowestMissing is the one helper here that asks an Fs.

import { parentDir, type Fs } from '@lsm/fs';

/** The two roots a path can hang from. */
export type RootKey = '/' | '.';

/** A path split into its root and its normalized components. */
export interface SplitPath {
  root: RootKey;
  parts: string[];
}

/** True for a string the Fs interface accepts as a path (non-empty, no NUL). */
export function isUsablePath(p: unknown): p is string {
  return typeof p === 'string' && p.length > 0 && !p.includes('\0');
}

/**
 * Splits `path` into root and components: '' and '.' dropped, '..' pops a component
 * ('..' above an absolute root is dropped; above a relative root it is kept).
 */
export function splitPath(path: string): SplitPath {
  const root: RootKey = path.startsWith('/') ? '/' : '.';
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      const last = parts[parts.length - 1];
      if (last !== undefined && last !== '..') parts.pop();
      else if (root === '.') parts.push('..');
    } else {
      parts.push(part);
    }
  }
  return { root, parts };
}

/** The canonical path of entry `name` in directory `dir` (itself canonical). */
export function childPath(dir: string, name: string): string {
  if (dir === '/') return `/${name}`;
  if (dir === '.') return name;
  return `${dir}/${name}`;
}

/**
 * The shallowest directory on the way to `path` that `fs` does not have (what a
 * `createDirAll(path)` would create first), or undefined if `path` exists. Asks from
 * `path` upwards, so that it never asks about more than it must; a name the Fs refuses to
 * answer for (outside a confined NodeFs) counts as existing.
 */
export function shallowestMissing(fs: Pick<Fs, 'exists'>, path: string): string | undefined {
  let missing: string | undefined;
  for (let p = path.length > 1 ? path.replace(/\/+$/, '') : path; ; ) {
    let there: boolean;
    try {
      there = fs.exists(p);
    } catch {
      there = true;
    }
    if (there) return missing;
    missing = p;
    const up = parentDir(p);
    if (up === p) return missing;
    p = up;
  }
}
