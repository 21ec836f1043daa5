// salvageStore: copies every entry that can still be read from a damaged store into a new
// store, and reports what it could not read. It works from the files in the directory,
// not from an open Tree, so it runs when the store does not open:
//
// - The manifest (the one CURRENT names, else the newest MANIFEST-* file) is read as far
//   as it goes, skipping damaged records: it gives the live tables (with what they
//   hold: key bounds, seqno ranges, entry counts), the comparator's name and the log
//   number. When it is intact, exactly its tables and the logs at or above its log
//   number are read; when it is damaged or missing, every table and every log in the
//   directory (which can bring back data that obsolete files still hold: reported).
// - Each table is read block by block (TableSalvager of @lsm/sstable): a block that does
//   not check out is skipped and reported with its offset, length and key range; without
//   its index, the data region is scanned for blocks.
// - Each log is read record by record, skipping damaged records (reported).
// - The readable entries of all sources are merged in internal-key order (streamed: one
//   block per table in memory, plus the logs, which are memtable-sized); for each user
//   key the newest readable version decides: a value is copied (a blob pointer is
//   resolved through its blob file; an unreadable blob loses the entry), a deletion or a
//   newer covering range tombstone copies nothing, merge operands are folded onto the
//   version below them with the merge operator.
// - A key whose newest readable version may be older than an entry or range tombstone
//   that was lost (it lies in the key range of a lost block, and the lost block's table
//   holds seqnos above it) is copied but counted as uncertain: its value may be stale,
//   or it may be a deleted key coming back. Lost log records cannot be placed, so they
//   make nothing uncertain; they are reported.
//
// The new store is written through write batches (its seqnos are new; only each key's
// resolved value is written), then flushed and closed.

import { type Fs, NodeFs, readFile } from '@lsm/fs';
import type { MergeOperator, TableMeta } from '@lsm/compaction';
import {
  type Comparator,
  CorruptionError,
  FragmentedRangeTombstones,
  InvalidArgumentError,
  MAX_SEQNO,
  type RangeTombstone,
  ValueType,
  bytewiseComparator,
  isLsmError,
  toIoError,
} from '@lsm/base';
import { type EncryptionOptions, FileKind, KeyRing } from '@lsm/encryption';
import { BlobFileReader, type SalvagedEntry, TableSalvager, decodeBlobPointer } from '@lsm/sstable';
import { NotFoundError } from '../errors.js';
import { CURRENT, blobFileName, logFileName, manifestFileName, parseFileName, tableFileName } from '../file-names.js';
import { openLog } from '../log/log-encryption.js';
import { readLog } from '../log/log-reader.js';
import type { TreeOptions } from '../options.js';
import { Tree } from '../tree.js';
import { OP_DELETE_RANGE, visitBatch } from '../write/batch-codec.js';
import { readManifestEdits } from '../versions/manifest-reader.js';
import type { StoreProblem } from './verify.js';

/** Options of salvageStore. */
export interface SalvageOptions {
  /** The filesystem of both directories. Default `new NodeFs()`. */
  fs?: Fs;
  /** The source store's comparator (its name must match the manifest's). Default bytewise. */
  comparator?: Comparator;
  /** The source store's key, when it is encrypted. */
  encryption?: EncryptionOptions;
  /** The source store's merge operator: needed to fold merge operands into values. */
  mergeOperator?: MergeOperator;
  /**
   * Options of the new store. Default: the source's fs, comparator, merge operator and
   * encryption; the copy is written without a write-ahead log and flushed at the end.
   */
  target?: TreeOptions;
  /** Called as the sources are read: `done` of `total` bytes (tables' data regions and logs). */
  onProgress?: (done: number, total: number) => void;
}

/** What salvageStore did. */
export interface SalvageReport {
  /** Keys written to the new store. */
  copied: number;
  /** Entries (versions) that could not be read: a number when every loss could be counted. */
  lostEntries: number | 'unknown';
  /**
   * Keys copied whose newest version may have been lost (their value may be stale, or a
   * deleted key may have come back): see the problems for the key ranges.
   */
  uncertainKeys: number;
  /** What could not be read (same shape as verify's; `length`, `lostEntries` and `keys` where known). */
  problems: SalvageProblem[];
  /** What was read. */
  sources: { tables: number; logs: number; blobFiles: number; manifest: 'intact' | 'damaged' | 'missing' };
}

/** A salvage problem: a verify problem, with the user keys a loss may have held. */
export interface SalvageProblem extends StoreProblem {
  /** The lost entries' user keys lie in [from, to] (undefined: unbounded on that side). */
  keys?: { from?: Uint8Array; to?: Uint8Array };
}

/** What the manifest gave. */
interface ManifestState {
  status: 'intact' | 'damaged' | 'missing';
  tables: Map<number, { level: number; meta: TableMeta }>;
  logNumber: number;
  comparator: string | undefined;
  mergeOperator: string | undefined;
}

/** A lost stretch that can make keys uncertain. */
interface Loss {
  from: Uint8Array | undefined;
  to: Uint8Array | undefined;
  /** Entries lost there have seqnos at most this. */
  maxSeqno: number;
}

/** One source of entries in the merge. */
interface Cursor {
  cur: SalvagedEntry | undefined;
  advance(): void;
  rank: number;
}

const BATCH_OPS = 1000;
const BATCH_BYTES = 4 << 20;

/**
 * Copies every readable entry of the store in `src` into a new store in `dst` (which must
 * not exist or be empty: LSM_INVALID_ARGUMENT otherwise), and reports what could not be
 * read. Works when the store does not open: see the top of this file. The source is only
 * read. Throws for a missing source directory (LSM_NOT_FOUND), a comparator or key that
 * does not fit the store (LSM_INVALID_ARGUMENT), and I/O failures of the target (LSM_IO).
 */
export function salvageStore(src: string, dst: string, opts: SalvageOptions = {}): SalvageReport {
  if (typeof src !== 'string' || src.length === 0) throw new InvalidArgumentError('salvage: the source directory must be a non-empty string');
  if (typeof dst !== 'string' || dst.length === 0) throw new InvalidArgumentError('salvage: the target directory must be a non-empty string');
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('salvage: options must be an object');
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new InvalidArgumentError('option onProgress must be a function');
  const fs = opts.fs ?? new NodeFs();
  const from = trimSlash(src);
  const to = trimSlash(dst);
  if (from === to) throw new InvalidArgumentError('salvage: the target must be another directory');
  let names: string[];
  try {
    if (!fs.exists(from) || !fs.metadata(from).isDirectory) throw new NotFoundError(from);
    names = fs.readDir(from);
    if (fs.exists(to)) {
      if (!fs.metadata(to).isDirectory) throw new InvalidArgumentError(`salvage: ${to} exists and is not a directory`);
      if (fs.readDir(to).length > 0) throw new InvalidArgumentError(`salvage: ${to} is not empty`);
    }
  } catch (err) {
    if (isLsmError(err)) throw err;
    throw toIoError(err, `salvage: checking ${from} and ${to}`);
  }
  return new Salvage(fs, from, to, names, opts).run();
}

function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

class Salvage {
  private readonly problems: SalvageProblem[] = [];
  private readonly cmp: Comparator;
  private readonly keys: KeyRing | undefined;
  private readonly losses: Loss[] = [];
  private lost = 0;
  private lostUnknown = false;
  private uncertain = 0;
  private copied = 0;
  private readonly blobs = new Map<number, BlobFileReader | null>();
  private readonly blobFailures = new Map<number, { count: number; offset: number; message: string }>();
  /** Per table: records the losses its salvager found since the last call (data blocks are found while merging). */
  private readonly recorders = new Map<TableSalvager, () => void>();

  constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly target: string,
    private readonly names: string[],
    private readonly opts: SalvageOptions,
  ) {
    this.cmp = opts.comparator ?? bytewiseComparator;
    this.keys = opts.encryption === undefined ? undefined : new KeyRing(opts.encryption, 'option encryption');
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private loseEntries(n: number | 'unknown'): void {
    if (n === 'unknown') this.lostUnknown = true;
    else this.lost += n;
  }

  run(): SalvageReport {
    const m = this.readManifest();
    if (m.comparator !== undefined && m.comparator !== this.cmp.name) {
      throw new InvalidArgumentError(`salvage: the store was created with comparator '${m.comparator}', not '${this.cmp.name}'`);
    }
    const op = this.opts.mergeOperator;
    if (op !== undefined && m.mergeOperator !== undefined && op.name !== m.mergeOperator) {
      throw new InvalidArgumentError(`salvage: the store's merge operands were written for merge operator '${m.mergeOperator}', not '${op.name}'`);
    }
    const files = this.names.map((n) => parseFileName(n)).filter((p) => p !== undefined);
    const tableIds = new Set<number>(m.tables.keys());
    if (m.status !== 'intact') for (const p of files) if (p.kind === 'table') tableIds.add(p.number);
    const logs = files
      .filter((p) => p.kind === 'log' && (m.status !== 'intact' || p.number >= m.logNumber))
      .map((p) => p.number)
      .sort((a, b) => a - b);
    if (m.status !== 'intact') {
      this.problems.push({
        file: CURRENT,
        kind: 'manifest-corrupt',
        message: `the manifest is ${m.status}: every table and log in the directory is read, including files the store no longer used (they can bring back older versions and deleted keys)`,
      });
    }

    // Open every source; the tables' range tombstones are read at open.
    const tables: Array<{ id: number; s: TableSalvager; meta: TableMeta | undefined }> = [];
    for (const id of [...tableIds].sort((a, b) => a - b)) {
      const s = this.openTable(id, m.tables.get(id)?.meta);
      if (s !== undefined) tables.push({ id, s, meta: m.tables.get(id)?.meta });
    }
    const rts: RangeTombstone[] = [];
    for (const t of tables) rts.push(...t.s.rangeTombstones);
    const logEntries: SalvagedEntry[] = [];
    let logBytes = 0;
    for (const n of logs) logBytes += this.readLogFile(n, n === logs[logs.length - 1], logEntries, rts);
    logEntries.sort((a, b) => this.cmp.compare(a.userKey, b.userKey) || b.seqno - a.seqno);
    const tombstones = FragmentedRangeTombstones.build(rts, this.cmp);

    const total = tables.reduce((s, t) => s + t.s.dataBytes, 0) + logBytes;
    const progress = (): void => this.opts.onProgress?.(Math.min(total, logBytes + tables.reduce((s, t) => s + t.s.bytesDone, 0)), total);
    this.opts.onProgress?.(Math.min(logBytes, total), total);

    const cursors: Cursor[] = tables.map((t, i) => {
      const gen = t.s.entries();
      const record = this.recorders.get(t.s)!;
      const c: Cursor = {
        cur: undefined,
        // Ties (the same key and seqno in two files: a compaction output and an input left
        // behind, both with seqnos zeroed at the bottom) go to the newer file (larger id).
        rank: tables.length - i,
        advance: () => {
          const r = gen.next();
          c.cur = r.done ? undefined : r.value;
          // A damaged block met on the way is known before any key after it is resolved.
          record();
        },
      };
      return c;
    });
    let li = 0;
    const logCursor: Cursor = {
      cur: undefined,
      rank: 0,
      advance: () => {
        logCursor.cur = logEntries[li++];
      },
    };
    cursors.push(logCursor);

    const out = Tree.open(this.target, {
      fs: this.fs,
      comparator: this.cmp,
      mergeOperator: this.opts.mergeOperator,
      encryption: this.opts.encryption,
      wal: false,
      ...this.opts.target,
      createIfMissing: true,
      errorIfExists: true,
    });
    let ok = false;
    try {
      this.merge(cursors, tombstones, out, progress);
      out.flush();
      ok = true;
    } finally {
      for (const t of tables) t.s.close();
      for (const r of this.blobs.values()) r?.close();
      try {
        out.close();
      } catch (err) {
        if (ok) throw err;
      }
    }
    progress();

    for (const t of tables) {
      const name = tableFileName(t.id);
      if (t.s.losses.some((l) => l.entries)) {
        const expected = t.meta?.entries ?? t.s.expectedEntries;
        const lostHere = expected === undefined ? 'unknown' : Math.max(0, expected - t.s.entriesRead);
        this.loseEntries(lostHere);
        this.problems.push({ file: name, kind: 'table-corrupt', message: `${name}: ${t.s.entriesRead} entries read, ${lostHere} lost`, lostEntries: lostHere });
      }
      if (t.s.losses.some((l) => l.rangeTombstones)) {
        const n = t.s.properties?.rangeTombstoneCount ?? t.meta?.rangeTombstones ?? 'unknown';
        if (n !== 0) {
          this.loseEntries(n);
          this.problems.push({ file: name, kind: 'table-corrupt', message: `${name}: its ${n} range tombstone(s) could not be read (keys they deleted may come back)`, lostEntries: n });
        }
      }
    }
    for (const [id, f] of this.blobFailures) {
      this.loseEntries(f.count);
      this.problems.push({ file: blobFileName(id), offset: f.offset, kind: 'blob-corrupt', message: `${f.count} value${f.count === 1 ? '' : 's'} could not be read (the first: ${f.message})`, lostEntries: f.count });
    }
    return {
      copied: this.copied,
      lostEntries: this.lostUnknown ? 'unknown' : this.lost,
      uncertainKeys: this.uncertain,
      problems: this.problems,
      sources: { tables: tables.length, logs: logs.length, blobFiles: [...this.blobs.values()].filter((r) => r !== null).length, manifest: m.status },
    };
  }

  // ------------------------------------------------------------------ manifest

  private readManifest(): ManifestState {
    const state: ManifestState = { status: 'missing', tables: new Map(), logNumber: 0, comparator: undefined, mergeOperator: undefined };
    let name: string | undefined;
    let currentOk = false;
    try {
      const text = new TextDecoder().decode(readFile(this.fs, this.path(CURRENT)));
      const p = text.endsWith('\n') ? parseFileName(text.slice(0, -1)) : undefined;
      if (p?.kind === 'manifest' && this.names.includes(text.slice(0, -1))) {
        name = text.slice(0, -1);
        currentOk = true;
      } else {
        this.problems.push({ file: CURRENT, offset: 0, kind: 'manifest-corrupt', message: `CURRENT does not name a manifest of the directory: ${JSON.stringify(text.slice(0, 40))}` });
      }
    } catch (err) {
      this.problems.push({ file: CURRENT, kind: this.fs.exists(this.path(CURRENT)) ? 'io' : 'missing-file', message: `CURRENT cannot be read: ${(err as Error).message}` });
    }
    if (name === undefined) {
      // The newest manifest in the directory, if any.
      const numbers = this.names.map((n) => parseFileName(n)).filter((p) => p?.kind === 'manifest').map((p) => p!.number);
      if (numbers.length > 0) name = manifestFileName(Math.max(...numbers));
    }
    if (name === undefined) return state;
    const path = this.path(name);
    const number = parseFileName(name)!.number;
    let data: Uint8Array;
    try {
      data = readFile(this.fs, path);
    } catch (err) {
      this.problems.push({ file: name, kind: 'io', message: `${path} cannot be read: ${(err as Error).message}` });
      return state;
    }
    let damaged = !currentOk;
    let edits = 0;
    try {
      readManifestEdits(
        data,
        path,
        number,
        this.keys,
        this.dir,
        (edit) => {
          if (edit.comparator !== undefined) state.comparator = edit.comparator;
          if (edit.mergeOperator !== undefined) state.mergeOperator = edit.mergeOperator;
          if (edit.logNumber !== undefined) state.logNumber = edit.logNumber;
          for (const d of edit.deleted ?? []) state.tables.delete(d.id);
          for (const a of edit.added ?? []) state.tables.set(a.meta.id, a);
          edits++;
        },
        {
          onDamage: (offset, length, what) => {
            damaged = true;
            this.problems.push({ file: name, offset, length, kind: 'manifest-corrupt', message: `${length} bytes of damaged manifest records skipped: ${what}` });
          },
        },
      );
    } catch (err) {
      if (isLsmError(err, 'LSM_INVALID_ARGUMENT')) throw err; // the key does not fit the store: the caller's to fix
      damaged = true;
      this.problems.push({ file: name, offset: err instanceof CorruptionError ? err.offset : 0, kind: isLsmError(err, 'LSM_NOT_SUPPORTED') ? 'unsupported' : 'manifest-corrupt', message: (err as Error).message });
    }
    if (edits === 0 || state.comparator === undefined) {
      state.tables.clear();
      return state;
    }
    state.status = damaged ? 'damaged' : 'intact';
    return state;
  }

  // ------------------------------------------------------------------ sources

  private openTable(id: number, meta: TableMeta | undefined): TableSalvager | undefined {
    const name = tableFileName(id);
    const path = this.path(name);
    const loseAll = (kind: StoreProblem['kind'], message: string): undefined => {
      const n = meta?.entries ?? 'unknown';
      this.loseEntries(n);
      this.problems.push({ file: name, kind, message, lostEntries: n, ...(meta === undefined ? {} : { keys: { from: meta.smallest, to: meta.largest } }) });
      this.losses.push({ from: meta?.smallest, to: meta?.largest, maxSeqno: meta?.largestSeqno ?? MAX_SEQNO });
      return undefined;
    };
    if (!this.fs.exists(path)) return loseAll('missing-file', `table ${name} is missing`);
    let s: TableSalvager;
    try {
      s = TableSalvager.open(this.fs, path, { comparator: this.cmp, ...(this.keys === undefined ? {} : { encryption: this.keys, fileNumber: id }) });
    } catch (err) {
      return loseAll('io', `${path} cannot be read: ${(err as Error).message}`);
    }
    const maxSeqno = meta?.largestSeqno ?? s.properties?.largestSeqno ?? MAX_SEQNO;
    // Losses found at open (footer, index, range tombstones...); those of data blocks come while reading.
    const seen = new Set<number>();
    const record = (): void => {
      for (let i = 0; i < s.losses.length; i++) {
        if (seen.has(i)) continue;
        seen.add(i);
        const l = s.losses[i]!;
        this.problems.push({
          file: name,
          offset: l.offset,
          ...(l.length > 0 ? { length: l.length } : {}),
          kind: 'table-corrupt',
          message: l.message,
          ...(l.entries || l.rangeTombstones ? { keys: { from: l.from ?? meta?.smallest, to: l.to ?? meta?.largest } } : {}),
        });
        if (l.entries || l.rangeTombstones) this.losses.push({ from: l.from ?? meta?.smallest, to: l.to ?? meta?.largest, maxSeqno });
      }
    };
    record();
    this.recorders.set(s, record);
    return s;
  }

  /** Reads log `n`'s records into `entries` and `rts`; returns its size. */
  private readLogFile(n: number, newest: boolean, entries: SalvagedEntry[], rts: RangeTombstone[]): number {
    const name = logFileName(n);
    const path = this.path(name);
    let data: Uint8Array;
    try {
      data = readFile(this.fs, path);
    } catch (err) {
      this.loseEntries('unknown');
      this.problems.push({ file: name, kind: 'io', message: `${path} cannot be read: ${(err as Error).message}`, lostEntries: 'unknown' });
      return 0;
    }
    try {
      const crypt = openLog(data, path, FileKind.WriteAheadLog, n, this.keys, this.dir);
      if (crypt === null) return data.length;
      const r = readLog(
        data,
        path,
        n,
        (rec, offset) => {
          visitBatch(rec, path, offset, (seqno, type, key, value) => {
            if (type === OP_DELETE_RANGE) rts.push({ start: key.slice(), end: value.slice(), seqno });
            else entries.push({ userKey: key.slice(), seqno, type, value: value.slice() });
          });
        },
        {
          salvage: true,
          cipher: crypt.cipher,
          start: crypt.start,
          onDamage: (offset, length, what) => {
            this.loseEntries('unknown');
            this.problems.push({ file: name, offset, length, kind: 'log-corrupt', message: `${length} bytes of damaged log records skipped (their writes are lost): ${what}`, lostEntries: 'unknown' });
          },
        },
      );
      if (r.tornTail && !newest) {
        this.loseEntries('unknown');
        this.problems.push({
          file: name,
          offset: r.validLength,
          length: data.length - r.validLength,
          kind: 'log-corrupt',
          message: `the log ends in ${data.length - r.validLength} bytes of an incomplete or damaged record, but it is not the newest log`,
          lostEntries: 'unknown',
        });
      }
    } catch (err) {
      this.loseEntries('unknown');
      this.problems.push({ file: name, offset: err instanceof CorruptionError ? err.offset : 0, kind: 'log-corrupt', message: (err as Error).message, lostEntries: 'unknown' });
    }
    return data.length;
  }

  private blobValue(e: SalvagedEntry): Uint8Array | undefined {
    let id = -1;
    let offset = 0;
    try {
      const p = decodeBlobPointer(e.value);
      id = p.fileId;
      offset = p.offset;
      let r = this.blobs.get(id);
      if (r === undefined) {
        const name = blobFileName(id);
        if (!this.fs.exists(this.path(name))) {
          this.problems.push({ file: name, kind: 'missing-file', message: `blob file ${name} is missing` });
          r = null;
        } else {
          try {
            r = BlobFileReader.open(this.fs, this.path(name), id, this.keys === undefined ? {} : { encryption: this.keys });
          } catch (err) {
            this.problems.push({ file: name, offset: err instanceof CorruptionError ? err.offset : 0, kind: 'blob-corrupt', message: (err as Error).message });
            r = null;
          }
        }
        this.blobs.set(id, r);
      }
      if (r === null) throw new CorruptionError(blobFileName(id), 0, 'the blob file cannot be read');
      return r.read(p, e.userKey);
    } catch (err) {
      if (!isLsmError(err)) throw err;
      const f = this.blobFailures.get(id);
      if (f === undefined) this.blobFailures.set(id, { count: 1, offset, message: err.message });
      else f.count++;
      return undefined;
    }
  }

  // ------------------------------------------------------------------ merge

  private merge(cursors: Cursor[], tombstones: FragmentedRangeTombstones, out: Tree, progress: () => void): void {
    const cmp = this.cmp;
    const before = (a: Cursor, b: Cursor): boolean => {
      const x = a.cur!;
      const y = b.cur!;
      return (cmp.compare(x.userKey, y.userKey) || y.seqno - x.seqno || a.rank - b.rank) < 0;
    };
    const heap = new Heap(before);
    for (const c of cursors) {
      c.advance();
      if (c.cur !== undefined) heap.push(c);
    }
    let batch = out.batch();
    let ops = 0;
    let bytes = 0;
    let sinceProgress = 0;
    const group: SalvagedEntry[] = [];
    const flushGroup = (): void => {
      const value = this.resolve(group, tombstones);
      if (value !== undefined) {
        batch.put(group[0]!.userKey, value);
        this.copied++;
        ops++;
        bytes += group[0]!.userKey.length + value.length;
        if (ops >= BATCH_OPS || bytes >= BATCH_BYTES) {
          batch.commit();
          batch = out.batch();
          ops = 0;
          bytes = 0;
        }
      }
      group.length = 0;
    };
    while (heap.size > 0) {
      const c = heap.peek();
      const e = c.cur!;
      if (group.length > 0 && cmp.compare(group[0]!.userKey, e.userKey) !== 0) flushGroup();
      group.push(e);
      c.advance();
      if (c.cur === undefined) heap.pop();
      else heap.replaceTop();
      if (++sinceProgress >= 4096) {
        sinceProgress = 0;
        progress();
      }
    }
    if (group.length > 0) flushGroup();
    if (ops > 0) batch.commit();
  }

  /** The value to copy for a key's readable versions (newest first), or undefined. */
  private resolve(versions: readonly SalvagedEntry[], tombstones: FragmentedRangeTombstones): Uint8Array | undefined {
    const key = versions[0]!.userKey;
    const covering = tombstones.maxCoveringSeqno(key, MAX_SEQNO);
    const operands: Uint8Array[] = [];
    let base: Uint8Array | undefined;
    let lastSeqno = -1;
    let lostBlob = false;
    for (const e of versions) {
      if (e.seqno === lastSeqno) continue; // the same write read from two files (a log and the table it was flushed to)
      lastSeqno = e.seqno;
      if (covering > e.seqno) break; // a newer range tombstone hides this version and every older one
      if (e.type === ValueType.Merge) {
        operands.push(e.value);
        continue;
      }
      if (e.type === ValueType.Value) base = e.value;
      else if (e.type === ValueType.Indirection) {
        base = this.blobValue(e);
        lostBlob = base === undefined;
      }
      break;
    }
    if (lostBlob) return undefined;
    let value: Uint8Array | undefined = base;
    if (operands.length > 0) {
      const op = this.opts.mergeOperator;
      if (op === undefined) {
        this.noMergeOperator(key);
        return undefined;
      }
      value = op.merge(key, base, operands.reverse());
    }
    if (value === undefined) return undefined;
    const newest = Math.max(versions[0]!.seqno, covering);
    if (this.isUncertain(key, newest)) this.uncertain++;
    return value;
  }

  private mergeProblem = false;

  private noMergeOperator(key: Uint8Array): void {
    this.loseEntries(1);
    if (this.mergeProblem) return;
    this.mergeProblem = true;
    this.problems.push({
      file: CURRENT,
      kind: 'unsupported',
      message: `keys hold merge operands (the first: ${JSON.stringify(Buffer.from(key).toString('latin1').slice(0, 40))}), and no mergeOperator was given to fold them: those keys are not copied`,
    });
  }

  private isUncertain(key: Uint8Array, newest: number): boolean {
    const cmp = this.cmp;
    for (const l of this.losses) {
      if (l.maxSeqno <= newest) continue;
      if (l.from !== undefined && cmp.compare(key, l.from) < 0) continue;
      if (l.to !== undefined && cmp.compare(key, l.to) > 0) continue;
      return true;
    }
    return false;
  }
}

/** A binary min-heap of cursors (by `before`). */
class Heap {
  private readonly items: Cursor[] = [];

  constructor(private readonly before: (a: Cursor, b: Cursor) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): Cursor {
    return this.items[0]!;
  }

  push(c: Cursor): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): void {
    const a = this.items;
    const last = a.pop()!;
    if (a.length === 0) return;
    a[0] = last;
    this.replaceTop();
  }

  /** Restores the order after the top's key grew. */
  replaceTop(): void {
    const a = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
