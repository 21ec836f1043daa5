// Fuzzing the store-level checks, tree.verify() and salvageStore(), on damaged stores.
// Four small closed stores on MemFs (seeded puts, deletions and range deletions over
// several flushed tables on two levels, plus unflushed writes left in the write-ahead
// log; plain, zstd with encryption and blob files, zstd, and blob files) have one file --
// a table, a blob file, the log, the manifest or CURRENT -- damaged by 1-4 mutations
// (@lsm/fuzz-kit's, half of them moved to a uniformly drawn position). What they promise:
// - verify: the store is opened read-only (it may refuse with LSM_CORRUPTION) and
//   verify() returns a report, never throws. The pair counts as one decoder: a store that
//   opens and verifies clean is "accepted"; one that does not open, or whose report has a
//   problem, counts as LSM_CORRUPTION. Undamaged input is accepted. Damage the checksums
//   must catch (any change to a table or blob file, whose whole-file XXH64 and size are
//   recorded; changed bytes of a log or manifest record followed by a valid record, or of
//   the manifest's complete last record outside its length field) is reported, naming the
//   damaged file; damage to a table or log is reported against that file only (a blob
//   file's, against it and the pointers into it).
// - salvage: salvageStore never throws on a damaged store (its typed errors are for a
//   missing source, a wrong comparator or key, and target I/O), never copies a value that
//   was not written for its key, and copies exactly the right value (or nothing, for a
//   deleted key) for every key whose newest write is in an undamaged file. For the
//   others: a stale value from a damaged table is counted uncertain and lies in a key
//   range reported for that table; a damaged blob file's value is copied right or not at
//   all; a damaged log may leave an older version (documented). The copy opens and
//   verifies clean.
// Each call runs in Fuzzed.decode (2 s hang limit, allocation limit; counters printed at
// the end). Found by it (regression tests in encryption.test.ts, salvage.test.ts,
// verify.test.ts and @lsm/sstable's salvage.test.ts): an encrypted manifest with a
// damaged magic was taken for a plaintext one (Tree.open and salvage refused the store
// with LSM_INVALID_ARGUMENT); a table salvaged without its footer and with its data
// blocks damaged gave its index entries as data (values never written); with its
// properties damaged, its intact index was discarded, and damage to its last data block
// went unreported (stale values not counted uncertain); and, in the allocation figures,
// tableVerify took 1 MiB per table.

import { CorruptionError, ValueType, isLsmError } from '@lsm/base';
import { FileKind, KeyRing } from '@lsm/encryption';
import { MemFs, readFile, writeFile } from '@lsm/fs';
import { Table, decodeBlobPointer } from '@lsm/sstable';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Leveled, type SalvageReport, type StoreProblemKind, type TreeOptions, type VerifyReport, Tree, salvageStore } from '../src/index.js';
import { openLog } from '../src/log/log-encryption.js';
import { LOG_HEADER_SIZE } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { OP_DELETE_RANGE, visitBatch } from '../src/write/batch-codec.js';
import { fraction, FUZZ_TIMEOUT, Fuzzed, mutate, type Mutation, mutations, params, sameBytes } from './fuzz-helpers.js';
import { Rng, hex, keyOf, valueOf } from './helpers.js';

const fz = {
  verify: new Fuzzed('engine verify: read-only Tree.open + tree.verify() of a damaged store'),
  salvage: new Fuzzed('engine salvage: salvageStore of a damaged store (never throws)'),
};
/** What the inputs exercised, beyond the decoders' counters. */
const tally = { mustDetect: 0, cleanSame: 0, salvageDamaged: 0, staleUncertain: 0, blobLost: 0, logOlder: 0, manifestNotIntact: 0 };
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
  console.log(
    `fuzz engine verify/salvage: ${tally.mustDetect} verify inputs with damage the checksums must catch; salvage: ${tally.salvageDamaged} damaged inputs, ` +
      `${tally.staleUncertain} stale values counted uncertain, ${tally.blobLost} blob values lost, ${tally.logOlder} older versions after a damaged log, ` +
      `${tally.manifestNotIntact} salvages that read every file (manifest damaged), ${tally.cleanSame} of a store that verifies clean`,
  );
});

const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 7) & 0xff);
const KEYS = 240;

type FileKindName = 'table' | 'blob' | 'log' | 'manifest' | 'current';

/** Where a key's newest write lives in the store's files. */
interface Holder {
  seqno: number;
  /** Files holding the write (a point entry, or a range tombstone covering the key). */
  files: Set<string>;
  deleted: boolean;
  /** The blob file number, when the newest write is a value separated into a blob file. */
  blob?: number;
}

interface Image {
  name: string;
  opts: TreeOptions;
  files: Map<string, Uint8Array>;
  manifest: string;
  /** Offset of the manifest's last record. */
  lastRecord: number;
  /** Per log: the offset of its last record. */
  logLast: Map<string, number>;
  byKind: Record<FileKindName, string[]>;
  /** Every value written for each key (hex). */
  written: Map<string, Set<string>>;
  /** Each key's newest write: its value (hex), or undefined for a deletion. */
  newest: Map<string, string | undefined>;
  holders: Map<string, Holder>;
  total: number;
}

/** A store at /db with several tables on two levels, deletions, range deletions, and writes only in the log. */
function makeImage(name: string, seed: number, opts: TreeOptions): Image {
  const fs = new MemFs();
  const tree = Tree.open('/db', { fs, blockSize: 256, autoCompaction: false, compression: 'none', compaction: new Leveled({ targetTableSize: 2048 }), ...opts });
  const rng = new Rng(seed);
  const written = new Map<string, Set<string>>();
  const newest = new Map<string, string | undefined>();
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < (round === rounds - 1 ? 60 : 110); i++) {
      const r = rng.next();
      const pick = (): number => (rng.int(KEYS) + i * 37 + round * 101) % KEYS;
      if (r < 0.03) {
        const a = pick() % (KEYS - 12);
        const b = a + 1 + rng.int(10);
        tree.deleteRange(keyOf(a), keyOf(b));
        for (let k = a; k < b; k++) if (newest.has(hex(keyOf(k)))) newest.set(hex(keyOf(k)), undefined);
      } else if (r < 0.18) {
        const k = hex(keyOf(pick()));
        tree.delete(Buffer.from(k, 'hex'));
        newest.set(k, undefined);
      } else {
        const k = keyOf(pick());
        const v = valueOf(rng, 8 + rng.int(rng.chance(0.3) ? 200 : 60));
        tree.put(k, v);
        newest.set(hex(k), hex(v));
        if (!written.has(hex(k))) written.set(hex(k), new Set());
        written.get(hex(k))!.add(hex(v));
      }
    }
    if (round < rounds - 1) tree.flush(); // the last round stays in the log
    if (round === 1) tree.compact();
  }
  tree.close();
  const keys = opts.encryption === undefined ? undefined : new KeyRing(opts.encryption);
  const files = new Map<string, Uint8Array>();
  for (const n of fs.readDir('/db')) files.set(n, readFile(fs, `/db/${n}`));
  const manifest = new TextDecoder().decode(files.get('CURRENT')).trim();
  const lastRecord = lastRecordOf(files.get(manifest)!, manifest, FileKind.Manifest, keys);
  const names = [...files.keys()].filter((n) => n !== 'LOCK').sort();
  const byKind: Record<FileKindName, string[]> = {
    table: names.filter((n) => n.endsWith('.sst')),
    blob: names.filter((n) => n.endsWith('.blob')),
    log: names.filter((n) => n.endsWith('.log')),
    manifest: [manifest],
    current: ['CURRENT'],
  };
  // Nothing but the live files: so a salvage that reads every file of the directory
  // (the manifest damaged) brings back nothing obsolete.
  expect(names.length, names.join(' ')).toBe(byKind.table.length + byKind.blob.length + byKind.log.length + 2);

  const holders = new Map<string, Holder>();
  const note = (k: string, seqno: number, file: string, deleted: boolean, blob?: number): void => {
    const h = holders.get(k);
    if (h === undefined || seqno > h.seqno) holders.set(k, { seqno, files: new Set([file]), deleted, ...(blob === undefined ? {} : { blob }) });
    else if (seqno === h.seqno) h.files.add(file);
  };
  const cover = (start: Uint8Array, end: Uint8Array, seqno: number, file: string): void => {
    for (const k of newest.keys()) if (k >= hex(start) && k < hex(end)) note(k, seqno, file, true);
  };
  for (const t of byKind.table) {
    const table = Table.open(fs, `/db/${t}`, keys === undefined ? {} : { encryption: keys, fileNumber: Number.parseInt(t, 10) });
    const it = table.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) {
      const type = it.type();
      note(hex(it.userKey()), it.seqno(), t, type !== ValueType.Value && type !== ValueType.Indirection, type === ValueType.Indirection ? decodeBlobPointer(it.value()).fileId : undefined);
    }
    it.close();
    for (const rt of table.rangeTombstones()) cover(rt.start, rt.end, rt.seqno, t);
    table.close();
  }
  const logLast = new Map<string, number>();
  for (const l of byKind.log) {
    const last = lastRecordOf(files.get(l)!, l, FileKind.WriteAheadLog, keys, (rec, offset) =>
      visitBatch(rec, l, offset, (seqno, type, key, value) => {
        if (type === OP_DELETE_RANGE) cover(key, value, seqno, l);
        else note(hex(key), seqno, l, type !== ValueType.Value);
      }),
    );
    logLast.set(l, last);
  }
  // The files agree with the model: each key's newest entry is its newest write.
  for (const [k, v] of newest) {
    const h = holders.get(k);
    if (h === undefined) expect(v, `key ${k}: its value is in no file`).toBeUndefined();
    else expect(h.deleted, `key ${k}`).toBe(v === undefined);
  }
  expect(byKind.table.length).toBeGreaterThan(2);
  expect(byKind.log).toHaveLength(1);
  let total = 0;
  for (const b of files.values()) total += b.length;
  return { name, opts, files, manifest, lastRecord, logLast, byKind, written, newest, holders, total };
}

/** The offset of the last record of a log or manifest (records after the encryption header, if any), calling `onRecord` with each. */
function lastRecordOf(data: Uint8Array, name: string, kind: number, keys: KeyRing | undefined, onRecord?: (rec: Uint8Array, offset: number) => void): number {
  const n = Number.parseInt(name.replace(/^MANIFEST-/, ''), 10);
  const crypt = openLog(data, `/db/${name}`, kind, n, keys, '/db')!;
  let last = -1;
  let end = -1;
  readLog(
    data,
    `/db/${name}`,
    n,
    (rec, offset) => {
      last = offset;
      end = offset + LOG_HEADER_SIZE + rec.length + (crypt.cipher === undefined ? 0 : 16);
      onRecord?.(rec, offset);
    },
    { cipher: crypt.cipher, start: crypt.start },
  );
  // One fragment, ending the file (what the manifest's strict-tail rule is about).
  expect(last).toBeGreaterThan(0);
  expect(end, name).toBe(data.length);
  return last;
}

/** A MemFs holding the image at /db with `file` replaced by `bytes`. */
function fsWith(img: Image, file: string, bytes: Uint8Array): MemFs {
  const fs = new MemFs();
  fs.createDirAll('/db');
  for (const [name, data] of img.files) writeFile(fs, `/db/${name}`, name === file ? bytes : data);
  return fs;
}

const encryptionOf = (img: Image): Pick<TreeOptions, 'encryption'> => (img.opts.encryption === undefined ? {} : { encryption: img.opts.encryption });

const KINDS: readonly StoreProblemKind[] = ['missing-file', 'table-corrupt', 'table-metadata', 'blob-corrupt', 'blob-metadata', 'blob-reference', 'manifest-corrupt', 'log-corrupt', 'unsupported', 'io'];

/** True when a problem names a file of the store, or (missing-file) one a damaged manifest still lists. */
function names(img: Image, p: { file: string; kind: StoreProblemKind }): boolean {
  return img.files.has(p.file) || (p.kind === 'missing-file' && /^\d{6,}\.(sst|blob|log)$/.test(p.file));
}

/** Offsets where `bad` differs from `good` (same length), or undefined when the lengths differ. */
function changedAt(good: Uint8Array, bad: Uint8Array): number[] | undefined {
  if (good.length !== bad.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < good.length; i++) if (good[i] !== bad[i]) out.push(i);
  return out;
}

/**
 * True when the damage is one the checksums must catch: any change to a table or blob
 * file (their size and whole-file XXH64 are recorded); for a log, changed bytes (same
 * length) before its last record, which stays valid after them; for the manifest, the
 * same, or changed bytes of its complete last record outside its length field (the
 * manifest is read with a strict tail).
 */
function mustDetect(img: Image, kind: FileKindName, file: string, good: Uint8Array, bad: Uint8Array): boolean {
  if (sameBytes(good, bad)) return false;
  if (kind === 'table' || kind === 'blob') return true;
  const at = changedAt(good, bad);
  if (at === undefined) return false;
  if (kind === 'log') return at.every((i) => i < img.logLast.get(file)!);
  if (kind === 'manifest') {
    const last = img.lastRecord;
    let allZero = true;
    for (let i = last; i < bad.length; i++) if (bad[i] !== 0) allZero = false;
    return !allZero && at.every((i) => i < last || (i !== last + 4 && i !== last + 5));
  }
  return false;
}

let lastReport: VerifyReport | undefined;

/**
 * The store with `file` replaced by `bytes`, opened read-only and verified. Returns the
 * (clean) report; throws LSM_CORRUPTION when the store does not open, or when verify
 * reports problems (naming `file` when a problem names it); any throw of verify fails.
 */
function verifyDamaged(img: Image, file: string, bytes: Uint8Array, walRecovery: 'strict' | 'salvage', mustCatch: boolean): VerifyReport | undefined {
  lastReport = undefined;
  const fs = fsWith(img, file, bytes);
  return fz.verify.decode(
    img.total,
    () => {
      const tree = Tree.open('/db', { fs, readOnly: true, walRecovery, ...encryptionOf(img) });
      let report: VerifyReport;
      try {
        report = tree.verify();
      } catch (err) {
        throw new Error(`verify() threw (it must report damage, not throw): ${String(err)}`, { cause: err });
      } finally {
        tree.close();
      }
      lastReport = report;
      if (report.problems.length > 0) {
        const named = report.problems.find((p) => p.file === file) ?? report.problems[0]!;
        throw new CorruptionError(`/db/${named.file}`, named.offset ?? 0, `verify: ${named.kind}: ${named.message}`);
      }
      return report;
    },
    mustCatch ? { damaged: true, file: `/db/${file}` } : {},
  );
}

/** Salvages the store with `file` replaced by `bytes` into /out; checks the copy opens and verifies clean; returns the report and its contents. */
function salvageDamaged(img: Image, file: string, bytes: Uint8Array): { report: SalvageReport; out: Map<string, string> } {
  const fs = fsWith(img, file, bytes);
  const got = fz.salvage.decode(img.total, () => {
    let report: SalvageReport;
    try {
      report = salvageStore('/db', '/out', { fs, ...encryptionOf(img) });
    } catch (err) {
      throw new Error(`salvageStore threw on a damaged store: ${isLsmError(err) ? `${err.code} ` : ''}${String(err)}`, { cause: err });
    }
    const copy = Tree.open('/out', { fs, readOnly: true, ...encryptionOf(img) });
    try {
      const v = copy.verify();
      expect(v.problems, 'the salvaged copy must verify clean').toEqual([]);
      const out = new Map<string, string>();
      for (const [k, val] of copy.range()) out.set(hex(k), hex(val));
      return { report, out };
    } finally {
      copy.close();
    }
  });
  expect(got).toBeDefined();
  return got!;
}

/** The contents of the store with `file` replaced by `bytes`, when it opens read-only and verifies clean. */
function readIfClean(img: Image, file: string, bytes: Uint8Array): Map<string, string> | undefined {
  let tree: Tree;
  try {
    tree = Tree.open('/db', { fs: fsWith(img, file, bytes), readOnly: true, ...encryptionOf(img) });
  } catch (err) {
    if (isLsmError(err, 'LSM_CORRUPTION')) return undefined;
    throw err;
  }
  try {
    if (!tree.verify().ok) return undefined;
    const out = new Map<string, string>();
    for (const [k, v] of tree.range()) out.set(hex(k), hex(v));
    return out;
  } finally {
    tree.close();
  }
}

/** The salvage contract for `file` damaged (kind `kind`), given what salvage returned. */
function checkSalvage(img: Image, kind: FileKindName, file: string, good: Uint8Array, bad: Uint8Array, report: SalvageReport, out: Map<string, string>): void {
  expect(report.copied).toBe(out.size);
  for (const [k, v] of out) expect(img.written.get(k)?.has(v), `key ${k}: the copy holds a value never written for it`).toBe(true);
  const changed = !sameBytes(good, bad);
  // A damaged manifest that still reads as intact (a cut or extended tail) may be an older
  // version, which salvage cannot tell apart: only the check above applies then.
  const anyVersion = kind === 'manifest' && changed && report.sources.manifest === 'intact';
  const blobId = kind === 'blob' ? Number.parseInt(file, 10) : -1;
  let stale = 0;
  for (const [k, want] of img.newest) {
    const got = out.get(k);
    if (got === want) continue;
    const h = img.holders.get(k);
    const where = `key ${Buffer.from(k, 'hex').toString()} (${file} damaged): got ${got}, want ${want}`;
    if (anyVersion) continue;
    if (h !== undefined && h.files.has(file)) {
      // The newest write was in the damaged file.
      if (kind === 'table') {
        expect(report.problems.some((p) => p.file === file), where).toBe(true);
        if (got !== undefined) {
          stale++;
          tally.staleUncertain++;
          const inRange = report.problems.some(
            (p) => p.file === file && p.keys !== undefined && (p.keys.from === undefined || hex(p.keys.from) <= k) && (p.keys.to === undefined || k <= hex(p.keys.to)),
          );
          expect(inRange, `${where}: a stale value outside every key range reported for ${file}`).toBe(true);
        }
      } else if (kind === 'log') {
        // Lost log records cannot be placed: an older version may come back, not counted (README).
        tally.logOlder++;
      } else {
        expect.fail(`${where}: the damaged ${kind} held its newest write`);
      }
      continue;
    }
    if (h !== undefined && h.blob === blobId && got === undefined) {
      // Its value was in the damaged blob file: lost, and counted.
      tally.blobLost++;
      expect(report.problems.some((p) => p.file === file && p.kind !== 'manifest-corrupt'), where).toBe(true);
      continue;
    }
    expect.fail(`${where}: its newest write is in an undamaged file`);
  }
  expect(report.uncertainKeys, 'every stale value from a damaged table is counted uncertain').toBeGreaterThanOrEqual(stale);
  if (!changed) {
    expect(report.problems).toEqual([]);
    expect(report.lostEntries).toBe(0);
    expect(report.uncertainKeys).toBe(0);
  }
}

let images: Image[] = [];
beforeAll(() => {
  images = [
    makeImage('plain', 1, {}),
    makeImage('zstd, encrypted, blob files', 2, { compression: 'zstd', encryption: { key: KEY }, kvSeparation: { minValueSize: 64 } }),
    makeImage('zstd', 3, { compression: 'zstd' }),
    makeImage('blob files', 4, { kvSeparation: { minValueSize: 64 } }),
  ];
});

/** A damaged file: which image, which kind of file, which one, and how. */
const damage = fc.record({
  img: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom<FileKindName>('table', 'table', 'table', 'blob', 'blob', 'log', 'log', 'manifest', 'manifest', 'current'),
  which: fc.nat(),
  ms: mutations,
  /** Per mutation: its own position (mostly the ends of the file), or one anywhere. */
  at: fc.array(fc.option(fraction, { freq: 2, nil: undefined }), { minLength: 4, maxLength: 4 }),
  /** For logs and the manifest: keep the mutations before the last record (no truncation). */
  inBody: fc.boolean(),
});

interface Damage {
  img: Image;
  kind: FileKindName;
  file: string;
  good: Uint8Array;
  bad: Uint8Array;
}

function apply(d: { img: number; kind: FileKindName; which: number; ms: Mutation[]; at: (number | undefined)[]; inBody: boolean }): Damage {
  const img = images[d.img]!;
  const kind = img.byKind[d.kind].length === 0 ? 'table' : d.kind;
  const list = img.byKind[kind];
  const file = list[d.which % list.length]!;
  const good = img.files.get(file)!;
  let ms: Mutation[] = d.ms.map((m, i) => ('at' in m && d.at[i] !== undefined ? { ...m, at: d.at[i] } : m));
  const end = kind === 'log' ? img.logLast.get(file)! : kind === 'manifest' ? img.lastRecord : 0;
  if (d.inBody && end > 0) ms = ms.filter((m) => m.kind !== 'truncate' && m.kind !== 'extend' && m.kind !== 'splice').map((m) => ('at' in m ? { ...m, at: (m.at * (end - 1)) / good.length } : m));
  return { img, kind, file, good, bad: mutate(good, ms) };
}

describe('fuzz: verify and salvage of damaged stores', { timeout: FUZZ_TIMEOUT }, () => {
  it('the undamaged stores verify clean and salvage exactly', () => {
    for (const img of images) {
      const r = verifyDamaged(img, 'CURRENT', img.files.get('CURRENT')!, 'strict', false);
      expect(r?.ok, img.name).toBe(true);
      expect(r!.checked.tables).toBe(img.byKind.table.length);
      expect(r!.checked.blobFiles).toBe(img.byKind.blob.length);
      expect(r!.checked.logs).toBe(1);
      const good = img.files.get('CURRENT')!;
      const { report, out } = salvageDamaged(img, 'CURRENT', good);
      checkSalvage(img, 'current', 'CURRENT', good, good, report, out);
      expect(report.sources.manifest).toBe('intact');
      expect(out.size).toBeGreaterThan(50);
    }
    for (const img of [images[1]!, images[3]!]) {
      expect(img.byKind.blob.length).toBeGreaterThan(0);
      expect([...img.holders.values()].some((h) => h.blob !== undefined)).toBe(true);
    }
  });

  it('verify: never throws; reports the damage the checksums must catch, naming the file', () => {
    fc.assert(
      fc.property(damage, fc.boolean(), (d, strict) => {
        const { img, kind, file, good, bad } = apply(d);
        const must = mustDetect(img, kind, file, good, bad);
        if (must) tally.mustDetect++;
        const r = verifyDamaged(img, file, bad, strict ? 'strict' : 'salvage', must);
        if (sameBytes(good, bad)) expect(r?.ok, 'undamaged input must verify clean').toBe(true);
        const report = lastReport;
        if (report !== undefined && report.problems.length > 0) {
          expect(report.ok).toBe(false);
          for (const p of report.problems) {
            expect(KINDS).toContain(p.kind);
            expect(typeof p.message).toBe('string');
            expect(names(img, p), `a problem naming ${p.file}`).toBe(true);
            // Damage to a table or log is that file's; to a blob file, also the pointers into it.
            if (kind === 'table' || kind === 'log') expect(p.file, JSON.stringify(p)).toBe(file);
            if (kind === 'blob') expect(p.file === file || (p.file.endsWith('.sst') && p.kind === 'blob-reference'), JSON.stringify(p)).toBe(true);
          }
        }
      }),
      params(1500),
    );
  });

  it('salvage: never throws, never a value not written, exact where the newest write survived; the copy verifies', () => {
    fc.assert(
      fc.property(damage, (d) => {
        const { img, kind, file, good, bad } = apply(d);
        const { report, out } = salvageDamaged(img, file, bad);
        if (!sameBytes(good, bad)) tally.salvageDamaged++;
        if (report.sources.manifest !== 'intact') tally.manifestNotIntact++;
        checkSalvage(img, kind, file, good, bad, report, out);
        if (kind === 'log' && mustDetect(img, kind, file, good, bad)) {
          expect(report.problems.some((p) => p.file === file && p.kind === 'log-corrupt'), 'log damage before the last record must be reported').toBe(true);
        }
        for (const p of report.problems) {
          expect(KINDS).toContain(p.kind);
          expect(names(img, p), `a problem naming ${p.file}`).toBe(true);
        }
        // A store that opens and verifies clean (the damage is one no check can see, such
        // as a torn log tail) salvages to exactly what it reads, with nothing lost.
        const clean = readIfClean(img, file, bad);
        if (clean !== undefined) {
          tally.cleanSame++;
          expect(report.lostEntries).toBe(0);
          expect(out).toEqual(clean);
        }
      }),
      params(600),
    );
  });
});
