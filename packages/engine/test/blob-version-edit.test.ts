// Version edits with K/V separation fields (tags 9-11): blob files added and deleted, and
// per-table blob references, round-trip; edits without them decode as before; damaged
// blob fields are LSM_CORRUPTION.

import { describe, expect, it } from 'vitest';
import type { TableMeta } from '@lsm/compaction';
import { decodeVersionEdit, encodeVersionEdit } from '../src/versions/version-edit.js';

const meta = (id: number, refs?: Map<number, number>): TableMeta => ({
  id,
  size: 1000,
  smallest: new Uint8Array([1]),
  largest: new Uint8Array([2]),
  smallestSeqno: 1,
  largestSeqno: 5,
  entries: 3,
  tombstones: 0,
  rangeTombstones: 0,
  ...(refs === undefined ? {} : { blobRefs: refs }),
});

describe('version edits with blob fields', () => {
  it('round-trip blob files and table references', () => {
    const edit = {
      added: [
        { level: 0, meta: meta(10, new Map([[7, 5000], [8, 120]])) },
        { level: 1, meta: meta(11) },
      ],
      addedBlobs: [{ id: 7, fileSize: 6000, recordCount: 3, recordBytes: 5944 }],
      deletedBlobs: [3, 4],
    };
    const back = decodeVersionEdit(encodeVersionEdit(edit), 'M', 0);
    expect(back.added![0]!.meta.blobRefs).toEqual(new Map([[7, 5000], [8, 120]]));
    expect(back.added![1]!.meta.blobRefs).toBeUndefined();
    expect(back.addedBlobs).toEqual(edit.addedBlobs);
    expect(back.deletedBlobs).toEqual([3, 4]);
  });

  it('an edit without blob fields has none', () => {
    const back = decodeVersionEdit(encodeVersionEdit({ added: [{ level: 0, meta: meta(1) }], logNumber: 4 }), 'M', 0);
    expect(back.addedBlobs).toBeUndefined();
    expect(back.deletedBlobs).toBeUndefined();
    expect(back.added![0]!.meta.blobRefs).toBeUndefined();
  });

  it('references to a table the edit does not add, or cut short, are LSM_CORRUPTION', () => {
    // tag 11, table 99, 1 ref (7 -> 10)
    expect(() => decodeVersionEdit(new Uint8Array([11, 99, 1, 7, 10]), 'M', 0)).toThrow(expect.objectContaining({ code: 'LSM_CORRUPTION' }));
    const full = encodeVersionEdit({ added: [{ level: 0, meta: meta(10, new Map([[7, 5000]])) }], addedBlobs: [{ id: 7, fileSize: 9, recordCount: 1, recordBytes: 9 }] });
    for (let cut = 1; cut < full.length; cut++) {
      try {
        decodeVersionEdit(full.subarray(0, cut), 'M', 0);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('LSM_CORRUPTION');
      }
    }
  });
});
