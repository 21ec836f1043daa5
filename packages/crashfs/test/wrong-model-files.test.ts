// A wrong model about FILES outside what CrashFs was handed (issue #22; confinement.test.ts
// does directories on a confined NodeFs): crash() checks every name its plan would create,
// roll back or link before its first change, so a model that believes a file beside the
// work must be recreated, rolled back or linked is refused with EACCES from 'crash' naming
// it, and nothing at all changes: neither the file beside nor the work's own unsynced file.

import { describe, expect, it } from 'vitest';
import { FsError, MemFs, readFile, writeFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { Inode } from '../src/inode.js';
import type { Namespace } from '../src/namespace.js';
import { snapshot } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Test-only: reaches into the model the way a bug in the shipped code would. */
class WrongModelCrashFs extends CrashFs {
  private get model(): Namespace {
    return (this as unknown as { ns: Namespace }).ns;
  }

  /** The bug: believes a file `path` (which does not exist) is durable with `text`. */
  believeDurableFile(path: string, text: string): void {
    const at = this.model.locate(path)!;
    const inode = Inode.created(9_999);
    inode.recordWrite(0, enc(text));
    inode.sync();
    at.slot.durable = inode;
    at.dir.entries.set(at.slot.name, at.slot);
    at.dir.diffs++;
    this.model.dirtyDirs.add(at.dir);
  }

  /** The bug: believes the file at `path` (never handed to it) has an unsynced write. */
  believeUnsyncedWrite(path: string): void {
    const inode = this.model.locate(path)!.slot.live as Inode;
    this.model.ensureLoaded(inode, path);
    inode.recordWrite(0, enc('bogus'));
    this.model.dirtyInodes.add(inode);
  }

  /** The bug: believes `linkPath` (which does not exist) durably names the file at `path`. */
  believeDurableLink(path: string, linkPath: string): void {
    const inode = this.model.locate(path)!.slot.live as Inode;
    this.model.ensureLoaded(inode, path);
    const at = this.model.locate(linkPath)!;
    at.slot.durable = inode;
    at.dir.entries.set(at.slot.name, at.slot);
    at.dir.diffs++;
    this.model.dirtyDirs.add(at.dir);
  }
}

/** A disk with a file beside the work, and a CrashFs that did some work in /work. */
function setup(): { mem: MemFs; c: WrongModelCrashFs; before: Record<string, string> } {
  const mem = new MemFs();
  mem.createDirAll('/beside');
  writeFile(mem, '/beside/keep', enc('not yours'));
  const c = new WrongModelCrashFs(mem, { tornWrites: false });
  c.createDirAll('/work');
  c.syncDirectory('/');
  writeFile(c, '/work/durable', enc('kept'), { sync: true });
  c.syncDirectory('/work');
  writeFile(c, '/work/unsynced', enc('lost at a crash'));
  expect(c.exists('/beside/keep')).toBe(true); // the model has seen the name
  return { mem, c, before: snapshot(mem, '/') };
}

function refused(c: CrashFs, path: string): void {
  let err: unknown;
  try {
    c.crash();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FsError);
  expect((err as FsError).code).toBe('EACCES');
  expect((err as FsError).syscall).toBe('crash');
  expect((err as FsError).path).toBe(path);
}

describe('crash() with a wrong model about files it was not handed', () => {
  it('would recreate a file beside the work: refused, nothing changed', () => {
    const { mem, c, before } = setup();
    c.believeDurableFile('/beside/ghost', 'should not appear');
    refused(c, '/beside/ghost');
    expect(snapshot(mem, '/')).toEqual(before);
  });

  it('would roll back the content of a file beside the work: refused, its bytes unchanged', () => {
    const { mem, c, before } = setup();
    c.believeUnsyncedWrite('/beside/keep');
    refused(c, '/beside/keep');
    expect(new TextDecoder().decode(readFile(mem, '/beside/keep'))).toBe('not yours');
    expect(snapshot(mem, '/')).toEqual(before);
  });

  it('would link a work file under a new name beside the work: refused, nothing changed', () => {
    const { mem, c, before } = setup();
    c.believeDurableLink('/work/durable', '/beside/link');
    refused(c, '/beside/link');
    expect(snapshot(mem, '/')).toEqual(before);
  });
  it('reading a file beside the work (open, read, stat, list) hands nothing: rolling it back is still refused', () => {
    const { mem, c, before } = setup();
    expect(new TextDecoder().decode(readFile(c, '/beside/keep'))).toBe('not yours');
    const f = c.open('/beside/keep', { read: true });
    f.read(new Uint8Array(3), 0);
    f.close();
    c.metadata('/beside/keep');
    c.readDir('/beside');
    c.believeUnsyncedWrite('/beside/keep');
    refused(c, '/beside/keep');
    expect(snapshot(mem, '/')).toEqual(before);
  });
});
