// Which files the deletion pass removes and which it must keep (src/versions/
// obsolete-files.ts), and what opening decides before any log is replayed (src/versions/
// open-versions.ts). A deletion pass that removes one file too many loses data; these
// cases pin each kind of file on each side of its rule.

import type { TableMeta } from '@lsm/compaction';
import { bytewiseComparator } from '@lsm/base';
import { FaultFs, MemFs, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_MARKER, LOCK, blobFileName, logFileName, manifestFileName, tableFileName } from '../src/file-names.js';
import { resolveOptions, type TreeOptions } from '../src/options.js';
import { deleteObsoleteFiles, type ObsoleteFilesContext } from '../src/versions/obsolete-files.js';
import { openVersions } from '../src/versions/open-versions.js';
import { VersionSet } from '../src/versions/version-set.js';

const DIR = '/db';
const k = (s: string): Uint8Array => new TextEncoder().encode(s);
const meta = (id: number, extra: Partial<TableMeta> = {}): TableMeta => ({
  id,
  size: 10,
  smallest: k(`a${id}`),
  largest: k(`a${id}z`),
  smallestSeqno: 1,
  largestSeqno: 2,
  entries: 1,
  tombstones: 0,
  rangeTombstones: 0,
  ...extra,
});

function touch(fs: MemFs, ...names: string[]): void {
  for (const n of names) writeFile(fs, `${DIR}/${n}`, new Uint8Array(1));
}

interface Harness {
  ctx: ObsoleteFilesContext;
  removed: string[];
  forgotten: number[];
  erased: number[];
  blobsRemoved: number[];
}

function harness(fs: MemFs, versions: VersionSet, opts: { active?: number[]; reserved?: number[]; beingRemoved?: string[]; withCache?: boolean } = {}): Harness {
  const h: Harness = { removed: [], forgotten: [], erased: [], blobsRemoved: [], ctx: undefined as never };
  h.ctx = {
    fs,
    dir: DIR,
    versions,
    tableCache: { forget: (n: number) => h.forgotten.push(n) } as never,
    blockCache: opts.withCache === false ? undefined : ({ eraseTable: (n: number) => h.erased.push(n) } as never),
    blobGc: { remove: (n: number) => h.blobsRemoved.push(n) } as never,
    activeLogs: () => opts.active ?? [],
    isReserved: (n) => (opts.reserved ?? []).includes(n),
    remove: (names) => {
      h.removed.push(...names);
      for (const n of names) fs.removeFile(`${DIR}/${n}`);
    },
    isBeingRemoved: (name) => (opts.beingRemoved ?? []).includes(name),
  };
  return h;
}

/** A version set whose current version holds tables 10 and 11 (11 pointing at blob 12), log number 20, manifest 2. */
function store(): { fs: MemFs; vs: VersionSet } {
  const fs = new MemFs();
  fs.createDirAll(DIR);
  const vs = VersionSet.create(fs, DIR, bytewiseComparator);
  touch(fs, tableFileName(10), tableFileName(11), blobFileName(12));
  vs.logAndApply({
    logNumber: 20,
    added: [{ level: 1, meta: meta(10) }, { level: 1, meta: meta(11, { blobRefs: new Map([[12, 1]]) }) }],
    addedBlobs: [{ id: 12, fileSize: 1, recordCount: 1, recordBytes: 1 }],
  });
  return { fs, vs };
}

describe('deleteObsoleteFiles', () => {
  it('removes dead tables, blob files, old logs, other manifests and temp files; keeps the rest', () => {
    const { fs, vs } = store();
    touch(fs, tableFileName(13), blobFileName(14), logFileName(18), logFileName(19), logFileName(20), logFileName(21), manifestFileName(1), '000030.tmp', 'LOCK', 'CURRENT', 'notes.txt');
    const h = harness(fs, vs, { active: [19] });
    deleteObsoleteFiles(h.ctx);
    expect(h.removed.sort()).toEqual([tableFileName(13), logFileName(18), manifestFileName(1), '000030.tmp'].sort());
    expect(h.blobsRemoved).toEqual([14]);
    expect(h.forgotten).toEqual([13]);
    expect(h.erased).toEqual([13]);
    expect(fs.readDir(DIR).sort()).toEqual(
      [tableFileName(10), tableFileName(11), blobFileName(12), blobFileName(14), logFileName(19), logFileName(20), logFileName(21), manifestFileName(2), 'LOCK', 'CURRENT', 'notes.txt'].sort(),
    );
  });

  it('keeps tables and blob files reserved by a job in flight, and names another pass is removing', () => {
    const { fs, vs } = store();
    touch(fs, tableFileName(13), blobFileName(14), tableFileName(15));
    const h = harness(fs, vs, { reserved: [13, 14], beingRemoved: [tableFileName(15)] });
    deleteObsoleteFiles(h.ctx);
    expect(h.removed).toEqual([]);
    expect(h.blobsRemoved).toEqual([]);
    expect(h.forgotten).toEqual([]);
  });

  it('keeps the tables and blob files of a version a reader still pins', () => {
    const { fs, vs } = store();
    const pinned = vs.current;
    pinned.ref();
    touch(fs, tableFileName(13));
    vs.logAndApply({ deleted: [{ level: 1, id: 10 }, { level: 1, id: 11 }], added: [{ level: 2, meta: meta(13) }] });
    const h = harness(fs, vs);
    deleteObsoleteFiles(h.ctx);
    expect(h.removed).toEqual([]);
    expect(h.blobsRemoved).toEqual([]);
    pinned.unref();
    deleteObsoleteFiles(h.ctx);
    expect(h.removed.sort()).toEqual([tableFileName(10), tableFileName(11)]);
    expect(h.blobsRemoved).toEqual([12]);
  });

  it('deletes no table or blob file while the manifest is unsettled (a failed edit may name them)', () => {
    const { fs, vs } = store();
    touch(fs, tableFileName(13), blobFileName(14), logFileName(3), '000031.tmp');
    vs.close(); // as after a failed manifest write: no manifest in use
    expect(vs.manifestSettled).toBe(false);
    const h = harness(fs, vs);
    deleteObsoleteFiles(h.ctx);
    expect(h.removed.sort()).toEqual([logFileName(3), '000031.tmp'].sort());
    expect(h.blobsRemoved).toEqual([]);
  });

  it('works without a block cache, and does nothing when the directory cannot be listed', () => {
    const { fs, vs } = store();
    touch(fs, tableFileName(13));
    const h = harness(fs, vs, { withCache: false });
    deleteObsoleteFiles(h.ctx);
    expect(h.removed).toEqual([tableFileName(13)]);
    const broken = harness(fs, vs);
    broken.ctx = { ...broken.ctx, dir: '/missing' };
    expect(() => deleteObsoleteFiles(broken.ctx)).not.toThrow();
    expect(broken.removed).toEqual([]);
  });

  it('hands every doomed name to one remove() call, and none when nothing is obsolete', () => {
    const { fs, vs } = store();
    let calls = 0;
    const h = harness(fs, vs);
    const inner = h.ctx.remove;
    h.ctx.remove = (names) => {
      calls++;
      inner(names);
    };
    deleteObsoleteFiles(h.ctx);
    expect(calls).toBe(0);
    touch(fs, tableFileName(13), logFileName(2));
    deleteObsoleteFiles(h.ctx);
    expect(calls).toBe(1);
    expect(h.removed.sort()).toEqual([logFileName(2), tableFileName(13)]);
  });
});

describe('openVersions', () => {
  const open = (fs: MemFs, o: TreeOptions = {}) => openVersions(fs, DIR, resolveOptions({ fs, ...o }));

  function empty(): MemFs {
    const fs = new MemFs();
    fs.createDirAll(DIR);
    return fs;
  }

  it('creates a store in an empty directory, removing a crashed creation\'s numbered leftovers but not the lock or foreign files', () => {
    const fs = empty();
    touch(fs, tableFileName(5), logFileName(6), manifestFileName(7), '000008.tmp', LOCK, 'README');
    const { versions, logs } = open(fs);
    expect(logs).toEqual([]);
    expect(fs.readDir(DIR).sort()).toEqual(['CURRENT', LOCK, manifestFileName(2), 'README'].sort());
    expect(versions.nextFileNumber).toBe(3);
    versions.close();
  });

  it('returns the logs at or above the manifest\'s log number, ascending, and moves the counter past every file', () => {
    const fs = empty();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    vs.logAndApply({ logNumber: 9 });
    vs.close();
    touch(fs, logFileName(12), logFileName(8), logFileName(9), logFileName(10), tableFileName(40));
    // A file system that lists in no particular order (as a real directory may).
    const shuffled = new Proxy(fs, {
      get: (target, key) => (key === 'readDir' ? (dir: string) => target.readDir(dir).reverse() : (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target)),
    });
    const { versions, logs } = openVersions(shuffled, DIR, resolveOptions({ fs: shuffled }));
    expect(logs).toEqual([9, 10, 12]);
    // recover() starts manifest 41 (past table 40), so the next number is 42.
    expect(versions.nextFileNumber).toBe(42);
    versions.close();
  });

  it('refuses an incomplete checkpoint, a missing store without createIfMissing, an existing one with errorIfExists', () => {
    const fs = empty();
    touch(fs, CHECKPOINT_MARKER);
    expect(() => open(fs)).toThrow(expect.objectContaining({ code: 'LSM_CORRUPTION', message: expect.stringContaining('an incomplete checkpoint') }));
    expect(() => open(fs)).toThrow(`${DIR}/${CHECKPOINT_MARKER}`);
    expect(() => open(fs, { readOnly: true })).toThrow(expect.objectContaining({ code: 'LSM_CORRUPTION' }));
    const none = empty();
    expect(() => open(none, { createIfMissing: false })).toThrow(expect.objectContaining({ code: 'LSM_INVALID_ARGUMENT', message: `no store at ${DIR} (createIfMissing is false)` }));
    expect(none.readDir(DIR)).toEqual([]);
    expect(() => open(none, { readOnly: true })).toThrow(expect.objectContaining({ code: 'LSM_NOT_FOUND' }));
    expect(none.readDir(DIR)).toEqual([]);
    const { versions } = open(none);
    versions.close();
    expect(() => open(none, { errorIfExists: true })).toThrow(expect.objectContaining({ code: 'LSM_INVALID_ARGUMENT', message: `a store already exists at ${DIR} (errorIfExists is true)` }));
  });

  it('a leftover that cannot be removed keeps its number: the counter moves past it', () => {
    const mem = empty();
    // Table 3 is the number the new store would hand out first (after manifest 2).
    touch(mem, tableFileName(5), tableFileName(3));
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'remove', path: tableFileName(3), fault: { type: 'error', code: 'EACCES' } });
    const { versions, logs } = openVersions(fs, DIR, resolveOptions({ fs }));
    expect(mem.exists(`${DIR}/${tableFileName(5)}`)).toBe(false);
    expect(mem.exists(`${DIR}/${tableFileName(3)}`)).toBe(true);
    expect(versions.nextFileNumber).toBe(4);
    expect(logs).toEqual([]);
    versions.close();
  });

  it('read-only: recovers without writing or removing anything', () => {
    const fs = empty();
    VersionSet.create(fs, DIR, bytewiseComparator).close();
    touch(fs, logFileName(3), '000004.tmp');
    const before = fs.readDir(DIR).sort();
    const { versions, logs } = open(fs, { readOnly: true });
    expect(logs).toEqual([3]);
    expect(fs.readDir(DIR).sort()).toEqual(before);
    expect(versions.nextFileNumber).toBe(5);
  });
});
