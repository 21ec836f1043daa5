// Version edits round-trip exactly, and damaged or unknown encodings are refused.

import type { TableMeta } from '@lsm/compaction';
import { CorruptionError, NotSupportedError } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from '../src/versions/version-edit.js';

const meta = (id: number): TableMeta => ({
  id,
  size: 1234 + id,
  smallest: new Uint8Array([1, 2, id]),
  largest: new Uint8Array([9, 9, id]),
  smallestSeqno: 5,
  largestSeqno: 2 ** 53 - 1,
  entries: 100,
  tombstones: 3,
  rangeTombstones: 0,
});

describe('version edit codec', () => {
  it('round-trips every field', () => {
    const edit: VersionEdit = {
      comparator: 'lsm.BytewiseComparator',
      logNumber: 12,
      nextFileNumber: 99,
      lastSeqno: 123456789012,
      deleted: [{ level: 0, id: 4 }, { level: 3, id: 8 }],
      added: [{ level: 1, meta: meta(20) }, { level: 6, meta: meta(21) }],
    };
    expect(decodeVersionEdit(encodeVersionEdit(edit), 'M', 0)).toEqual(edit);
    expect(decodeVersionEdit(encodeVersionEdit({}), 'M', 0)).toEqual({});
  });

  it('refuses every truncation with a typed error', () => {
    const bytes = encodeVersionEdit({ comparator: 'c', logNumber: 1, added: [{ level: 2, meta: meta(3) }] });
    for (let cut = 1; cut < bytes.length; cut++) {
      try {
        decodeVersionEdit(bytes.subarray(0, cut), 'MANIFEST-000001', 40);
      } catch (err) {
        expect(err instanceof CorruptionError || err instanceof NotSupportedError, `cut ${cut}`).toBe(true);
      }
    }
  });

  it('says LSM_NOT_SUPPORTED for a field tag from a newer format', () => {
    expect(() => decodeVersionEdit(new Uint8Array([77, 1]), 'MANIFEST-000002', 0)).toThrowError(NotSupportedError);
  });
});
