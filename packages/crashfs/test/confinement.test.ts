// A CrashFs whose model is wrong must not touch what it was not handed. A sentinel
// directory BESIDE the test's root (same parent) survives, byte for byte, a crash() whose
// model believes the sentinel (or a new name beside the root) must change: CrashFs refuses
// the plan (EACCES, nothing changed), and the NodeFs confined to the root refuses it again
// should CrashFs's own guard be wrong too.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, MemFs, NodeFs, readFile, writeFile, type Fs } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { DirState, type Namespace } from '../src/namespace.js';
import type { Scope } from '../src/scope.js';

/**
 * A CrashFs with a deliberately wrong model (the kind of bug a mutant makes): test-only,
 * it reaches into the model the way a bug in the shipped code would.
 */
class WrongModelCrashFs extends CrashFs {
  private get model(): Namespace {
    return (this as unknown as { ns: Namespace }).ns;
  }

  /** The bug: believes `path` (which exists) was created through it and never made durable. */
  believeNeverDurable(path: string): void {
    const at = this.model.locate(path)!;
    at.slot.durable = null;
    at.dir.diffs++;
    this.model.dirtyDirs.add(at.dir);
  }

  /** The bug: believes a directory `path` (which does not exist) is durable, so a crash must create it. */
  believeDurableDir(path: string): void {
    const at = this.model.locate(path)!;
    at.slot.durable = new DirState(9_999, true);
    at.dir.entries.set(at.slot.name, at.slot);
    at.dir.diffs++;
    this.model.dirtyDirs.add(at.dir);
  }

  /** A second bug, in the guard: believes its user handed it `path`. */
  believeHanded(path: string): void {
    (this as unknown as { scope: Scope }).scope.hand(path);
  }
}

/** Every file and directory under `dir`, by relative path: file bytes in hex, or 'dir'. */
function bytesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    out[relative(dir, p)] = e.isFile() ? readFileSync(p, 'hex') : 'dir';
  }
  return out;
}

/** What crash() threw. */
function crashError(fs: CrashFs): FsError {
  try {
    fs.crash();
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return err as FsError;
  }
  throw new Error('expected crash() to refuse');
}

/** Some work in the root that a crash must partly undo: one durable file, one not. */
function workInRoot(fs: Fs, root: string): void {
  fs.createDirAll(`${root}/db`);
  writeFile(fs, `${root}/db/durable`, new TextEncoder().encode('kept'), { sync: true });
  fs.syncDirectory(`${root}/db`);
  fs.syncDirectory(root);
  writeFile(fs, `${root}/db/unsynced`, new TextEncoder().encode('lost'));
}

describe('CrashFs over a NodeFs confined to the test root', () => {
  let base: string;
  let root: string;
  let sentinel: string;
  let before: Record<string, string>;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'crashfs-confine-'));
    root = join(base, 'root');
    sentinel = join(base, 'sentinel');
    mkdirSync(root);
    mkdirSync(join(sentinel, 'nested'), { recursive: true });
    writeFileSync(join(sentinel, 'a'), 'sentinel file a');
    writeFileSync(join(sentinel, 'nested', 'b'), Buffer.from([0, 1, 2, 255]));
    before = bytesUnder(sentinel);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('a wrong model that would remove the sentinel beside the root: refused, the sentinel byte-identical', () => {
    const fs = new WrongModelCrashFs(new NodeFs({ root }), { seed: 1 });
    workInRoot(fs, root);
    fs.believeNeverDurable(sentinel);
    const err = crashError(fs);
    expect(err.code).toBe('EACCES');
    expect(err.path).toBe(sentinel);
    expect(err.message).toContain(sentinel);
    expect(bytesUnder(sentinel)).toEqual(before);
    // Refused whole: nothing in the root changed either (the unsynced file is still there).
    expect(readdirSync(join(root, 'db')).sort()).toEqual(['durable', 'unsynced']);
  });

  it('a wrong model that would create a name beside the root: refused, nothing created', () => {
    const fs = new WrongModelCrashFs(new NodeFs({ root }), { seed: 2 });
    workInRoot(fs, root);
    fs.believeDurableDir(join(base, 'intruder'));
    expect(crashError(fs).code).toBe('EACCES');
    expect(readdirSync(base).sort()).toEqual(['root', 'sentinel']);
    expect(bytesUnder(sentinel)).toEqual(before);
  });

  it('with the guard wrong too, the NodeFs confined to the root still refuses: the sentinel byte-identical', () => {
    const fs = new WrongModelCrashFs(new NodeFs({ root }), { seed: 3 });
    workInRoot(fs, root);
    fs.believeNeverDurable(sentinel);
    fs.believeHanded(sentinel);
    const err = crashError(fs);
    expect(err.code).toBe('EACCES');
    expect(err.message).toContain('outside the root');
    expect(bytesUnder(sentinel)).toEqual(before);
  });

  it('a right model crashes the root as usual and leaves the sentinel alone', () => {
    const fs = new CrashFs(new NodeFs({ root }), { seed: 4 });
    workInRoot(fs, root);
    fs.crash();
    expect(readdirSync(join(root, 'db'))).toEqual(['durable']);
    expect(readFile(fs, `${root}/db/durable`)).toEqual(new TextEncoder().encode('kept'));
    expect(bytesUnder(sentinel)).toEqual(before);
    // And it refuses, through the inner NodeFs, what the test hands it outside the root.
    expect(() => fs.removeDirAll(sentinel)).toThrow(expect.objectContaining({ code: 'EACCES' }));
    expect(() => fs.open(join(sentinel, 'a'), { write: true })).toThrow(expect.objectContaining({ code: 'EACCES' }));
    expect(bytesUnder(sentinel)).toEqual(before);
  });
});

describe('CrashFs over an unconfined Fs refuses a wrong model on its own', () => {
  /** A MemFs with a root to work in and a sentinel beside it. */
  function memWithSentinel(): MemFs {
    const mem = new MemFs();
    mem.createDirAll('/base/root');
    mem.createDirAll('/base/sentinel/nested');
    writeFile(mem, '/base/sentinel/a', new TextEncoder().encode('sentinel file a'));
    writeFile(mem, '/base/sentinel/nested/b', new Uint8Array([0, 1, 2, 255]));
    return mem;
  }
  const sentinelBytes = (mem: MemFs): string[] => [mem.readDir('/base/sentinel').join(), ...['a', 'nested/b'].map((f) => Buffer.from(readFile(mem, `/base/sentinel/${f}`)).toString('hex'))];

  it('does not remove a sentinel it was never handed', () => {
    const mem = memWithSentinel();
    const want = sentinelBytes(mem);
    const fs = new WrongModelCrashFs(mem, { seed: 5 });
    workInRoot(fs, '/base/root');
    fs.believeNeverDurable('/base/sentinel');
    const err = crashError(fs);
    expect(err.code).toBe('EACCES');
    expect(err.path).toBe('/base/sentinel');
    expect(sentinelBytes(mem)).toEqual(want);
    // The CrashFs stays usable (as a new one over what is there): the next crash does its work.
    writeFile(fs, '/base/root/db/unsynced-2', new TextEncoder().encode('lost'));
    fs.crash();
    expect(mem.readDir('/base/root/db')).toEqual(['durable', 'unsynced']);
    expect(sentinelBytes(mem)).toEqual(want);
  });

  it('does not create a name beside the root it was never handed', () => {
    const mem = memWithSentinel();
    const fs = new WrongModelCrashFs(mem, { seed: 6 });
    workInRoot(fs, '/base/root');
    fs.believeDurableDir('/base/intruder');
    expect(crashError(fs).code).toBe('EACCES');
    expect(mem.readDir('/base')).toEqual(['root', 'sentinel']);
  });
});
