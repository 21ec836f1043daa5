// A version edit: one atomic change to the set of live files, as recorded in the
// manifest (tables added to and removed from levels, and the counters recovery needs).
// Each edit is one manifest record; replaying them in order rebuilds the current
// version. Tag-based like LevelDB's, so fields can be added; layout in FORMAT.md.

import type { TableMeta } from '@lsm/compaction';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import { ByteSink, CorruptionError, NotSupportedError, cursor, getVarint32, getVarint64 } from '@lsm/base';

/** Field tags. A reader that meets a tag it does not know refuses (LSM_NOT_SUPPORTED). */
const enum Tag {
  Comparator = 1,
  LogNumber = 2,
  NextFileNumber = 3,
  LastSeqno = 4,
  DeletedTable = 5,
  NewTable = 6,
  /** A table with the fields of NewTable plus flags (bit 0: largest is exclusive) and creation time. */
  NewTableV2 = 7,
  MergeOperator = 8,
  /** K/V separation: a blob file added (id, file size, record count, record bytes). */
  NewBlobFile = 9,
  /** K/V separation: a blob file no table points at any more. */
  DeletedBlobFile = 10,
  /** K/V separation: the blob references of a table added earlier in the same edit. */
  TableBlobRefs = 11,
  /** changesSince: the history horizon (changes at or below it may have been dropped). */
  HistoryHorizon = 12,
}

/** NewTableV2 flag: the table's `largest` is an exclusive bound (a range tombstone's end). */
const FLAG_LARGEST_EXCLUSIVE = 1;

/** A table added to a level. */
export interface NewTable {
  level: number;
  meta: TableMeta;
}

/** A change to the live file set. Every field is optional; absent means unchanged. */
export interface VersionEdit {
  comparator?: string;
  /** Name of the merge operator the store was opened with (recorded once one is used). */
  mergeOperator?: string;
  /** Write-ahead logs numbered below this hold nothing that is not in a table. */
  logNumber?: number;
  nextFileNumber?: number;
  lastSeqno?: number;
  deleted?: { level: number; id: number }[];
  added?: NewTable[];
  /** Blob files added (K/V separation); tables' blob references travel on their metas. */
  addedBlobs?: BlobFileMeta[];
  deletedBlobs?: number[];
  /**
   * The history horizon: compaction (or a FIFO drop) has dropped deletions with seqnos up
   * to this, so changesSince(s) with s below it would be incomplete. Only ever raised.
   */
  historyHorizon?: number;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** Encodes an edit as a manifest record payload. */
export function encodeVersionEdit(edit: VersionEdit): Uint8Array {
  const s = new ByteSink(256);
  const bytes = (b: Uint8Array): void => {
    s.putVarint(b.length);
    s.putBytes(b);
  };
  if (edit.comparator !== undefined) {
    s.putVarint(Tag.Comparator);
    bytes(utf8.encode(edit.comparator));
  }
  if (edit.mergeOperator !== undefined) {
    s.putVarint(Tag.MergeOperator);
    bytes(utf8.encode(edit.mergeOperator));
  }
  if (edit.logNumber !== undefined) {
    s.putVarint(Tag.LogNumber);
    s.putVarint(edit.logNumber);
  }
  if (edit.nextFileNumber !== undefined) {
    s.putVarint(Tag.NextFileNumber);
    s.putVarint(edit.nextFileNumber);
  }
  if (edit.lastSeqno !== undefined) {
    s.putVarint(Tag.LastSeqno);
    s.putVarint(edit.lastSeqno);
  }
  for (const d of edit.deleted ?? []) {
    s.putVarint(Tag.DeletedTable);
    s.putVarint(d.level);
    s.putVarint(d.id);
  }
  for (const a of edit.added ?? []) {
    const m = a.meta;
    const v2 = m.largestExclusive === true || m.creationTime !== undefined;
    s.putVarint(v2 ? Tag.NewTableV2 : Tag.NewTable);
    s.putVarint(a.level);
    s.putVarint(m.id);
    s.putVarint(m.size);
    bytes(m.smallest);
    bytes(m.largest);
    s.putVarint(m.smallestSeqno);
    s.putVarint(m.largestSeqno);
    s.putVarint(m.entries);
    s.putVarint(m.tombstones);
    s.putVarint(m.rangeTombstones);
    if (v2) {
      s.putVarint(m.largestExclusive === true ? FLAG_LARGEST_EXCLUSIVE : 0);
      s.putVarint(m.creationTime ?? 0);
    }
    const refs = m.blobRefs;
    if (refs !== undefined && refs.size > 0) {
      s.putVarint(Tag.TableBlobRefs);
      s.putVarint(m.id);
      s.putVarint(refs.size);
      for (const [id, bytes] of refs) {
        s.putVarint(id);
        s.putVarint(bytes);
      }
    }
  }
  if (edit.historyHorizon !== undefined) {
    s.putVarint(Tag.HistoryHorizon);
    s.putVarint(edit.historyHorizon);
  }
  for (const b of edit.addedBlobs ?? []) {
    s.putVarint(Tag.NewBlobFile);
    s.putVarint(b.id);
    s.putVarint(b.fileSize);
    s.putVarint(b.recordCount);
    s.putVarint(b.recordBytes);
  }
  for (const id of edit.deletedBlobs ?? []) {
    s.putVarint(Tag.DeletedBlobFile);
    s.putVarint(id);
  }
  return s.buf.slice(0, s.len);
}

/** Decodes a manifest record; damage is a CorruptionError naming the manifest and offset. */
export function decodeVersionEdit(rec: Uint8Array, file: string, offset: number): VersionEdit {
  const edit: VersionEdit = {};
  const end = rec.length;
  let p = 0;
  const bad = (what: string): CorruptionError => new CorruptionError(file, offset, `version edit: ${what}`);
  const num = (what: string): number => {
    const v = getVarint64(rec, p, end);
    if (v < 0) throw bad(`bad ${what}`);
    p = cursor.pos;
    return v;
  };
  const bytes = (what: string): Uint8Array => {
    const n = getVarint32(rec, p, end);
    if (n < 0 || cursor.pos + n > end) throw bad(`bad ${what}`);
    p = cursor.pos + n;
    return rec.slice(cursor.pos, p);
  };
  const text = (what: string): string => {
    const b = bytes(what);
    try {
      return utf8d.decode(b);
    } catch {
      throw bad(`${what} is not UTF-8`);
    }
  };
  while (p < end) {
    const tag = num('tag');
    switch (tag) {
      case Tag.Comparator:
        edit.comparator = text('comparator name');
        break;
      case Tag.MergeOperator:
        edit.mergeOperator = text('merge operator name');
        break;
      case Tag.LogNumber:
        edit.logNumber = num('log number');
        break;
      case Tag.NextFileNumber:
        edit.nextFileNumber = num('next file number');
        break;
      case Tag.LastSeqno:
        edit.lastSeqno = num('last seqno');
        break;
      case Tag.DeletedTable:
        (edit.deleted ??= []).push({ level: num('level'), id: num('table id') });
        break;
      case Tag.NewTable:
      case Tag.NewTableV2: {
        const level = num('level');
        let meta: TableMeta = {
          id: num('table id'),
          size: num('table size'),
          smallest: bytes('smallest key'),
          largest: bytes('largest key'),
          smallestSeqno: num('smallest seqno'),
          largestSeqno: num('largest seqno'),
          entries: num('entry count'),
          tombstones: num('tombstone count'),
          rangeTombstones: num('range tombstone count'),
        };
        if (tag === Tag.NewTableV2) {
          const flags = num('table flags');
          if (flags & ~FLAG_LARGEST_EXCLUSIVE) throw bad(`unknown table flags ${flags}`);
          const created = num('creation time');
          meta = { ...meta, ...(flags & FLAG_LARGEST_EXCLUSIVE ? { largestExclusive: true } : {}), ...(created > 0 ? { creationTime: created } : {}) };
        }
        (edit.added ??= []).push({ level, meta });
        break;
      }
      case Tag.TableBlobRefs: {
        const id = num('table id');
        const added = edit.added?.find((a) => a.meta.id === id);
        if (added === undefined) throw bad(`blob references for table ${id}, which the edit does not add`);
        if (added.meta.blobRefs !== undefined) throw bad(`blob references for table ${id} given twice`);
        const n = num('blob reference count');
        if (n > end - p) throw bad('bad blob reference count');
        const refs = new Map<number, number>();
        for (let i = 0; i < n; i++) refs.set(num('blob file id'), num('blob bytes'));
        added.meta = { ...added.meta, blobRefs: refs };
        break;
      }
      case Tag.NewBlobFile:
        (edit.addedBlobs ??= []).push({ id: num('blob file id'), fileSize: num('blob file size'), recordCount: num('blob record count'), recordBytes: num('blob record bytes') });
        break;
      case Tag.DeletedBlobFile:
        (edit.deletedBlobs ??= []).push(num('blob file id'));
        break;
      case Tag.HistoryHorizon:
        edit.historyHorizon = num('history horizon');
        break;
      default:
        throw new NotSupportedError(`${file} at offset ${offset}: version edit field tag ${tag} is from a newer format`);
    }
  }
  return edit;
}
