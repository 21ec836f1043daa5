// The version set on its own (MemFs, no store): what recover() rebuilds from a manifest,
// what it refuses, the file-number counter, manifest rotation and removal, a failed
// manifest write leaving memory unchanged, blob-file bookkeeping, the history horizon,
// and version pinning. Each case checks exact state, so that a wrong counter, a
// forgotten field or a deleted file the store still needs fails here in milliseconds.

import type { TableMeta } from '@lsm/compaction';
import { type Comparator, CorruptionError, InvalidArgumentError, NotSupportedError, bytewiseComparator } from '@lsm/base';
import { FaultFs, MemFs, readFile, writeFile } from '@lsm/fs';
import { FileKind } from '@lsm/encryption';
import { describe, expect, it } from 'vitest';
import { thrown, trackHandles } from './helpers.js';
import { CURRENT, blobFileName, manifestFileName, tableFileName } from '../src/file-names.js';
import { startLog } from '../src/log/log-encryption.js';
import { readManifestEdits } from '../src/versions/manifest-reader.js';
import { encodeVersionEdit, type VersionEdit } from '../src/versions/version-edit.js';
import { VersionSet } from '../src/versions/version-set.js';
import { NUM_LEVELS, Version, applyToVersion, compareL0 } from '../src/versions/version.js';

const DIR = '/db';
const enc = new TextEncoder();
const k = (s: string): Uint8Array => enc.encode(s);

function meta(id: number, smallest: string, largest: string, extra: Partial<TableMeta> = {}): TableMeta {
  return { id, size: 100 * id, smallest: k(smallest), largest: k(largest), smallestSeqno: id, largestSeqno: id + 1, entries: 2, tombstones: 0, rangeTombstones: 0, ...extra };
}

function freshFs(): MemFs {
  const fs = new MemFs();
  fs.createDirAll(DIR);
  return fs;
}

/** Creates the (empty) files a manifest names, as a flush or compaction would have. */
function touch(fs: MemFs, ...names: string[]): void {
  for (const n of names) writeFile(fs, `${DIR}/${n}`, new Uint8Array(1));
}

const manifests = (fs: MemFs): string[] => fs.readDir(DIR).filter((n) => n.startsWith('MANIFEST-')).sort();
const currentName = (fs: MemFs): string => new TextDecoder().decode(readFile(fs, `${DIR}/${CURRENT}`));
const levelIds = (v: Version): number[][] => v.levels.map((l) => l.map((t) => t.id));

/** Writes a manifest holding exactly `edits` and points CURRENT at it. */
function writeManifest(fs: MemFs, number: number, edits: VersionEdit[]): void {
  const w = startLog(fs.open(`${DIR}/${manifestFileName(number)}`, { write: true, create: true, truncate: true }), number, FileKind.Manifest, undefined, false);
  for (const e of edits) w.addRecord(encodeVersionEdit(e));
  w.sync();
  w.close();
  writeFile(fs, `${DIR}/${CURRENT}`, enc.encode(`${manifestFileName(number)}\n`));
}

describe('VersionSet.create and recover', () => {
  it('a new store: manifest 2, CURRENT names it, counters start at 0 and file numbers at 3', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    expect(manifests(fs)).toEqual([manifestFileName(2)]);
    expect(currentName(fs)).toBe(`${manifestFileName(2)}\n`);
    expect(vs.manifestNumber).toBe(2);
    expect(vs.nextFileNumber).toBe(3);
    expect(vs.logNumber).toBe(0);
    expect(vs.lastSeqno).toBe(0);
    expect(vs.historyHorizon).toBe(0);
    expect(vs.current.levels.length).toBe(NUM_LEVELS);
    expect(vs.current.tableIds()).toEqual([]);
    expect(vs.manifestSettled).toBe(true);
    expect(VersionSet.exists(fs, DIR)).toBe(true);
    expect(VersionSet.exists(fs, '/elsewhere')).toBe(false);
    vs.close();
    expect(vs.manifestSettled).toBe(false);
  });

  it('recover rebuilds levels, counters, merge operator and blob files exactly, in a fresh manifest', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator, 'counterAdd');
    const ids = [vs.newFileNumber(), vs.newFileNumber(), vs.newFileNumber(), vs.newFileNumber()];
    expect(ids).toEqual([3, 4, 5, 6]);
    touch(fs, ...ids.map(tableFileName), blobFileName(6));
    vs.logAndApply({ logNumber: 7, lastSeqno: 40, added: [{ level: 0, meta: meta(3, 'a', 'm') }, { level: 0, meta: meta(4, 'c', 'z', { largestSeqno: 30 }) }] });
    vs.logAndApply({
      lastSeqno: 55,
      historyHorizon: 12,
      added: [{ level: 2, meta: meta(5, 'b', 'k', { blobRefs: new Map([[6, 10]]) }) }],
      addedBlobs: [{ id: 6, fileSize: 50, recordCount: 1, recordBytes: 10 }],
    });
    expect(vs.lastSeqno).toBe(55);
    expect(vs.logNumber).toBe(7);
    vs.close();

    const back = VersionSet.recover(fs, DIR, bytewiseComparator, 'counterAdd');
    expect(levelIds(back.current)).toEqual([[4, 3], [], [5], [], [], [], []]);
    expect(back.current.levels[2]![0]!.blobRefs).toEqual(new Map([[6, 10]]));
    expect(back.logNumber).toBe(7);
    expect(back.lastSeqno).toBe(55);
    expect(back.historyHorizon).toBe(12);
    expect(back.mergeOperatorName).toBe('counterAdd');
    expect([...back.blobFiles.values()]).toEqual([{ id: 6, fileSize: 50, recordCount: 1, recordBytes: 10 }]);
    // Manifest 2, tables 3-6: the new manifest is 7 and CURRENT names it; 2 stays for the
    // store's obsolete-file pass (recover never deletes what an earlier process wrote).
    expect(back.manifestNumber).toBe(7);
    expect(back.nextFileNumber).toBe(8);
    expect(manifests(fs)).toEqual([manifestFileName(2), manifestFileName(7)]);
    expect(currentName(fs)).toBe(`${manifestFileName(7)}\n`);
    back.close();

    // And the rewritten manifest's snapshot holds the same state.
    const again = VersionSet.recover(fs, DIR, bytewiseComparator);
    expect(levelIds(again.current)).toEqual([[4, 3], [], [5], [], [], [], []]);
    expect([again.logNumber, again.lastSeqno, again.historyHorizon, again.mergeOperatorName]).toEqual([7, 55, 12, 'counterAdd']);
    again.close();
  });

  it('read-only recover writes nothing and cannot log an edit', () => {
    const fs = freshFs();
    VersionSet.create(fs, DIR, bytewiseComparator).close();
    const before = fs.readDir(DIR).sort();
    const ro = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect(fs.readDir(DIR).sort()).toEqual(before);
    expect(ro.manifestSettled).toBe(false);
    expect(ro.manifestNumber).toBe(0);
  });

  it('moves the file counter past every numbered file in the directory, and past the manifest', () => {
    const fs = freshFs();
    VersionSet.create(fs, DIR, bytewiseComparator).close();
    touch(fs, tableFileName(41), 'notes.txt', '000099.tmp');
    const vs = VersionSet.recover(fs, DIR, bytewiseComparator);
    // The new manifest takes 100 (past the temp file 99), the next file 101.
    expect(vs.manifestNumber).toBe(100);
    expect(vs.nextFileNumber).toBe(101);
    vs.close();
    // A manifest numbered above the recorded counter (a crash between writing it and its edit).
    const fs2 = freshFs();
    writeManifest(fs2, 9, [{ comparator: bytewiseComparator.name, nextFileNumber: 4, logNumber: 0, lastSeqno: 0 }]);
    const vs2 = VersionSet.recover(fs2, DIR, bytewiseComparator);
    expect(vs2.manifestNumber).toBe(10);
    expect(vs2.nextFileNumber).toBe(11);
    vs2.close();
  });

  it('keeps the largest history horizon of the manifest; a manifest without one gets the last seqno', () => {
    const fs = freshFs();
    const base = { comparator: bytewiseComparator.name, nextFileNumber: 5, logNumber: 0, lastSeqno: 80 };
    writeManifest(fs, 3, [{ ...base, historyHorizon: 20 }, { historyHorizon: 50 }, { historyHorizon: 30 }]);
    const vs = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect(vs.historyHorizon).toBe(50);
    expect(vs.lastSeqno).toBe(80);
    // A later edit's horizon does not count as tracking: only the snapshot record says so.
    writeManifest(fs, 3, [base, { historyHorizon: 10 }]);
    expect(VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true).historyHorizon).toBe(80);
    writeManifest(fs, 3, [{ ...base, historyHorizon: 0 }]);
    expect(VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true).historyHorizon).toBe(0);
  });

  it('takes the last value of each counter over the edits', () => {
    const fs = freshFs();
    writeManifest(fs, 3, [
      { comparator: bytewiseComparator.name, nextFileNumber: 5, logNumber: 2, lastSeqno: 10, historyHorizon: 0 },
      { nextFileNumber: 8, logNumber: 6, lastSeqno: 33 },
      { lastSeqno: 35 },
    ]);
    const vs = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect([vs.nextFileNumber, vs.logNumber, vs.lastSeqno]).toEqual([8, 6, 35]);
  });

  it('refuses a CURRENT that does not name a manifest, or names a missing one, or an unreadable one', () => {
    const fs = freshFs();
    VersionSet.create(fs, DIR, bytewiseComparator).close();
    const name = currentName(fs);
    // Without its newline, or with anything after the name, CURRENT was not written whole.
    for (const bad of [name.trimEnd(), `${name.trimEnd()}9`, '000002.log\n', 'MANIFEST-x\n', '', `${name}\n`]) {
      writeFile(fs, `${DIR}/${CURRENT}`, enc.encode(bad));
      const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
      expect(err, JSON.stringify(bad)).toBeInstanceOf(CorruptionError);
      expect(err.message).toContain('CURRENT does not name a manifest');
      expect(err.message).toContain(`${DIR}/CURRENT`);
    }
    writeFile(fs, `${DIR}/${CURRENT}`, enc.encode(`${manifestFileName(77)}\n`));
    const missing = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect(missing).toBeInstanceOf(CorruptionError);
    expect(missing.message).toContain('CURRENT names a manifest that does not exist');
    expect(missing.message).toContain(manifestFileName(77));

    writeFile(fs, `${DIR}/${CURRENT}`, enc.encode(name));
    const faulty = new FaultFs(fs);
    faulty.addRule({ op: 'read', path: 'MANIFEST', fault: { type: 'error', code: 'EIO' } });
    const io = thrown(() => VersionSet.recover(faulty, DIR, bytewiseComparator));
    expect((io as { code?: string }).code).toBe('LSM_IO');
    expect(io.message).toContain(`reading ${DIR}/${name.trimEnd()}`);
    const noCurrent = freshFs();
    const io2 = thrown(() => VersionSet.recover(noCurrent, DIR, bytewiseComparator));
    expect((io2 as { code?: string }).code).toBe('LSM_IO');
    expect(io2.message).toContain(`reading ${DIR}/CURRENT`);
  });

  it('refuses a manifest without a complete snapshot edit', () => {
    const cases: VersionEdit[][] = [
      [],
      [{ nextFileNumber: 4, logNumber: 0, lastSeqno: 0 }],
      [{ comparator: bytewiseComparator.name, logNumber: 0, lastSeqno: 0 }],
    ];
    for (const edits of cases) {
      const fs = freshFs();
      writeManifest(fs, 3, edits);
      const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
      expect(err).toBeInstanceOf(CorruptionError);
      expect(err.message).toContain('manifest holds no complete snapshot edit');
    }
  });

  it('refuses a manifest naming a missing table or blob file, or a blob file no edit records', () => {
    const base = { comparator: bytewiseComparator.name, nextFileNumber: 20, logNumber: 0, lastSeqno: 9 };
    const fs = freshFs();
    writeManifest(fs, 3, [{ ...base, added: [{ level: 1, meta: meta(11, 'a', 'b') }] }]);
    const t = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect(t).toBeInstanceOf(CorruptionError);
    expect(t.message).toContain(`the manifest names table ${tableFileName(11)}, which is missing`);

    const fs2 = freshFs();
    touch(fs2, tableFileName(11));
    writeManifest(fs2, 3, [{ ...base, added: [{ level: 1, meta: meta(11, 'a', 'b', { blobRefs: new Map([[12, 5]]) }) }] }]);
    const b = thrown(() => VersionSet.recover(fs2, DIR, bytewiseComparator));
    expect(b.message).toContain(`tables point at blob file ${blobFileName(12)}, which the manifest does not record`);

    writeManifest(fs2, 3, [{ ...base, added: [{ level: 1, meta: meta(11, 'a', 'b', { blobRefs: new Map([[12, 5]]) }) }], addedBlobs: [{ id: 12, fileSize: 9, recordCount: 1, recordBytes: 5 }] }]);
    const m = thrown(() => VersionSet.recover(fs2, DIR, bytewiseComparator));
    expect(m.message).toContain(`the manifest names blob file ${blobFileName(12)}, which is missing`);
    touch(fs2, blobFileName(12));
    const ok = VersionSet.recover(fs2, DIR, bytewiseComparator, undefined, undefined, true);
    expect(levelIds(ok.current)[1]).toEqual([11]);
    // A blob file recorded and then deleted by a later edit is not required.
    fs2.removeFile(`${DIR}/${blobFileName(12)}`);
    writeManifest(fs2, 3, [{ ...base, addedBlobs: [{ id: 12, fileSize: 9, recordCount: 1, recordBytes: 5 }] }, { deletedBlobs: [12] }]);
    expect([...VersionSet.recover(fs2, DIR, bytewiseComparator, undefined, undefined, true).blobFiles.keys()]).toEqual([]);
  });

  it('an edit that breaks the version invariants is corruption at its offset', () => {
    const fs = freshFs();
    touch(fs, tableFileName(11), tableFileName(12));
    writeManifest(fs, 3, [
      { comparator: bytewiseComparator.name, nextFileNumber: 20, logNumber: 0, lastSeqno: 9, added: [{ level: 1, meta: meta(11, 'a', 'f') }] },
      { added: [{ level: 1, meta: meta(12, 'e', 'g') }] },
    ]);
    const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('tables 11 and 12 overlap in L1');
    expect((err as CorruptionError & { offset: number }).offset).toBeGreaterThan(0);
  });

  it('refuses another comparator or another merge operator, and keeps the recorded operator name', () => {
    const fs = freshFs();
    VersionSet.create(fs, DIR, bytewiseComparator, 'counterAdd').close();
    const other: Comparator = { name: 'reverse', compare: (a, b) => bytewiseComparator.compare(b, a) };
    const c = thrown(() => VersionSet.recover(fs, DIR, other));
    expect(c).toBeInstanceOf(InvalidArgumentError);
    expect(c.message).toBe(`the store was created with comparator '${bytewiseComparator.name}', not 'reverse'`);
    const m = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator, 'appendWithSeparator'));
    expect(m).toBeInstanceOf(InvalidArgumentError);
    expect(m.message).toContain("merge operator 'counterAdd', not 'appendWithSeparator'");
    // Opening without a merge operator is allowed (reads only need one for merges); the name stays recorded.
    const vs = VersionSet.recover(fs, DIR, bytewiseComparator);
    expect(vs.mergeOperatorName).toBe('counterAdd');
    vs.close();
    // A store that never recorded one takes the one it is opened with.
    const fs2 = freshFs();
    VersionSet.create(fs2, DIR, bytewiseComparator).close();
    const vs2 = VersionSet.recover(fs2, DIR, bytewiseComparator, 'counterAdd');
    expect(vs2.mergeOperatorName).toBe('counterAdd');
    vs2.close();
    expect(VersionSet.recover(fs2, DIR, bytewiseComparator, undefined, undefined, true).mergeOperatorName).toBe('counterAdd');
  });
});

describe('VersionSet.logAndApply', () => {
  it('records the file counter, log number and last seqno with every edit; the seqno never goes back', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    vs.newFileNumber();
    vs.logAndApply({ logNumber: 3, lastSeqno: 100 });
    vs.logAndApply({ lastSeqno: 60 });
    expect(vs.lastSeqno).toBe(100);
    vs.logAndApply({});
    expect([vs.logNumber, vs.lastSeqno]).toEqual([3, 100]);
    // What a recovery from the appended records (before any rewrite) sees: read-only.
    const ro = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect([ro.nextFileNumber, ro.logNumber, ro.lastSeqno]).toEqual([4, 3, 100]);
  });

  it('returns and installs the new version; deletions and additions apply in one step', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    const v1 = vs.logAndApply({ added: [{ level: 0, meta: meta(3, 'a', 'c') }, { level: 0, meta: meta(4, 'b', 'd') }] });
    expect(vs.current).toBe(v1);
    expect(levelIds(v1)[0]).toEqual([4, 3]);
    const v2 = vs.logAndApply({ deleted: [{ level: 0, id: 3 }, { level: 0, id: 4 }], added: [{ level: 1, meta: meta(5, 'a', 'd') }] });
    expect(levelIds(v2)).toEqual([[], [5], [], [], [], [], []]);
    expect(levelIds(v1)[0]).toEqual([4, 3]);
  });

  it('a bad edit changes nothing and writes nothing', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    vs.logAndApply({ added: [{ level: 1, meta: meta(3, 'a', 'c') }] });
    const size = fs.metadata(`${DIR}/${manifestFileName(2)}`).size;
    const cur = vs.current;
    expect(() => vs.logAndApply({ lastSeqno: 9, added: [{ level: 1, meta: meta(4, 'b', 'z') }] })).toThrow('tables 3 and 4 overlap in L1');
    expect(() => vs.logAndApply({ deleted: [{ level: 2, id: 3 }] })).toThrow('version edit deletes table 3 which is not in L2');
    expect(() => vs.logAndApply({ added: [{ level: 7, meta: meta(4, 'x', 'y') }] })).toThrow('version edit adds to level 7, beyond L6');
    expect(() => vs.logAndApply({ deleted: [{ level: 9, id: 3 }] })).toThrow('version edit deletes from level 9, beyond L6');
    expect(vs.current).toBe(cur);
    expect(vs.lastSeqno).toBe(0);
    expect(fs.metadata(`${DIR}/${manifestFileName(2)}`).size).toBe(size);
  });

  it('a failed manifest write restores every counter, abandons the manifest, and the next edit starts a new one', () => {
    const mem = freshFs();
    const fs = new FaultFs(mem);
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    expect([vs.newFileNumber(), vs.newFileNumber(), vs.newFileNumber()]).toEqual([3, 4, 5]);
    touch(mem, tableFileName(3), tableFileName(4), blobFileName(5));
    vs.logAndApply({ logNumber: 2, lastSeqno: 10, historyHorizon: 4, added: [{ level: 0, meta: meta(3, 'a', 'b') }] });
    const cur = vs.current;
    const rule = fs.addRule({ op: 'sync', path: 'MANIFEST', fault: { type: 'error', code: 'EIO' } });
    const err = thrown(() =>
      vs.logAndApply({ logNumber: 6, lastSeqno: 20, historyHorizon: 9, added: [{ level: 0, meta: meta(4, 'c', 'd', { blobRefs: new Map([[5, 1]]) }) }], addedBlobs: [{ id: 5, fileSize: 3, recordCount: 1, recordBytes: 1 }] }),
    );
    expect((err as { code?: string }).code).toBe('LSM_IO');
    expect(err.message).toContain('writing a version edit to the manifest');
    expect(rule.fired).toBe(1);
    expect(vs.current).toBe(cur);
    expect([vs.logNumber, vs.lastSeqno, vs.historyHorizon]).toEqual([2, 10, 4]);
    expect(vs.blobFiles.size).toBe(0);
    expect(vs.manifestSettled).toBe(false);
    // The next edit writes a fresh manifest (number 6: 2 was the first, 3-5 were taken), and CURRENT moves to it.
    vs.logAndApply({ lastSeqno: 30 });
    expect(vs.manifestSettled).toBe(true);
    expect(vs.manifestNumber).toBe(6);
    expect(currentName(mem)).toBe(`${manifestFileName(6)}\n`);
    expect(manifests(mem)).toEqual([manifestFileName(6)]);
    vs.close();
    const back = VersionSet.recover(mem, DIR, bytewiseComparator, undefined, undefined, true);
    expect(levelIds(back.current)[0]).toEqual([3]);
    expect([back.logNumber, back.lastSeqno, back.historyHorizon]).toEqual([2, 30, 4]);
  });

  it('a manifest that cannot be started leaves CURRENT and the old manifest in place', () => {
    const mem = freshFs();
    const fs = new FaultFs(mem);
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    vs.close();
    fs.addRule({ op: 'rename', fault: { type: 'error', code: 'EIO' } });
    const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect((err as { code?: string }).code).toBe('LSM_IO');
    expect(err.message).toContain('writing manifest');
    expect(currentName(mem)).toBe(`${manifestFileName(2)}\n`);
    expect(manifests(mem)).toContain(manifestFileName(2));
  });

  it('starts a new manifest once the live one passes 4 MiB; the state survives the switch', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    // Each edit carries a table with 64 KiB keys; adding and deleting it keeps one table live.
    const big = 'k'.repeat(65_000);
    let id = 0;
    const seen = new Set<number>([vs.manifestNumber]);
    for (let i = 0; i < 80; i++) {
      const next = vs.newFileNumber();
      touch(fs, tableFileName(next));
      vs.logAndApply({ lastSeqno: i + 1, deleted: id === 0 ? [] : [{ level: 1, id }], added: [{ level: 1, meta: meta(next, big, `${big}z`) }] });
      id = next;
      seen.add(vs.manifestNumber);
      const ms = manifests(fs);
      expect(ms.length).toBe(1);
      expect(currentName(fs)).toBe(`${ms[0]}\n`);
      expect(fs.metadata(`${DIR}/${ms[0]}`).size).toBeLessThan((4 << 20) + 200_000);
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    vs.close();
    const back = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect(levelIds(back.current)[1]).toEqual([id]);
    expect(back.lastSeqno).toBe(80);
  });

  it('retires blob files no table points at in the same edit, and keeps the ones still referenced', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    touch(fs, tableFileName(3), tableFileName(4), blobFileName(7), blobFileName(8));
    vs.logAndApply({
      added: [{ level: 1, meta: meta(3, 'a', 'b', { blobRefs: new Map([[7, 5]]) }) }, { level: 1, meta: meta(4, 'c', 'd', { blobRefs: new Map([[8, 5]]) }) }],
      addedBlobs: [{ id: 7, fileSize: 9, recordCount: 1, recordBytes: 5 }, { id: 8, fileSize: 9, recordCount: 1, recordBytes: 5 }],
    });
    expect([...vs.blobFiles.keys()].sort()).toEqual([7, 8]);
    vs.logAndApply({ deleted: [{ level: 1, id: 3 }] });
    expect([...vs.blobFiles.keys()]).toEqual([8]);
    expect([...vs.liveBlobIds()]).toEqual([8]);
    const ro = VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true);
    expect([...ro.blobFiles.keys()]).toEqual([8]);
    // A blob file added with no table pointing at it yet is retired at once.
    vs.logAndApply({ addedBlobs: [{ id: 9, fileSize: 1, recordCount: 0, recordBytes: 0 }] });
    expect([...vs.blobFiles.keys()]).toEqual([8]);
  });
});

describe('versions pinned by readers', () => {
  it('a referenced version stays live (its tables and blob files counted) until its last reference goes', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    const dropped: Version[] = [];
    vs.onDropped = (v) => dropped.push(v);
    touch(fs, blobFileName(9));
    const v1 = vs.logAndApply({
      added: [{ level: 1, meta: meta(3, 'a', 'b', { blobRefs: new Map([[9, 1]]) }) }],
      addedBlobs: [{ id: 9, fileSize: 2, recordCount: 1, recordBytes: 1 }],
    });
    expect(dropped.length).toBe(1); // the empty first version, not pinned
    v1.ref();
    v1.ref();
    const v2 = vs.logAndApply({ deleted: [{ level: 1, id: 3 }], added: [{ level: 1, meta: meta(4, 'a', 'b') }] });
    expect([...vs.liveTableIds()].sort()).toEqual([3, 4]);
    expect([...vs.blobFiles.keys()]).toEqual([]);
    expect([...vs.liveBlobIds()]).toEqual([9]);
    expect(dropped.length).toBe(1);
    v1.unref();
    expect(v1.referenced).toBe(true);
    expect(dropped.length).toBe(1);
    v1.unref();
    expect(v1.referenced).toBe(false);
    expect(dropped).toEqual([expect.any(Version), v1]);
    expect([...vs.liveTableIds()]).toEqual([4]);
    expect([...vs.liveBlobIds()]).toEqual([]);
    expect(vs.current).toBe(v2);
  });

  it('adopt installs another set state without writing, keeping pinned versions live', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    const pinned = vs.logAndApply({ added: [{ level: 1, meta: meta(3, 'a', 'b') }] });
    pinned.ref();
    const fs2 = freshFs();
    const other = VersionSet.create(fs2, DIR, bytewiseComparator);
    touch(fs2, blobFileName(8));
    other.logAndApply({
      logNumber: 5,
      lastSeqno: 70,
      historyHorizon: 6,
      added: [{ level: 2, meta: meta(7, 'c', 'd', { blobRefs: new Map([[8, 1]]) }) }],
      addedBlobs: [{ id: 8, fileSize: 2, recordCount: 1, recordBytes: 1 }],
    });
    const names = fs.readDir(DIR).sort();
    const size = fs.metadata(`${DIR}/${manifestFileName(2)}`).size;
    const v = vs.adopt(other);
    expect(vs.current).toBe(v);
    expect(levelIds(v)).toEqual(levelIds(other.current));
    expect([vs.logNumber, vs.lastSeqno, vs.nextFileNumber, vs.historyHorizon]).toEqual([5, 70, other.nextFileNumber, 6]);
    expect([...vs.blobFiles.keys()]).toEqual([8]);
    expect([...vs.liveTableIds()].sort()).toEqual([3, 7]);
    expect(fs.readDir(DIR).sort()).toEqual(names);
    expect(fs.metadata(`${DIR}/${manifestFileName(2)}`).size).toBe(size);
    // The last seqno and the horizon never go back.
    const older = VersionSet.create(freshFs(), DIR, bytewiseComparator);
    vs.adopt(older);
    expect([vs.lastSeqno, vs.historyHorizon, vs.logNumber]).toEqual([70, 6, 0]);
  });
});

describe('applyToVersion', () => {
  const cmp = bytewiseComparator;
  const empty = new Version(Array.from({ length: NUM_LEVELS }, () => []));

  it('orders L0 newest first (largest seqno, then id) and other levels by smallest key', () => {
    const v = applyToVersion(empty, cmp, [], [
      { level: 0, meta: meta(3, 'a', 'z', { largestSeqno: 5 }) },
      { level: 0, meta: meta(4, 'a', 'z', { largestSeqno: 9 }) },
      { level: 0, meta: meta(6, 'a', 'z', { largestSeqno: 5 }) },
      { level: 3, meta: meta(7, 'm', 'n') },
      { level: 3, meta: meta(8, 'a', 'b') },
      { level: 3, meta: meta(9, 'c', 'd') },
    ]);
    expect(levelIds(v)[0]).toEqual([4, 6, 3]);
    expect(levelIds(v)[3]).toEqual([8, 9, 7]);
    expect(compareL0(meta(1, 'a', 'b', { largestSeqno: 2 }), meta(2, 'a', 'b', { largestSeqno: 2 }))).toBeGreaterThan(0);
    expect(compareL0(meta(1, 'a', 'b', { largestSeqno: 3 }), meta(2, 'a', 'b', { largestSeqno: 2 }))).toBeLessThan(0);
  });

  it('tables of a level may touch only across an exclusive bound', () => {
    const touching = [{ level: 1, meta: meta(3, 'a', 'c') }, { level: 1, meta: meta(4, 'c', 'e') }];
    expect(() => applyToVersion(empty, cmp, [], touching)).toThrow('tables 3 and 4 overlap in L1');
    const v = applyToVersion(empty, cmp, [], [{ level: 1, meta: meta(3, 'a', 'c', { largestExclusive: true }) }, { level: 1, meta: meta(4, 'c', 'e') }]);
    expect(levelIds(v)[1]).toEqual([3, 4]);
    // L0 tables may overlap.
    expect(levelIds(applyToVersion(empty, cmp, [], touching.map((t) => ({ ...t, level: 0 }))))[0]).toEqual([4, 3]);
  });

  it('fills a short level list up to every level and never changes the base', () => {
    const short = new Version([[meta(3, 'a', 'b')]]);
    const v = applyToVersion(short, cmp, [], [{ level: 6, meta: meta(4, 'a', 'b') }]);
    expect(v.levels.length).toBe(NUM_LEVELS);
    expect(levelIds(v)[6]).toEqual([4]);
    expect(short.levels.length).toBe(1);
    const v2 = applyToVersion(v, cmp, [{ level: 0, id: 3 }], []);
    expect(levelIds(v2)[0]).toEqual([]);
    expect(levelIds(v)[0]).toEqual([3]);
  });

  it('a version lists its table ids and bytes per level', () => {
    const v = applyToVersion(empty, cmp, [], [{ level: 0, meta: meta(3, 'a', 'b') }, { level: 2, meta: meta(5, 'a', 'b') }, { level: 2, meta: meta(6, 'c', 'd') }]);
    expect(v.tableIds()).toEqual([3, 5, 6]);
    expect(v.levelBytes()).toEqual([300, 0, 1100, 0, 0, 0, 0]);
  });
});

describe('VersionSet: more exact cases', () => {
  it('quotes at most 40 characters of a bad CURRENT', () => {
    const fs = freshFs();
    VersionSet.create(fs, DIR, bytewiseComparator).close();
    writeFile(fs, `${DIR}/${CURRENT}`, enc.encode(`${'a'.repeat(40)}${'q'.repeat(30)}\n`));
    const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect(err.message).toContain(JSON.stringify('a'.repeat(40)));
    expect(err.message).not.toContain('q');
  });

  it('a later edit without a merge operator keeps the recorded one', () => {
    const fs = freshFs();
    writeManifest(fs, 3, [{ comparator: bytewiseComparator.name, mergeOperator: 'counterAdd', nextFileNumber: 5, logNumber: 0, lastSeqno: 0 }, { lastSeqno: 4 }]);
    expect(VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true).mergeOperatorName).toBe('counterAdd');
    expect(() => VersionSet.recover(fs, DIR, bytewiseComparator, 'other', undefined, true)).toThrow(InvalidArgumentError);
  });

  it('never reuses the number of a file sitting exactly at the recorded counter', () => {
    const fs = freshFs();
    writeManifest(fs, 3, [{ comparator: bytewiseComparator.name, nextFileNumber: 4, logNumber: 0, lastSeqno: 0 }]);
    touch(fs, tableFileName(4));
    const vs = VersionSet.recover(fs, DIR, bytewiseComparator);
    expect(vs.manifestNumber).toBe(5);
    expect(vs.nextFileNumber).toBe(6);
    vs.close();
  });

  it('a directory that cannot be listed is an LSM_IO error naming it', () => {
    const mem = freshFs();
    VersionSet.create(mem, DIR, bytewiseComparator).close();
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'readDir', fault: { type: 'error', code: 'EIO' } });
    const err = thrown(() => VersionSet.recover(fs, DIR, bytewiseComparator));
    expect((err as { code?: string }).code).toBe('LSM_IO');
    expect(err.message).toContain(`listing ${DIR}`);
  });

  it('closes the manifest it replaces, and the one it failed to start', () => {
    const mem = freshFs();
    const { fs, open } = trackHandles(mem);
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    const big = 'k'.repeat(65_000);
    let prev = 0;
    for (let i = 0; i < 70; i++) {
      const id = vs.newFileNumber();
      touch(mem, tableFileName(id));
      vs.logAndApply({ added: [{ level: 0, meta: meta(id, big, big) }], deleted: prev === 0 ? [] : [{ level: 0, id: prev }] });
      prev = id;
    }
    expect(vs.manifestNumber).not.toBe(2);
    expect([...open]).toEqual([`${DIR}/${manifestFileName(vs.manifestNumber)}`]);
    vs.close();
    expect([...open]).toEqual([]);

    const faulty = new FaultFs(mem);
    const tracked = trackHandles(faulty);
    faulty.addRule({ op: 'sync', path: 'MANIFEST', fault: { type: 'error', code: 'EIO' } });
    expect(() => VersionSet.recover(tracked.fs, DIR, bytewiseComparator)).toThrow(expect.objectContaining({ code: 'LSM_IO' }));
    expect([...tracked.open]).toEqual([]);
  });

  it('records the retired blob files, and only those, in the edit that retires them', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    touch(fs, tableFileName(3), blobFileName(7));
    vs.logAndApply({ added: [{ level: 1, meta: meta(3, 'a', 'b', { blobRefs: new Map([[7, 5]]) }) }], addedBlobs: [{ id: 7, fileSize: 9, recordCount: 1, recordBytes: 5 }] });
    vs.logAndApply({ lastSeqno: 3 });
    vs.logAndApply({ deleted: [{ level: 1, id: 3 }] });
    const records: VersionEdit[] = [];
    const data = readFile(fs, `${DIR}/${manifestFileName(2)}`);
    readManifestEdits(data, manifestFileName(2), 2, undefined, DIR, (e) => records.push(e));
    expect(records.map((r) => r.deletedBlobs)).toEqual([undefined, undefined, undefined, [7]]);
  });

  it('raises the history horizon only upwards, and keeps it through edits without one', () => {
    const fs = freshFs();
    const vs = VersionSet.create(fs, DIR, bytewiseComparator);
    vs.logAndApply({ historyHorizon: 10 });
    vs.logAndApply({ historyHorizon: 5 });
    expect(vs.historyHorizon).toBe(10);
    vs.logAndApply({});
    expect(vs.historyHorizon).toBe(10);
    vs.logAndApply({ historyHorizon: 12 });
    expect(vs.historyHorizon).toBe(12);
    vs.close();
    expect(VersionSet.recover(fs, DIR, bytewiseComparator, undefined, undefined, true).historyHorizon).toBe(12);
  });

  it('deletes the named table from a level, not another', () => {
    const empty = new Version(Array.from({ length: NUM_LEVELS }, () => []));
    const v = applyToVersion(empty, bytewiseComparator, [], [{ level: 2, meta: meta(3, 'a', 'b') }, { level: 2, meta: meta(4, 'c', 'd') }, { level: 2, meta: meta(5, 'e', 'f') }]);
    expect(levelIds(applyToVersion(v, bytewiseComparator, [{ level: 2, id: 4 }], []))[2]).toEqual([3, 5]);
    expect(levelIds(applyToVersion(v, bytewiseComparator, [{ level: 2, id: 5 }], []))[2]).toEqual([3, 4]);
  });
});

describe('readManifestEdits', () => {
  function threeRecords(fs: MemFs, middle: Uint8Array): Uint8Array {
    const path = `${DIR}/${manifestFileName(3)}`;
    const w = startLog(fs.open(path, { write: true, create: true, truncate: true }), 3, FileKind.Manifest, undefined, false);
    w.addRecord(encodeVersionEdit({ comparator: bytewiseComparator.name, nextFileNumber: 5, logNumber: 0, lastSeqno: 1 }));
    w.addRecord(middle);
    w.addRecord(encodeVersionEdit({ lastSeqno: 9 }));
    w.sync();
    w.close();
    return readFile(fs, path);
  }

  it('a record of a newer format: thrown without onUnsupported, reported and skipped with it', () => {
    const fs = freshFs();
    const data = threeRecords(fs, new Uint8Array([2, 1, 40, 1]));
    const seen: number[] = [];
    const err = thrown(() => readManifestEdits(data, 'M3', 3, undefined, DIR, (e) => seen.push(e.lastSeqno ?? -1)));
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(seen).toEqual([1]);
    seen.length = 0;
    const unsupported: [string, number][] = [];
    readManifestEdits(data, 'M3', 3, undefined, DIR, (e) => seen.push(e.lastSeqno ?? -1), { onUnsupported: (e, offset) => unsupported.push([(e as unknown as { code: string }).code, offset]) });
    expect(seen).toEqual([1, 9]);
    expect(unsupported.length).toBe(1);
    expect(unsupported[0]![0]).toBe('LSM_NOT_SUPPORTED');
    expect(unsupported[0]![1]).toBeGreaterThan(0);
  });

  it('a damaged edit is thrown even when onUnsupported is given', () => {
    const fs = freshFs();
    const data = threeRecords(fs, new Uint8Array([2]));
    const err = thrown(() => readManifestEdits(data, 'M3', 3, undefined, DIR, () => {}, { onUnsupported: () => {} }));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('bad log number');
  });

  it('a damaged record: thrown without onDamage, reported and skipped with it', () => {
    const fs = freshFs();
    const data = threeRecords(fs, encodeVersionEdit({ lastSeqno: 5, logNumber: 2 }));
    // Flip a payload byte of the middle record (its checksum no longer matches): records
    // are a 7-byte header and the payload, the first one at offset 0.
    const bad = data.slice();
    const first = encodeVersionEdit({ comparator: bytewiseComparator.name, nextFileNumber: 5, logNumber: 0, lastSeqno: 1 }).length;
    const mid = 7 + first + 7 + 1;
    bad[mid] = bad[mid]! ^ 0x40;
    const seen: number[] = [];
    expect(() => readManifestEdits(bad, 'M3', 3, undefined, DIR, (e) => seen.push(e.lastSeqno ?? -1))).toThrow(CorruptionError);
    seen.length = 0;
    const damage: number[] = [];
    readManifestEdits(bad, 'M3', 3, undefined, DIR, (e) => seen.push(e.lastSeqno ?? -1), { onDamage: (offset) => damage.push(offset) });
    expect(seen).toEqual([1, 9]);
    expect(damage.length).toBe(1);
    // The undamaged manifest reads whole.
    seen.length = 0;
    readManifestEdits(data, 'M3', 3, undefined, DIR, (e) => seen.push(e.lastSeqno ?? -1));
    expect(seen).toEqual([1, 5, 9]);
  });
});
