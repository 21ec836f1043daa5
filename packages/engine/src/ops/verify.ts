// verify: checks every file an open store depends on, and reports what is wrong instead
// of stopping at the first problem. Reads only (through the store's Fs and keys); never
// writes, so it runs on a read-only open too.
//
// - Tables (every table of the version): tableVerify of @lsm/sstable (every block's
//   checksum and structure, key order within the table, the counts and key bounds its
//   properties record, the whole-file XXH64), then what the manifest records for the
//   table (size, key bounds, seqno range, entry / tombstone / range-tombstone counts)
//   against the table itself. (That the tables of a level >= 1 are disjoint is not
//   checked here: every version is, as applying a manifest edit refuses overlaps, so a
//   store whose manifest records them does not open; a table whose keys leave its recorded
//   bounds is a table-metadata problem.)
// - Blob pointers (Indirection entries): each must name a blob file the manifest records,
//   lie inside its record region, and the record it names must check out (checksum, key,
//   decryption, decompression).
// - Blob files (recorded or pointed at): header, footer, whole-file XXH64, every record,
//   and the manifest's size and counts for them.
// - The manifest CURRENT names: every record's checksum and decoding, to its end (a torn
//   last record, as a crash leaves, is not a problem, as at open).
// - Every live write-ahead log (numbered at or above the manifest's log number): every
//   record's checksum, authentication and batch decoding. A torn tail of the newest log
//   is what a crash leaves and is not a problem; damage with valid records after it is,
//   and so is a torn tail of an older log.
// - Files the store refers to and that are missing.

import type { Fs } from '@lsm/fs';
import { type TableMeta, tableMetaFromProperties } from '@lsm/compaction';
import { type Comparator, CorruptionError, ValueType, isLsmError, toIoError } from '@lsm/base';
import { FileKind, type KeyRing } from '@lsm/encryption';
import { BlobFileReader, type BlobPointer, decodeBlobPointer, tableVerify } from '@lsm/sstable';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import { CURRENT, blobFileName, logFileName, parseFileName, tableFileName } from '../file-names.js';
import { openLog } from '../log/log-encryption.js';
import { readLog } from '../log/log-reader.js';
import { visitBatch } from '../write/batch-codec.js';
import { readManifestEdits } from '../versions/manifest-reader.js';
import type { Version } from '../versions/version.js';

/** What kind of problem verify (or salvage) found. */
export type StoreProblemKind =
  /** A file the store refers to does not exist. */
  | 'missing-file'
  /** A table's bytes are damaged: a block checksum, its structure, its own properties. */
  | 'table-corrupt'
  /** What the manifest records for a table disagrees with the table. */
  | 'table-metadata'
  /** A blob file's bytes are damaged (header, footer, checksum, a record). */
  | 'blob-corrupt'
  /** What the manifest records for a blob file disagrees with the file. */
  | 'blob-metadata'
  /** A table's blob pointer names no recorded blob file, or lies outside its records. */
  | 'blob-reference'
  /** CURRENT or the manifest is damaged. */
  | 'manifest-corrupt'
  /** A write-ahead log is damaged (in the middle, or a torn tail of a log that is not the newest). */
  | 'log-corrupt'
  /** Well-formed data this build cannot read (a newer format). */
  | 'unsupported'
  /** The file could not be read (an I/O error other than a missing file). */
  | 'io';

/** One problem: the file (its name in the store directory), where, what. */
export interface StoreProblem {
  /** File name in the store's directory (e.g. `000012.sst`, `MANIFEST-000005`, `CURRENT`). */
  file: string;
  /** Byte offset of the damaged structure, where one applies. */
  offset?: number;
  kind: StoreProblemKind;
  message: string;
  /** Salvage: bytes of the file skipped at `offset`, when known. */
  length?: number;
  /** Salvage: entries lost with this problem, when known ('unknown' when not). */
  lostEntries?: number | 'unknown';
}

/** What tree.verify() found. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  problems: StoreProblem[];
  checked: {
    /** Table files verified (present ones). */
    tables: number;
    /** Blob files verified (present ones). */
    blobFiles: number;
    /** Write-ahead logs read. */
    logs: number;
    /** Manifest records read. */
    manifestRecords: number;
    /** Point entries of the tables plus operations of the logs' batches. */
    entries: number;
    /** Bytes of the files checked. */
    bytes: number;
  };
}

/** Options of tree.verify(). */
export interface VerifyOptions {
  /**
   * Called as files are checked: `done` of `total` bytes (the sizes of the files to check,
   * known up front). Called at the start (0) and after each file.
   */
  onProgress?: (done: number, total: number) => void;
}

/** What verifyStore needs of the store. */
export interface VerifyTarget {
  fs: Fs;
  dir: string;
  comparator: Comparator;
  keys: KeyRing | undefined;
  /** The version to check (referenced by the caller for the duration). */
  version: Version;
  /** The blob files the manifest records. */
  blobFiles: ReadonlyMap<number, BlobFileMeta>;
  /** Logs numbered below this are obsolete. */
  logNumber: number;
  /** Logs the store is using (a writable store's), checked to exist. */
  activeLogs: readonly number[];
}

/** Checks the store described by `t`; see the top of this file. */
export function verifyStore(t: VerifyTarget, opts: VerifyOptions = {}): VerifyReport {
  return new StoreVerifier(t, opts).run();
}

/** Turns a thrown error into a problem of `kind` (corruption) or 'unsupported' / 'io'. */
function problemOf(file: string, err: unknown, kind: StoreProblemKind, offset?: number): StoreProblem {
  if (isLsmError(err, 'LSM_NOT_SUPPORTED')) return { file, ...(offset === undefined ? {} : { offset }), kind: 'unsupported', message: err.message };
  if (err instanceof CorruptionError) return { file, offset: err.offset, kind, message: err.message };
  if (isLsmError(err, 'LSM_INVALID_ARGUMENT')) return { file, ...(offset === undefined ? {} : { offset }), kind, message: err.message };
  if ((err as { code?: string }).code === 'ENOENT' || isLsmError(err, 'LSM_NOT_FOUND')) return { file, kind: 'missing-file', message: `${file} is missing` };
  if (isLsmError(err)) return { file, ...(offset === undefined ? {} : { offset }), kind: 'io', message: err.message };
  const io = toIoError(err, `reading ${file}`);
  return { file, ...(offset === undefined ? {} : { offset }), kind: 'io', message: (io as Error).message };
}

class StoreVerifier {
  private readonly problems: StoreProblem[] = [];
  private readonly seen = new Set<string>();
  private readonly checked = { tables: 0, blobFiles: 0, logs: 0, manifestRecords: 0, entries: 0, bytes: 0 };
  private readonly blobReaders = new Map<number, BlobFileReader | null>();
  private done = 0;
  private total = 0;

  constructor(
    private readonly t: VerifyTarget,
    private readonly opts: VerifyOptions,
  ) {}

  private path(name: string): string {
    return `${this.t.dir}/${name}`;
  }

  private add(p: StoreProblem): void {
    const key = `${p.file}@${p.offset ?? ''}@${p.kind}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push(p);
  }

  private sizeOf(name: string): number {
    try {
      return this.t.fs.metadata(this.path(name)).size;
    } catch {
      return 0;
    }
  }

  private progress(bytes: number): void {
    this.done += bytes;
    this.opts.onProgress?.(Math.min(this.done, this.total), this.total);
  }

  run(): VerifyReport {
    const t = this.t;
    const tables: { level: number; meta: TableMeta }[] = [];
    t.version.levels.forEach((level, i) => level.forEach((meta) => tables.push({ level: i, meta })));
    const blobIds = new Set<number>(t.blobFiles.keys());
    for (const { meta } of tables) for (const id of meta.blobRefs?.keys() ?? []) blobIds.add(id);
    const logs = this.liveLogs();
    let manifestName: string | undefined;
    try {
      manifestName = this.manifestName();
    } catch (err) {
      this.add(problemOf(CURRENT, err, 'manifest-corrupt'));
    }
    // Sizes up front, for the progress callback.
    this.total =
      tables.reduce((s, x) => s + x.meta.size, 0) +
      [...blobIds].reduce((s, id) => s + (t.blobFiles.get(id)?.fileSize ?? this.sizeOf(blobFileName(id))), 0) +
      (manifestName === undefined ? 0 : this.sizeOf(manifestName)) +
      logs.reduce((s, n) => s + this.sizeOf(logFileName(n)), 0);
    this.opts.onProgress?.(0, this.total);
    try {
      if (manifestName !== undefined) this.checkManifest(manifestName);
      for (const id of [...blobIds].sort((a, b) => a - b)) this.checkBlobFile(id);
      for (const { level, meta } of tables) this.checkTable(level, meta);
      const newest = logs.length === 0 ? -1 : logs[logs.length - 1]!;
      for (const n of logs) this.checkLog(n, n === newest);
    } finally {
      for (const r of this.blobReaders.values()) r?.close();
    }
    return { ok: this.problems.length === 0, problems: this.problems, checked: { ...this.checked } };
  }

  /** The live logs: on disk at or above the log number, plus those the store uses. */
  private liveLogs(): number[] {
    const t = this.t;
    const logs = new Set<number>();
    try {
      for (const name of t.fs.readDir(t.dir)) {
        const p = parseFileName(name);
        if (p?.kind === 'log' && p.number >= t.logNumber) logs.add(p.number);
      }
    } catch (err) {
      this.add(problemOf('.', err, 'io'));
    }
    for (const n of t.activeLogs) if (n > 0 && n >= t.logNumber) logs.add(n);
    return [...logs].sort((a, b) => a - b);
  }

  private manifestName(): string {
    const bytes = this.readWhole(CURRENT);
    const name = new TextDecoder().decode(bytes);
    const parsed = name.endsWith('\n') ? parseFileName(name.slice(0, -1)) : undefined;
    if (parsed?.kind !== 'manifest') throw new CorruptionError(this.path(CURRENT), 0, `CURRENT does not name a manifest: ${JSON.stringify(name.slice(0, 40))}`);
    return name.slice(0, -1);
  }

  private readWhole(name: string): Uint8Array {
    const f = this.t.fs.open(this.path(name), { read: true });
    try {
      const size = f.size();
      const buf = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const n = f.read(buf.subarray(done), done);
        if (n === 0) break;
        done += n;
      }
      return done === size ? buf : buf.subarray(0, done);
    } finally {
      f.close();
    }
  }

  private checkManifest(name: string): void {
    const t = this.t;
    const path = this.path(name);
    let data: Uint8Array;
    try {
      data = this.readWhole(name);
    } catch (err) {
      this.add(problemOf(name, err, 'manifest-corrupt'));
      return;
    }
    const number = parseFileName(name)!.number;
    try {
      readManifestEdits(
        data,
        path,
        number,
        t.keys,
        t.dir,
        () => {
          this.checked.manifestRecords++;
        },
        {
          onUnsupported: (err, offset) => this.add(problemOf(name, err, 'unsupported', offset)),
          onDamage: (offset, length, what) => this.add({ file: name, offset, kind: 'manifest-corrupt', message: `${length} bytes of damaged records at offset ${offset}: ${what}` }),
        },
      );
    } catch (err) {
      this.add(problemOf(name, err, 'manifest-corrupt'));
    }
    this.checked.bytes += data.length;
    this.progress(data.length);
  }

  private blobReader(id: number): BlobFileReader | null {
    let r = this.blobReaders.get(id);
    if (r !== undefined) return r;
    const name = blobFileName(id);
    try {
      r = BlobFileReader.open(this.t.fs, this.path(name), id, this.t.keys === undefined ? {} : { encryption: this.t.keys });
    } catch (err) {
      this.add(problemOf(name, err, 'blob-corrupt', 0));
      r = null;
    }
    this.blobReaders.set(id, r);
    return r;
  }

  private checkBlobFile(id: number): void {
    const t = this.t;
    const name = blobFileName(id);
    const meta = t.blobFiles.get(id);
    if (!t.fs.exists(this.path(name))) {
      this.add({ file: name, kind: 'missing-file', message: `blob file ${name} is missing${meta === undefined ? ' (tables point at it)' : ' (the manifest records it)'}` });
      this.blobReaders.set(id, null);
      this.progress(meta?.fileSize ?? 0);
      return;
    }
    const r = this.blobReader(id);
    let bytes = meta?.fileSize ?? this.sizeOf(name);
    if (r !== null) {
      this.checked.blobFiles++;
      try {
        const v = r.verify();
        for (const p of v.problems) this.add({ file: name, offset: p.offset, kind: p.code === 'LSM_NOT_SUPPORTED' ? 'unsupported' : 'blob-corrupt', message: p.message });
        bytes = v.bytes;
      } catch (err) {
        this.add(problemOf(name, err, 'blob-corrupt'));
      }
      if (meta !== undefined) {
        const diffs: string[] = [];
        if (meta.fileSize !== r.fileSize) diffs.push(`size ${meta.fileSize} vs ${r.fileSize}`);
        if (meta.recordCount !== r.footer.recordCount) diffs.push(`records ${meta.recordCount} vs ${r.footer.recordCount}`);
        if (meta.recordBytes !== r.footer.recordBytes) diffs.push(`record bytes ${meta.recordBytes} vs ${r.footer.recordBytes}`);
        if (diffs.length > 0) this.add({ file: name, kind: 'blob-metadata', message: `the manifest's record of ${name} disagrees with the file (manifest vs file): ${diffs.join(', ')}` });
      } else {
        this.add({ file: name, kind: 'blob-reference', message: `tables point at blob file ${name}, which the manifest does not record` });
      }
    } else {
      this.checked.blobFiles++;
    }
    this.checked.bytes += bytes;
    this.progress(bytes);
  }

  private checkTable(level: number, meta: TableMeta): void {
    const t = this.t;
    const name = tableFileName(meta.id);
    const path = this.path(name);
    if (!t.fs.exists(path)) {
      this.add({ file: name, kind: 'missing-file', message: `table ${name} (L${level}) is missing` });
      this.progress(meta.size);
      return;
    }
    const blobBytes = new Map<number, number>();
    const badPointers = new Map<string, { offset: number; count: number; message: string }>();
    const pointerProblem = (key: string, offset: number, message: string): void => {
      const b = badPointers.get(key);
      if (b === undefined) badPointers.set(key, { offset, count: 1, message });
      else b.count++;
    };
    const onEntry = (userKey: Uint8Array, _seqno: number, type: number, value: Uint8Array, blockOffset: number): void => {
      if (type !== ValueType.Indirection) return;
      let p: BlobPointer;
      try {
        p = decodeBlobPointer(value, path, blockOffset);
      } catch (err) {
        pointerProblem(`malformed@${blockOffset}`, blockOffset, (err as Error).message);
        return;
      }
      blobBytes.set(p.fileId, (blobBytes.get(p.fileId) ?? 0) + p.size);
      const blobName = blobFileName(p.fileId);
      if (!t.blobFiles.has(p.fileId)) {
        pointerProblem(`unrecorded@${p.fileId}`, blockOffset, `points at blob file ${blobName}, which the manifest does not record`);
        if (!this.blobReaders.has(p.fileId)) this.checkBlobFile(p.fileId);
      }
      const r = this.blobReaders.get(p.fileId) ?? null;
      if (r === null) {
        // Missing or unopenable: reported once for the blob file.
        pointerProblem(`unreadable@${p.fileId}`, blockOffset, `points at blob file ${blobName}, which cannot be read`);
        return;
      }
      const end = r.recordsStart + r.footer.recordBytes;
      if (p.offset < r.recordsStart || p.offset + p.size > end) {
        pointerProblem(`outside@${p.fileId}`, blockOffset, `points at offset ${p.offset} (size ${p.size}) of ${blobName}, outside its records [${r.recordsStart}, ${end})`);
        return;
      }
      try {
        r.read(p, userKey);
      } catch (err) {
        this.add(problemOf(blobName, err, 'blob-corrupt', p.offset));
      }
    };
    let result: ReturnType<typeof tableVerify>;
    try {
      result = tableVerify(t.fs, path, { comparator: t.comparator, onEntry, ...(t.keys === undefined ? {} : { encryption: t.keys, fileNumber: meta.id }) });
    } catch (err) {
      this.add(problemOf(name, err, 'table-corrupt', 0));
      this.progress(meta.size);
      return;
    }
    this.checked.tables++;
    this.checked.entries += result.entries;
    this.checked.bytes += result.fileSize;
    for (const p of result.problems) this.add({ file: name, offset: p.offset, kind: p.code === 'LSM_NOT_SUPPORTED' ? 'unsupported' : 'table-corrupt', message: p.message });
    for (const b of badPointers.values()) {
      this.add({ file: name, offset: b.offset, kind: 'blob-reference', message: `${b.count} blob pointer${b.count === 1 ? '' : 's'} (the first in the block at offset ${b.offset}): ${b.message}` });
    }
    this.checkTableMeta(name, level, meta, result, blobBytes);
    this.progress(meta.size);
  }

  /** The manifest's record of a table against the table's properties and contents. */
  private checkTableMeta(name: string, level: number, meta: TableMeta, r: ReturnType<typeof tableVerify>, blobBytes: Map<number, number>): void {
    const props = r.properties;
    const diffs: string[] = [];
    const show = (b: Uint8Array): string => JSON.stringify(Buffer.from(b).toString('latin1').slice(0, 40));
    if (meta.size !== r.fileSize) diffs.push(`size ${meta.size} vs ${r.fileSize}`);
    if (props !== undefined) {
      let want: TableMeta | undefined;
      try {
        want = tableMetaFromProperties(this.t.comparator, meta.id, r.fileSize, props);
      } catch (err) {
        diffs.push((err as Error).message);
      }
      if (want !== undefined) {
        const cmp = this.t.comparator;
        if (cmp.compare(meta.smallest, want.smallest) !== 0) diffs.push(`smallest key ${show(meta.smallest)} vs ${show(want.smallest)}`);
        if (cmp.compare(meta.largest, want.largest) !== 0 || (meta.largestExclusive === true) !== (want.largestExclusive === true)) {
          diffs.push(`largest key ${show(meta.largest)}${meta.largestExclusive ? ' (exclusive)' : ''} vs ${show(want.largest)}${want.largestExclusive ? ' (exclusive)' : ''}`);
        }
        if (meta.smallestSeqno !== want.smallestSeqno || meta.largestSeqno !== want.largestSeqno) {
          diffs.push(`seqno range ${meta.smallestSeqno}..${meta.largestSeqno} vs ${want.smallestSeqno}..${want.largestSeqno}`);
        }
        if (meta.entries !== want.entries) diffs.push(`entries ${meta.entries} vs ${want.entries}`);
        if (meta.tombstones !== want.tombstones) diffs.push(`tombstones ${meta.tombstones} vs ${want.tombstones}`);
        if (meta.rangeTombstones !== want.rangeTombstones) diffs.push(`range tombstones ${meta.rangeTombstones} vs ${want.rangeTombstones}`);
      }
      // The table's properties against its contents (counts and keys: tableVerify).
      if (r.problems.length === 0 && r.smallestSeqno !== undefined && (r.smallestSeqno !== props.smallestSeqno || r.largestSeqno !== props.largestSeqno)) {
        this.add({
          file: name,
          kind: 'table-corrupt',
          message: `the table's properties give seqnos ${props.smallestSeqno}..${props.largestSeqno}, its entries hold ${r.smallestSeqno}..${r.largestSeqno}`,
        });
      }
    }
    if (r.problems.length === 0) {
      const recorded = meta.blobRefs ?? new Map<number, number>();
      const ids = new Set([...recorded.keys(), ...blobBytes.keys()]);
      const off = [...ids].filter((id) => (recorded.get(id) ?? 0) !== (blobBytes.get(id) ?? 0));
      if (off.length > 0) diffs.push(`blob bytes referenced ${off.map((id) => `${blobFileName(id)}: ${recorded.get(id) ?? 0} vs ${blobBytes.get(id) ?? 0}`).join(', ')}`);
    }
    if (diffs.length > 0) this.add({ file: name, kind: 'table-metadata', message: `the manifest's record of ${name} (L${level}) disagrees with the table (manifest vs table): ${diffs.join('; ')}` });
  }

  private checkLog(n: number, newest: boolean): void {
    const t = this.t;
    const name = logFileName(n);
    const path = this.path(name);
    let data: Uint8Array;
    try {
      data = this.readWhole(name);
    } catch (err) {
      this.add(problemOf(name, err, 'log-corrupt'));
      return;
    }
    this.checked.logs++;
    this.checked.bytes += data.length;
    try {
      const crypt = openLog(data, path, FileKind.WriteAheadLog, n, t.keys, t.dir);
      if (crypt !== null) {
        const r = readLog(
          data,
          path,
          n,
          (rec, offset) => {
            visitBatch(rec, path, offset, () => {
              this.checked.entries++;
            });
          },
          {
            salvage: true,
            cipher: crypt.cipher,
            start: crypt.start,
            onDamage: (offset, length, what) => this.add({ file: name, offset, kind: 'log-corrupt', message: `${length} bytes of damaged records at offset ${offset}, with valid records after them: ${what}` }),
          },
        );
        if (r.tornTail && !newest) {
          this.add({ file: name, offset: r.validLength, kind: 'log-corrupt', message: `the log ends in ${data.length - r.validLength} bytes of an incomplete or damaged record, but it is not the newest log (only the newest can be torn by a crash)` });
        }
      }
    } catch (err) {
      this.add(problemOf(name, err, 'log-corrupt'));
    }
    this.progress(data.length);
  }
}
