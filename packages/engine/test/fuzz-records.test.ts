// Fuzzing the two record decoders of the engine with fast-check: decodeBatch (a
// write-ahead-log record) and decodeVersionEdit (a manifest record). Inputs are random
// bytes, valid encodings of random batches and edits, and valid encodings damaged by 1-4
// mutations. Valid encodings must decode to exactly what was encoded; every truncation and
// every extension of a valid batch must be rejected (its header fixes the op count and it
// may have no trailing bytes); anything else must decode to a well-formed result or throw
// LSM_CORRUPTION naming the file -- or, for a version edit, LSM_NOT_SUPPORTED when a field
// tag is unknown (documented in FORMAT.md: a tag from a newer format). Never another
// error, a hang or an allocation out of proportion with the input.

import { ByteSink } from '@lsm/base';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type BatchOp, OP_DELETE_RANGE, decodeBatch, encodeBatch, typeHasValue } from '../src/write/batch-codec.js';
import { decodeVersionEdit, encodeVersionEdit, type VersionEdit } from '../src/versions/version-edit.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, position, sameBytes } from './fuzz-helpers.js';

const LOG = '/db/000005.log';
const MANIFEST = '/db/MANIFEST-000004';

const fz = {
  batch: new Fuzzed('engine write batch (decodeBatch)'),
  edit: new Fuzzed('engine version edit (decodeVersionEdit)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const bytes = fc.uint8Array({ maxLength: 40 });
const random = fc.uint8Array({ maxLength: 600 });

/** The op types a batch record may hold: the value types 0-4 and the range deletion (its value is the range's end). */
const OP_TYPES = [0, 1, 2, 3, 4, OP_DELETE_RANGE];
const op: fc.Arbitrary<BatchOp> = fc.record({ type: fc.constantFrom(...OP_TYPES), key: bytes, value: bytes }).map((o) => ({ ...o, value: typeHasValue(o.type) ? o.value : new Uint8Array(0) }));
// Both record versions: 2 (one seqno per batch, written now) and 1 (one per operation, in older logs).
const batch = fc.record({
  ops: fc.array(op, { maxLength: 20 }),
  first: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 53 - 100 })),
  version: fc.constantFrom(1, 2),
});

const encode = (b: { ops: BatchOp[]; first: number; version: number }): Uint8Array => encodeBatch(new ByteSink(64), b.first, b.ops, b.version).slice();
const decodeB = (rec: Uint8Array) => fz.batch.decode(rec.length, () => decodeBatch(rec, LOG, 77), { file: LOG });

describe('fuzz: write batch records', { timeout: FUZZ_TIMEOUT }, () => {
  it('random bytes', () => {
    fc.assert(fc.property(random, (r) => void decodeB(r)), params(8000));
  });

  it('random bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.nat(), random, (first, count, body) => {
        const head = encodeBatch(new ByteSink(16), first, []).slice();
        new DataView(head.buffer).setUint32(9, count >>> 0, true);
        const rec = new Uint8Array(head.length + body.length);
        rec.set(head);
        rec.set(body, head.length);
        const got = decodeB(rec);
        if (got !== undefined) for (const o of got.ops) expect(OP_TYPES).toContain(o.type);
      }),
      params(5000),
    );
  });

  it('valid batches round-trip; truncations and extensions are rejected; damage decodes safely', () => {
    fc.assert(
      fc.property(batch, mutations, position, fc.uint8Array({ minLength: 1, maxLength: 8 }), (b, ms, cut, extra) => {
        const good = encode(b);
        const got = decodeB(good);
        expect(got?.first).toBe(b.first);
        expect(got?.version).toBe(b.version);
        expect(got?.ops.map((o) => ({ ...o, key: o.key.slice(), value: o.value.slice() }))).toEqual(b.ops);
        expect(decodeB(good.subarray(0, Math.floor(cut * good.length))), 'a truncated batch was accepted').toBeUndefined();
        const longer = new Uint8Array(good.length + extra.length);
        longer.set(good);
        longer.set(extra, good.length);
        expect(decodeB(longer), 'a batch with trailing bytes was accepted').toBeUndefined();
        const bad = mutate(good, ms);
        const d = decodeB(bad);
        if (d !== undefined) {
          expect(Number.isSafeInteger(d.first + d.ops.length)).toBe(true);
          for (const o of d.ops) expect(OP_TYPES).toContain(o.type);
        }
        if (sameBytes(bad, good)) expect(d).toBeDefined();
      }),
      params(5000),
    );
  });
});

const num = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 53 - 1 }));
const edit: fc.Arbitrary<VersionEdit> = fc.record(
  {
    comparator: fc.string({ maxLength: 30 }),
    logNumber: num,
    nextFileNumber: num,
    lastSeqno: num,
    deleted: fc.array(fc.record({ level: fc.nat(6), id: num }), { maxLength: 5 }),
    added: fc.array(
      fc.record({
        level: fc.nat(6),
        meta: fc.record({
          id: num,
          size: num,
          smallest: bytes,
          largest: bytes,
          smallestSeqno: num,
          largestSeqno: num,
          entries: num,
          tombstones: num,
          rangeTombstones: num,
        }),
      }),
      { maxLength: 5 },
    ),
  },
  { requiredKeys: [] },
);
const decodeE = (rec: Uint8Array) => fz.edit.decode(rec.length, () => decodeVersionEdit(rec, MANIFEST, 33), { file: MANIFEST, notSupported: true });

describe('fuzz: version edit records', { timeout: FUZZ_TIMEOUT }, () => {
  it('random bytes', () => {
    fc.assert(fc.property(random, (r) => void decodeE(r)), params(8000));
  });

  it('valid edits round-trip; damaged ones decode safely', () => {
    fc.assert(
      fc.property(edit, mutations, (e, ms) => {
        const good = encodeVersionEdit(e);
        const want: VersionEdit = { ...e };
        if (want.deleted?.length === 0) delete want.deleted;
        if (want.added?.length === 0) delete want.added;
        expect(decodeE(good)).toEqual(want);
        decodeE(mutate(good, ms));
      }),
      params(6000),
    );
  });
});
