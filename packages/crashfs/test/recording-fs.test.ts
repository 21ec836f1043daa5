// RecordingFs and the op log, called directly (crashTest reaches them only through the
// node:fs facade, which never writes at the cursor, links, or opens append-only): each
// call reaches the CrashFs below, each change is recorded with the handle, label, crash
// point and pending-data flag the replay and the trace rely on, and a replay of a prefix
// rebuilds what the workload saw after it.

import { FsError, MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { CrashFs } from '../src/crash-fs.js';
import { labelOf, replay, type RecordedCall } from '../src/op-log.js';
import { RecordingFs } from '../src/recording-fs.js';
import { dec, enc } from './helpers.js';

function setup(): { mem: MemFs; crash: CrashFs; rec: RecordingFs } {
  const mem = new MemFs();
  mem.createDirAll('/d');
  const crash = new CrashFs(mem);
  return { mem, crash, rec: new RecordingFs(crash) };
}

const summary = (rec: RecordingFs): Array<[string, boolean, boolean, string | undefined]> =>
  rec.ops.map((o) => [o.label, o.point, o.unsyncedData, o.failed]);

describe('RecordingFs', () => {
  it('numbers handles 1, 2, 3 in open order and passes writes at the cursor, links and syncs through', () => {
    const { crash, rec } = setup();
    const a = rec.open('/d/a', { write: true, create: true });
    expect(a.path).toBe('/d/a');
    expect(a.write(enc('abc'))).toBe(3);
    expect(a.write(enc('de'))).toBe(2);
    expect(a.size()).toBe(5);
    expect(crash.unsynced().files).toEqual(['/d/a']);
    a.syncAll();
    expect(crash.unsynced().files).toEqual([]);
    expect(a.tryLock()).toBe(true);
    a.unlock();
    a.close();
    expect(() => a.read(new Uint8Array(1), 0)).toThrow(FsError); // closed below, too
    rec.hardLink('/d/a', '/d/b');
    expect(rec.readDir('/d').sort()).toEqual(['a', 'b']);
    expect(crash.unsynced().directories).toEqual(['/d']);
    rec.syncDirectory('/d');
    expect(crash.unsynced().directories).toEqual([]);
    const b = rec.open('/d/b');
    const buf = new Uint8Array(5);
    expect(b.read(buf, 0)).toBe(5);
    expect(dec(buf)).toBe('abcde');
    b.close();

    expect(rec.ops.map((o) => (o.call as { handle?: number }).handle)).toEqual([1, 1, 1, 1, 1, undefined, undefined, 2, 2]);
    expect(summary(rec)).toEqual([
      ["open '/d/a' (write, create)", true, false, undefined],
      ["write '/d/a' 3 bytes at the cursor", true, true, undefined],
      ["write '/d/a' 2 bytes at the cursor", true, true, undefined],
      ["fsync '/d/a'", true, false, undefined],
      ["close '/d/a'", false, false, undefined],
      ["link '/d/a' -> '/d/b'", true, false, undefined],
      ["fsync directory '/d'", true, false, undefined],
      ["open '/d/b' (read)", false, false, undefined],
      ["close '/d/b'", false, false, undefined],
    ]);

    // A replay of every op rebuilds both names of the file; of the first three, the writes.
    const all = new MemFs();
    all.createDirAll('/d');
    replay(rec.ops, rec.ops.length, all);
    expect(dec(readFile(all, '/d/b'))).toBe('abcde');
    const some = new MemFs();
    some.createDirAll('/d');
    replay(rec.ops, 3, some);
    expect(dec(readFile(some, '/d/a'))).toBe('abcde');
    expect(some.exists('/d/b')).toBe(false);
  });

  it('takes an open as a crash point only when it creates or truncates', () => {
    const { mem, rec } = setup();
    mem.open('/d/old', { write: true, create: true }).close();
    rec.open('/d/old', { write: true, create: true }).close(); // exists: nothing changes
    rec.open('/d/new', { append: true, create: true }).close(); // append-only, creates
    rec.open('/d/old', { append: true }).close();
    rec.open('/d/old', { write: true, truncate: true }).close();
    rec.open('/d/n2', { write: true, createNew: true }).close();
    rec.open('/d/old', { read: false, write: true }).close();
    expect(summary(rec).filter(([label]) => label.startsWith('open'))).toEqual([
      ["open '/d/old' (write, create)", false, false, undefined],
      ["open '/d/new' (append, create)", true, false, undefined],
      ["open '/d/old' (append)", false, false, undefined],
      ["open '/d/old' (write, truncate)", true, false, undefined],
      ["open '/d/n2' (write, createNew)", true, false, undefined],
      ["open '/d/old' (write)", false, false, undefined],
    ]);
  });

  it('records a failed call with its code, as no crash point, and rethrows it', () => {
    const { rec } = setup();
    expect(() => rec.open('/d/missing', { write: true })).toThrow(FsError);
    expect(() => rec.removeFile('/d/missing')).toThrow(FsError);
    const odd = Object.assign(new Error('odd'), { code: 'EODD' });
    expect(() =>
      rec.record({ kind: 'syncData', handle: 7 }, true, () => {
        throw odd;
      }),
    ).toThrow(odd);
    expect(() =>
      rec.record({ kind: 'syncAll', handle: 8 }, true, () => {
        throw null; // eslint-disable-line no-throw-literal
      }),
    ).toThrow();
    expect(rec.record({ kind: 'close', handle: 9 }, false, () => 42)).toBe(42);
    expect(summary(rec)).toEqual([
      ["open '/d/missing' (write) (failed: ENOENT)", false, false, 'ENOENT'],
      ["unlink '/d/missing' (failed: ENOENT)", false, false, 'ENOENT'],
      ["fdatasync '#7' (failed: EODD)", false, false, 'EODD'],
      ["fsync '#8' (failed: error)", false, false, 'error'],
      ["close '#9'", false, false, undefined],
    ]);
  });

  it('does not record a read-only open that fails', () => {
    const { rec } = setup();
    expect(() => rec.open('/d/missing')).toThrow(FsError);
    expect(rec.ops).toEqual([]);
  });
});

describe('replay', () => {
  const open = (handle: number, path: string): RecordedCall => ({ kind: 'open', handle, path, options: { write: true, create: true } });
  const op = (call: RecordedCall, failed?: string) => ({ call, label: labelOf(call, () => '?'), point: true, unsyncedData: false, failed });

  it('applies fdatasync and a second close as the Fs would, and skips failed calls', () => {
    const inner = new MemFs();
    const crash = new CrashFs(inner);
    const ops = [
      op(open(1, '/f')),
      op({ kind: 'write', handle: 1, data: enc('xy'), position: 0 }),
      op({ kind: 'syncData', handle: 1 }),
      op({ kind: 'removeFile', path: '/f' }, 'EIO'),
      op({ kind: 'close', handle: 1 }),
      op({ kind: 'close', handle: 1 }),
      op({ kind: 'syncDirectory', path: '/' }),
    ];
    replay(ops, ops.length, crash);
    expect(crash.unsynced().files).toEqual([]); // the fdatasync reached the file
    crash.crash();
    expect(dec(readFile(inner, '/f'))).toBe('xy');
  });

  it('names a handle that was never opened (a recording bug) instead of writing elsewhere', () => {
    const ops = [op({ kind: 'write', handle: 3, data: enc('x'), position: undefined })];
    expect(() => replay(ops, 1, new MemFs())).toThrow('crashTest replay: handle 3 is not open (a bug in crashTest)');
  });

  it('labels each kind of call', () => {
    const path = (h: number): string => `/h${h}`;
    expect(labelOf({ kind: 'open', handle: 1, path: '/x', options: { read: false } }, path)).toBe("open '/x' ()");
    expect(labelOf({ kind: 'open', handle: 1, path: '/x', options: {} }, path)).toBe("open '/x' (read)");
    expect(labelOf({ kind: 'hardLink', existing: '/a', newPath: '/b' }, path)).toBe("link '/a' -> '/b'");
    expect(labelOf({ kind: 'write', handle: 2, data: enc('abc'), position: 9 }, path)).toBe("write '/h2' 3 bytes at 9");
    expect(labelOf({ kind: 'removeDirAll', path: '/x' }, path)).toBe("rm -r '/x'");
  });
});
