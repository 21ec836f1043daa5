// The version-edit codec byte for byte: the tag numbers and field order of FORMAT.md
// ("Version edit") as golden bytes (a renumbered tag keeps round trips green but makes
// every existing manifest unreadable), every field round-tripping, and each kind of
// damage refused with the error, file and offset it should name.

import type { TableMeta } from '@lsm/compaction';
import { CorruptionError, NotSupportedError } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from '../src/versions/version-edit.js';

const meta = (id: number, extra: Partial<TableMeta> = {}): TableMeta => ({
  id,
  size: 300,
  smallest: new Uint8Array([0x61]),
  largest: new Uint8Array([0x7a, 0x7a]),
  smallestSeqno: 7,
  largestSeqno: 9,
  entries: 5,
  tombstones: 2,
  rangeTombstones: 1,
  ...extra,
});

describe('version edit golden bytes', () => {
  it('encodes each scalar field with its FORMAT.md tag, in the documented order', () => {
    const bytes = encodeVersionEdit({ comparator: 'ab', mergeOperator: 'm', logNumber: 3, nextFileNumber: 200, lastSeqno: 5, historyHorizon: 4 });
    // 1 comparator, 8 merge operator, 2 log number, 3 next file (200 = varint c8 01), 4 last seqno, 12 horizon.
    expect([...bytes]).toEqual([1, 2, 0x61, 0x62, 8, 1, 0x6d, 2, 3, 3, 0xc8, 0x01, 4, 5, 12, 4]);
  });

  it('encodes deletions, tables (tag 6, or 7 with flags and creation time), blob references and blob files', () => {
    const edit: VersionEdit = {
      deleted: [{ level: 2, id: 9 }],
      added: [
        { level: 1, meta: meta(10, { blobRefs: new Map([[4, 70]]) }) },
        { level: 3, meta: meta(11, { largestExclusive: true, creationTime: 1000 }) },
        { level: 0, meta: meta(12, { creationTime: 5 }) },
      ],
      addedBlobs: [{ id: 4, fileSize: 100, recordCount: 2, recordBytes: 80 }],
      deletedBlobs: [3],
    };
    const table = (tag: number, level: number, id: number): number[] => [tag, level, id, 0xac, 0x02, 1, 0x61, 2, 0x7a, 0x7a, 7, 9, 5, 2, 1];
    expect([...encodeVersionEdit(edit)]).toEqual([
      5, 2, 9,
      ...table(6, 1, 10), 11, 10, 1, 4, 70,
      ...table(7, 3, 11), 1, 0xe8, 0x07,
      ...table(7, 0, 12), 0, 5,
      9, 4, 100, 2, 80,
      10, 3,
    ]);
    const back = decodeVersionEdit(encodeVersionEdit(edit), 'M', 0);
    expect(back).toEqual(edit);
    expect(back.added![1]!.meta.largestExclusive).toBe(true);
    expect(back.added![2]!.meta.largestExclusive).toBeUndefined();
    expect(back.added![2]!.meta.creationTime).toBe(5);
  });

  it('an exclusive largest key alone makes a tag-7 table; an empty blob reference map writes no tag 11', () => {
    const bytes = encodeVersionEdit({ added: [{ level: 1, meta: meta(10, { largestExclusive: true, blobRefs: new Map() }) }] });
    expect([...bytes]).toEqual([7, 1, 10, 0xac, 0x02, 1, 0x61, 2, 0x7a, 0x7a, 7, 9, 5, 2, 1, 1, 0]);
    expect(decodeVersionEdit(bytes, 'M', 0).added![0]!.meta).toEqual(meta(10, { largestExclusive: true }));
  });

  it('an empty key is a valid key', () => {
    const edit: VersionEdit = { added: [{ level: 0, meta: meta(3, { smallest: new Uint8Array(0) }) }] };
    expect(decodeVersionEdit(encodeVersionEdit(edit), 'M', 0)).toEqual(edit);
  });

  it('an empty edit is zero bytes and decodes to no fields', () => {
    expect(encodeVersionEdit({}).length).toBe(0);
    expect(decodeVersionEdit(new Uint8Array(0), 'M', 0)).toEqual({});
  });

  it('a table of tag 7 with no flags and creation time 0 decodes without either', () => {
    const bytes = [7, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 0, 0];
    const back = decodeVersionEdit(new Uint8Array(bytes), 'M', 0);
    expect(back.added).toEqual([{ level: 0, meta: { id: 1, size: 10, smallest: new Uint8Array([0x61]), largest: new Uint8Array([0x62]), smallestSeqno: 1, largestSeqno: 1, entries: 1, tombstones: 0, rangeTombstones: 0 } }]);
    expect('largestExclusive' in back.added![0]!.meta).toBe(false);
    expect('creationTime' in back.added![0]!.meta).toBe(false);
  });

  it('keeps numbers up to 2^53 - 1 exactly and keys as copies, not views of the record', () => {
    const big = 2 ** 53 - 1;
    const rec = encodeVersionEdit({ lastSeqno: big, nextFileNumber: big - 1, added: [{ level: 6, meta: meta(big - 2, { size: big - 3 }) }] });
    const back = decodeVersionEdit(rec, 'M', 0);
    expect(back.lastSeqno).toBe(big);
    expect(back.nextFileNumber).toBe(big - 1);
    expect(back.added![0]!.meta.id).toBe(big - 2);
    expect(back.added![0]!.meta.size).toBe(big - 3);
    rec.fill(0);
    expect(back.added![0]!.meta.smallest).toEqual(new Uint8Array([0x61]));
  });

  it('repeated scalar fields: the last one wins; deletions and blob lists keep their order', () => {
    const back = decodeVersionEdit(new Uint8Array([2, 1, 2, 9, 5, 0, 4, 5, 1, 7, 10, 8, 10, 2]), 'M', 0);
    expect(back.logNumber).toBe(9);
    expect(back.deleted).toEqual([{ level: 0, id: 4 }, { level: 1, id: 7 }]);
    expect(back.deletedBlobs).toEqual([8, 2]);
  });
});

describe('version edit damage', () => {
  const where = (err: Error): { code?: string; file?: string; offset?: number } => err as never;

  it('names the manifest and the record offset it was given', () => {
    const err = thrown(() => decodeVersionEdit(new Uint8Array([3]), 'MANIFEST-000007', 4321));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(where(err)).toMatchObject({ code: 'LSM_CORRUPTION' });
    expect(err.message).toContain('MANIFEST-000007');
    expect(err.message).toContain('4321');
    expect(err.message).toContain('next file number');
  });

  it('refuses every truncation of a full edit (nothing decodes from a cut record)', () => {
    const full = encodeVersionEdit({
      comparator: 'c',
      mergeOperator: 'op',
      logNumber: 300,
      nextFileNumber: 301,
      lastSeqno: 70000,
      historyHorizon: 60000,
      deleted: [{ level: 1, id: 2 }],
      added: [{ level: 2, meta: meta(400, { blobRefs: new Map([[5, 9]]), creationTime: 77 }) }],
      addedBlobs: [{ id: 5, fileSize: 10, recordCount: 1, recordBytes: 9 }],
      deletedBlobs: [4],
    });
    // Cuts that end exactly after a complete field decode (a shorter edit): every other cut must throw.
    let refused = 0;
    for (let cut = 1; cut < full.length; cut++) {
      try {
        const partial = decodeVersionEdit(full.subarray(0, cut), 'M', 0);
        // A cut on a field boundary: what decoded must be a prefix of the whole.
        expect(encodeVersionEdit(partial).length).toBeLessThanOrEqual(cut);
      } catch (err) {
        expect((err as { code?: string }).code, `cut ${cut}`).toBe('LSM_CORRUPTION');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(full.length / 2);
  });

  it('refuses each damaged field by name', () => {
    const cases: [number[], string][] = [
      [[0x80], 'bad tag'],
      [[1, 5, 0x61], 'bad comparator name'],
      [[8, 0x80], 'bad merge operator name'],
      [[1, 2, 0xff, 0xfe], 'comparator name is not UTF-8'],
      [[8, 1, 0xc3], 'merge operator name is not UTF-8'],
      [[2], 'bad log number'],
      [[4, 0xff], 'bad last seqno'],
      [[5, 1], 'bad table id'],
      [[5], 'bad level'],
      [[6], 'bad level'],
      [[7, 0], 'bad table id'],
      [[9], 'bad blob file id'],
      [[9, 1], 'bad blob file size'],
      [[9, 1, 2], 'bad blob record count'],
      [[6, 0, 1, 10, 3, 0x61], 'bad smallest key'],
      [[6, 0, 1, 10, 1, 0x61, 4], 'bad largest key'],
      [[6, 0, 1], 'bad table size'],
      [[6, 0, 1, 10, 1, 0x61, 1, 0x62], 'bad smallest seqno'],
      [[6, 0, 1, 10, 1, 0x61, 1, 0x62, 1], 'bad largest seqno'],
      [[6, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1], 'bad entry count'],
      [[6, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1], 'bad tombstone count'],
      [[6, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0], 'bad range tombstone count'],
      [[7, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0], 'bad table flags'],
      [[7, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 2, 0], 'unknown table flags 2'],
      [[7, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 3, 0], 'unknown table flags 3'],
      [[7, 0, 1, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 1], 'bad creation time'],
      [[9, 1, 2, 3], 'bad blob record bytes'],
      [[10], 'bad blob file id'],
      [[12, 0x80], 'bad history horizon'],
      [[11], 'bad table id'],
      [[11, 3, 1, 1, 1], 'blob references for table 3, which the edit does not add'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3], 'bad blob reference count'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 3, 1, 1], 'bad blob reference count'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 1, 1], 'bad blob bytes'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 1], 'bad blob reference count'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 2, 1, 1, 0x80], 'bad blob file id'],
      [[6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 1, 1, 1, 11, 3, 0], 'blob references for table 3 given twice'],
    ];
    for (const [bytes, what] of cases) {
      const err = thrown(() => decodeVersionEdit(new Uint8Array(bytes), 'MANIFEST-000003', 12));
      expect(err, what).toBeInstanceOf(CorruptionError);
      expect(err.message, JSON.stringify(bytes)).toContain(`version edit: ${what}`);
    }
  });

  it('a blob reference count that fits takes exactly that many references', () => {
    const bytes = [6, 0, 3, 10, 1, 0x61, 1, 0x62, 1, 1, 1, 0, 0, 11, 3, 2, 1, 1, 2, 2];
    expect(decodeVersionEdit(new Uint8Array(bytes), 'M', 0).added![0]!.meta.blobRefs).toEqual(new Map([[1, 1], [2, 2]]));
  });

  it('a field tag from a newer format is LSM_NOT_SUPPORTED naming the file, offset and tag', () => {
    for (const tag of [0, 13, 99]) {
      const err = thrown(() => decodeVersionEdit(new Uint8Array([2, 1, tag, 1]), 'MANIFEST-000004', 56));
      expect(err).toBeInstanceOf(NotSupportedError);
      expect(err.message).toContain('MANIFEST-000004 at offset 56');
      expect(err.message).toContain(`field tag ${tag} is from a newer format`);
    }
  });
});
