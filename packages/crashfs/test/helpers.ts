// Shared test helpers: backends (MemFs, NodeFs confined to a temp dir), tree snapshots, encoding.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError, MemFs, NodeFs, readFile, type Fs } from '@lsm/fs';
import { afterEach, expect } from 'vitest';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface Backend {
  fs: Fs;
  /** An existing empty directory on `fs`. */
  root: string;
  cleanup: () => void;
}

export const backends: Array<{ name: string; make: () => Backend }> = [
  {
    name: 'MemFs',
    make: () => {
      const fs = new MemFs();
      fs.createDirAll('/root');
      return { fs, root: '/root', cleanup: () => {} };
    },
  },
  {
    name: 'NodeFs',
    make: () => {
      const root = mkdtempSync(join(tmpdir(), 'crashfs-test-'));
      return { fs: new NodeFs({ root }), root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
    },
  },
];

/** Every path under `dir` (relative to it): files map to their content, directories to '<dir>'. */
export function snapshot(fs: Fs, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string): void => {
    for (const name of fs.readDir(abs)) {
      const a = `${abs}/${name}`;
      const r = rel === '' ? name : `${rel}/${name}`;
      if (fs.metadata(a).isDirectory) {
        out[r] = '<dir>';
        walk(a, r);
      } else {
        out[r] = dec(readFile(fs, a));
      }
    }
  };
  walk(dir, '');
  return out;
}

/** Like snapshot, but file contents as byte arrays (for binary data). */
export function snapshotBytes(fs: Fs, dir: string): Map<string, Uint8Array | 'dir'> {
  const out = new Map<string, Uint8Array | 'dir'>();
  const walk = (abs: string, rel: string): void => {
    for (const name of fs.readDir(abs)) {
      const a = `${abs}/${name}`;
      const r = rel === '' ? name : `${rel}/${name}`;
      if (fs.metadata(a).isDirectory) {
        out.set(r, 'dir');
        walk(a, r);
      } else {
        out.set(r, readFile(fs, a));
      }
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Groups the files under `dir` by identity (hard links end up in one group), without
 * leaving a trace: appends a byte to each file in turn, sees which sizes moved, truncates back.
 */
export function linkGroups(fs: Fs, dir: string): string[][] {
  const files = [...snapshotBytes(fs, dir)].filter(([, v]) => v !== 'dir').map(([k]) => k);
  const seen = new Set<string>();
  const groups: string[][] = [];
  for (const f of files) {
    if (seen.has(f)) continue;
    const sizes = new Map(files.map((g) => [g, fs.metadata(`${dir}/${g}`).size]));
    const h = fs.open(`${dir}/${f}`, { write: true });
    const before = h.size();
    h.writeAt(new Uint8Array([1]), before);
    const group = files.filter((g) => fs.metadata(`${dir}/${g}`).size !== sizes.get(g));
    h.setLen(before);
    h.close();
    for (const g of group) seen.add(g);
    groups.push(group.sort());
  }
  return groups.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Runs `fn` and returns the FsError code it throws (or 'none'). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return 'none';
}

/** The FsError `fn` throws; fails the test when it throws nothing or something else. */
export function fsErrorOf(fn: () => unknown): FsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return err as FsError;
  }
  throw new Error('expected an FsError, nothing was thrown');
}

/**
 * A maker of fresh real temp directories named `prefix...`, each removed after the test
 * that made it (call at module level: it registers the cleanup with afterEach).
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}
