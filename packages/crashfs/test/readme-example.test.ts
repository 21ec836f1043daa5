// The README's example, executable: a tiny append-only log that is not ours (it only knows
// the Fs interface) forgets to sync the directory of the file it creates; a crash test with
// CrashFs catches it, and passes once the fix is in. The code between the `#region readme`
// markers must appear verbatim in README.md (checked below), so the README cannot rot.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemFs, parentDir, readFile, writeAll, type Fs, type FsFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';

// #region readme: log
/** FNV-1a, enough to notice a torn record. */
function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** An append-only log of records, each framed as [length u32][checksum u32][bytes]. */
export class AppendLog {
  constructor(private readonly file: FsFile) {}

  /** Opens the log at `path`, creating it (and its directory) if needed. */
  static open(fs: Fs, path: string): AppendLog {
    fs.createDirAll(parentDir(path));
    return new AppendLog(fs.open(path, { append: true, create: true }));
  }

  /** Appends a record; when this returns, the record is durable. */
  append(record: Uint8Array): void {
    const frame = new Uint8Array(8 + record.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, record.length);
    view.setUint32(4, checksum(record));
    frame.set(record, 8);
    writeAll(this.file, frame);
    this.file.syncData();
  }

  /** The intact records of the log at `path`, in order, up to the first torn one. */
  static read(fs: Fs, path: string): Uint8Array[] {
    if (!fs.exists(path)) return [];
    const data = readFile(fs, path);
    const records: Uint8Array[] = [];
    for (let pos = 0; pos + 8 <= data.length; ) {
      const view = new DataView(data.buffer, data.byteOffset + pos);
      const end = pos + 8 + view.getUint32(0);
      if (end > data.length || checksum(data.subarray(pos + 8, end)) !== view.getUint32(4)) break;
      records.push(data.subarray(pos + 8, end));
      pos = end;
    }
    return records;
  }
}
// #endregion

// #region readme: test
/** Appends some records, pulls the plug, and checks that every acknowledged record survived. */
function crashTest(openLog: (fs: Fs, path: string) => AppendLog): void {
  for (let seed = 0; seed < 50; seed++) {
    const disk = new MemFs();
    const fs = new CrashFs(disk, { seed });
    const log = openLog(fs, '/data/log');
    const acknowledged: string[] = [];
    for (let i = 0; i < seed % 5; i++) {
      log.append(new TextEncoder().encode(`record ${i}`));
      acknowledged.push(`record ${i}`); // append() returned: this record must survive
    }
    fs.crash(); // power loss
    const recovered = AppendLog.read(fs.inner, '/data/log').map((r) => new TextDecoder().decode(r));
    expect(recovered, `seed ${seed}`).toEqual(acknowledged);
  }
}

it('catches the log losing acknowledged records', () => {
  expect(() => crashTest(AppendLog.open)).toThrow(/seed 1/);
});
// #endregion

// #region readme: fix
/** The fix: a new file, or a new directory, is durable once the directory holding it is synced. */
function openFixed(fs: Fs, path: string): AppendLog {
  const log = AppendLog.open(fs, path);
  fs.syncDirectory(parentDir(path)); // the log's entry in /data
  fs.syncDirectory(parentDir(parentDir(path))); // /data's entry in /
  return log;
}

it('passes once the directories are synced', () => {
  crashTest(openFixed);
});
// #endregion

describe('the example, further', () => {
  it('is not caught without directory modelling: the simple model misses this bug', () => {
    const disk = new MemFs();
    const fs = new CrashFs(disk, { directorySync: false });
    const log = AppendLog.open(fs, '/data/log');
    log.append(new TextEncoder().encode('one'));
    fs.crash();
    expect(AppendLog.read(disk, '/data/log').length).toBe(1);
  });

  it('also catches a log that forgets to sync its data, even with torn tails', () => {
    class LazyLog extends AppendLog {
      constructor(private readonly f: FsFile) {
        super(f);
      }
      override append(record: Uint8Array): void {
        const frame = new Uint8Array(8 + record.length);
        const view = new DataView(frame.buffer);
        view.setUint32(0, record.length);
        view.setUint32(4, checksum(record));
        frame.set(record, 8);
        writeAll(this.f, frame); // no syncData: the bug
      }
    }
    const openLazy = (fs: Fs, path: string): AppendLog => {
      openFixed(fs, path); // create and publish the file properly ...
      return new LazyLog(fs.open(path, { append: true })); // ... then write without syncing
    };
    expect(() => crashTest(openLazy)).toThrow(/seed/);
  });

  it('the reader stops at a torn record: every crash leaves a clean prefix', () => {
    for (let seed = 0; seed < 100; seed++) {
      const disk = new MemFs();
      const fs = new CrashFs(disk, { seed });
      const log = openFixed(fs, '/data/log');
      log.append(new TextEncoder().encode('durable'));
      const raw = fs.open('/data/log', { append: true });
      raw.write(new Uint8Array([0, 0, 0, 9, 1, 2, 3, 4, 5, 6])); // an unsynced, partial frame
      fs.crash();
      expect(AppendLog.read(disk, '/data/log').map((r) => new TextDecoder().decode(r))).toEqual(['durable']);
    }
  });

  it('appears verbatim in README.md', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const regions = [...source.matchAll(/\/\/ #region readme: \w+\n([\s\S]*?)\/\/ #endregion/g)].map((m) => m[1]!);
    expect(regions.length).toBe(3);
    for (const region of regions) expect(readme).toContain(region.trim());
  });
});
