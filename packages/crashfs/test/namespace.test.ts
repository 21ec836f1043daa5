// The namespace model (src/namespace.ts), through CrashFs (issue #22): a directory whose
// entries went away and came back is clean again (nothing for a crash to lose), a hard
// link group survives a crash as one file in the model (a write through one name makes
// every name unsynced), a file whose directory was removed is not listed under a made-up
// path, an inner Fs that fails to answer for a name fails the call (only ENOENT/ENOTDIR
// mean "absent", only EACCES "a name it may not show"), and a clean closed file's content
// is not kept in memory.

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile, writeFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import type { Inode } from '../src/inode.js';
import type { Namespace } from '../src/namespace.js';
import { enc } from './helpers.js';

const clean = { files: [], directories: [], bytes: 0 };

function durableStore(): { mem: MemFs; c: CrashFs } {
  const mem = new MemFs();
  const c = new CrashFs(mem, { tornWrites: false });
  c.createDirAll('/d');
  c.syncDirectory('/');
  writeFile(c, '/d/a', enc('content'), { sync: true });
  c.syncDirectory('/d');
  expect(c.unsynced()).toEqual(clean);
  return { mem, c };
}

describe('the namespace model', () => {
  it('a file renamed away and back leaves its directory clean', () => {
    const { c } = durableStore();
    c.rename('/d/a', '/d/b');
    expect(c.unsynced().directories).toEqual(['/d']);
    c.rename('/d/b', '/d/a');
    expect(c.unsynced()).toEqual(clean);
    c.removeFile('/d/a');
    expect(c.unsynced().directories).toEqual(['/d']);
    c.syncDirectory('/d');
    expect(c.unsynced()).toEqual(clean);
  });

  it('after a crash, the names of one file stay one file: a write through one makes both unsynced', () => {
    const { mem, c } = durableStore();
    c.hardLink('/d/a', '/d/b');
    c.syncDirectory('/d');
    c.crash();
    const f = c.open('/d/b', { write: true });
    f.writeAt(enc('X'), 0);
    expect(c.unsynced().files).toEqual(['/d/a', '/d/b']);
    f.close();
    c.crash();
    expect(new TextDecoder().decode(readFile(mem, '/d/a'))).toBe('content');
    expect(new TextDecoder().decode(readFile(mem, '/d/b'))).toBe('content');
  });

  it('an unsynced file whose directory was removed is counted, under no made-up path', () => {
    const { c } = durableStore();
    c.createDirAll('/d/x');
    c.syncDirectory('/d');
    const f = c.open('/d/x/f', { write: true, create: true });
    f.writeAt(enc('pending'), 0);
    f.syncAll();
    f.writeAt(enc('more'), 7);
    c.syncDirectory('/d/x');
    f.close();
    c.removeDirAll('/d/x');
    const u = c.unsynced();
    expect(u.files).toEqual([]);
    expect(u.bytes).toBe(4);
    expect(u.directories).toEqual(['/d']);
  });

  it('an inner Fs that fails to say what a name is fails the call with its error', () => {
    const fault = new FaultFs(new MemFs());
    fault.createDirAll('/d');
    writeFile(fault, '/d/f', enc('x'));
    const c = new CrashFs(fault);
    fault.addRule({ op: 'metadata', path: '/d/f', times: 1, fault: { type: 'error', code: 'EIO' } });
    let err: unknown;
    try {
      c.removeFile('/d/f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EIO');
    expect(fault.exists('/d/f')).toBe(true);
  });

  it('a clean, closed file does not keep its content in the model; an open or unsynced one does', () => {
    const { c } = durableStore();
    const model = (c as unknown as { ns: Namespace }).ns;
    const inode = (): Inode => model.locate('/d/big')!.slot.live as Inode;
    const f = c.open('/d/big', { write: true, create: true });
    f.writeAt(new Uint8Array(1 << 20).fill(7), 0);
    f.syncAll();
    expect(inode().loaded).toBe(true); // still open
    f.close();
    expect(inode().loaded).toBe(false);
    const g = c.open('/d/big', { write: true });
    g.writeAt(enc('x'), 0);
    g.close();
    expect(inode().loaded).toBe(true); // a change is pending: the durable content is needed
    c.crash();
  });
});
