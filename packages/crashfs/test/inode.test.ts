// The model of one file (src/inode.ts), one promise at a time (issue #22): what a torn
// crash may keep (units: one per written byte, one per truncate; nothing after the first
// op it cuts), that the model owns what it records (a caller reusing its buffer changes
// nothing), that durable content is never dropped or replaced while it matters, and that a
// zero-length write changes nothing a crash could lose.

import { describe, expect, it } from 'vitest';
import { MemFs, writeFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { Inode } from '../src/inode.js';
import { dec, enc } from './helpers.js';

/** An inode whose durable content is `text`. */
function synced(text: string): Inode {
  const inode = Inode.created(1);
  inode.recordWrite(0, enc(text));
  inode.sync();
  return inode;
}

describe('Inode', () => {
  it('a torn crash counts one unit per pending byte and one per truncate, whatever the mix', () => {
    const inode = synced('0123456789');
    inode.recordSetLen(8);
    inode.recordWrite(8, enc('ab'));
    inode.recordSetLen(5);
    inode.recordSetLen(12);
    expect(inode.pendingUnits()).toBe(5);
    expect(inode.lowestPendingOffset()).toBe(5);
    expect(dec(inode.contentAfterCrash(0))).toBe('0123456789');
  });

  it('a crash with no unit left applies no truncate and writes no empty piece past the end', () => {
    const a = synced('abc');
    a.recordSetLen(1);
    expect(dec(a.contentAfterCrash(0))).toBe('abc');
    const b = synced('abc');
    b.recordWrite(10, enc('xyz'));
    expect(b.contentAfterCrash(0).length).toBe(3);
    const c = synced('abc');
    c.recordWrite(3, enc('de'));
    c.recordSetLen(1);
    // Both bytes of the write, then the truncate: every unit.
    expect(dec(c.contentAfterCrash(3))).toBe('a');
    // The write whole, not the truncate.
    expect(dec(synced('abc').contentAfterCrash(0))).toBe('abc');
    const d = synced('abc');
    d.recordWrite(3, enc('de'));
    d.recordSetLen(1);
    expect(dec(d.contentAfterCrash(2))).toBe('abcde');
  });

  it('records a copy: the caller reusing its buffer after a write changes neither the durable content nor a crash', () => {
    const inode = Inode.created(1);
    const buf = enc('hello');
    inode.recordWrite(0, buf);
    buf.fill(0x21);
    inode.sync();
    expect(dec(inode.contentAfterCrash(0))).toBe('hello');
    const later = synced('abc');
    const buf2 = enc('XY');
    later.recordWrite(3, buf2);
    buf2.fill(0x21);
    expect(dec(later.contentAfterCrash(2))).toBe('abcXY');
  });

  it('load() never replaces content it already holds; unload() never drops content with changes pending', () => {
    const inode = synced('durable');
    inode.load(enc('stale copy from disk'));
    expect(dec(inode.contentAfterCrash(0))).toBe('durable');
    const pending = synced('base');
    pending.recordWrite(4, enc('+more'));
    pending.unload();
    expect(pending.loaded).toBe(true);
    pending.sync();
    expect(dec(pending.contentAfterCrash(0))).toBe('base+more');
    const tainted = synced('t');
    tainted.tainted = true;
    tainted.unload();
    expect(tainted.loaded).toBe(true);
    const clean = synced('c');
    clean.unload();
    expect(clean.loaded).toBe(false);
  });

  it('a zero-length write leaves the file clean: nothing for a crash to lose', () => {
    const inode = synced('abc');
    inode.recordWrite(3, new Uint8Array(0));
    expect(inode.dirty).toBe(false);
    expect(inode.pendingUnits()).toBe(0);
    const c = new CrashFs(new MemFs());
    c.createDirAll('/d');
    c.syncDirectory('/');
    writeFile(c, '/d/f', enc('abc'), { sync: true });
    c.syncDirectory('/d');
    const f = c.open('/d/f', { write: true });
    f.writeAt(new Uint8Array(0), 3);
    expect(c.unsynced().files).toEqual([]);
    f.close();
  });
});
