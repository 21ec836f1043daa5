// A table's metadata from its properties (bounds that cover its range tombstones, an
// inclusive largest key when a point key ends the table, creation time carried), the
// compensated size a picker sees, and how runCompaction's errors are sorted (storage
// failures become LSM_IO with their cause; the engine's own errors, bugs and a user
// callback's errors pass unchanged; a non-object gets a message naming what threw); what a
// compaction filter may be and answer, each refusal worded for its user; the TTL format's
// edges (expiry 0, a value of exactly the prefix, one byte short of it).

import { describe, expect, it } from 'vitest';
import { FsError } from '@lsm/fs';
import { bytewiseComparator, CorruptionError, InvalidArgumentError, isLsmError } from '@lsm/base';
import { compactionFailure, compensatedSize, decodeTtlValue, encodeTtlValue, tableMetaFromProperties, ttlFilter, type TableBoundsProperties, type TableMeta } from '../src/index.js';
import { checkCompactionFilter, checkDecision } from '../src/compaction-filter.js';
import { normalizeError, userError } from '../src/failure.js';
import { b, s } from './helpers.js';

const props = (over: Partial<TableBoundsProperties>): TableBoundsProperties => ({
  entryCount: 2,
  tombstoneCount: 0,
  weakTombstoneCount: 0,
  rangeTombstoneCount: 0,
  smallestKey: b('c'),
  largestKey: b('m'),
  smallestRangeTombstoneStart: undefined,
  largestRangeTombstoneEnd: undefined,
  smallestSeqno: 1,
  largestSeqno: 9,
  ...over,
});

describe('tableMetaFromProperties', () => {
  const meta = (over: Partial<TableBoundsProperties>): TableMeta => tableMetaFromProperties(bytewiseComparator, 7, 4096, props(over));

  it('point keys only: their bounds, the largest inclusive, the counts as the properties say', () => {
    const m = meta({ tombstoneCount: 1, weakTombstoneCount: 2, entryCount: 5 });
    expect([s(m.smallest), s(m.largest), m.largestExclusive]).toEqual(['c', 'm', undefined]);
    expect([m.id, m.size, m.entries, m.tombstones, m.rangeTombstones, m.smallestSeqno, m.largestSeqno]).toEqual([7, 4096, 5, 3, 0, 1, 9]);
    expect('creationTime' in m).toBe(false);
  });

  it('range tombstones reaching past the point keys widen the bounds; the end is then exclusive', () => {
    const m = meta({ rangeTombstoneCount: 1, smallestRangeTombstoneStart: b('a'), largestRangeTombstoneEnd: b('q') });
    expect([s(m.smallest), s(m.largest), m.largestExclusive, m.rangeTombstones]).toEqual(['a', 'q', true, 1]);
  });

  it('range tombstones inside the point keys change nothing; an end equal to the last key leaves it inclusive', () => {
    // The last point key 'm' is in the table: marking it exclusive would hide it from reads.
    const m = meta({ rangeTombstoneCount: 1, smallestRangeTombstoneStart: b('d'), largestRangeTombstoneEnd: b('m') });
    expect([s(m.smallest), s(m.largest), m.largestExclusive]).toEqual(['c', 'm', undefined]);
  });

  it('a table of range tombstones only takes their bounds', () => {
    const m = meta({ entryCount: 0, smallestKey: undefined, largestKey: undefined, rangeTombstoneCount: 2, smallestRangeTombstoneStart: b('e'), largestRangeTombstoneEnd: b('h') });
    expect([s(m.smallest), s(m.largest), m.largestExclusive]).toEqual(['e', 'h', true]);
  });

  it('a table with neither is refused, naming it', () => {
    for (const over of [
      { smallestKey: undefined, largestKey: undefined },
      { smallestKey: undefined },
      { largestKey: undefined },
    ]) {
      let err: unknown;
      try {
        meta(over);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toBe('table 7 holds neither point entries nor range tombstones: it has no key range');
    }
  });

  it('carries the creation time when the table has one', () => {
    expect(meta({ creationTime: 1234 }).creationTime).toBe(1234);
    expect(meta({ creationTime: 0 }).creationTime).toBe(0);
  });
});

describe('compensatedSize', () => {
  const t = (size: number, entries: number, tombstones: number): TableMeta => ({ id: 1, size, smallest: b('a'), largest: b('b'), smallestSeqno: 1, largestSeqno: 1, entries, tombstones, rangeTombstones: 0 });

  it('a table of mostly values weighs its size', () => {
    expect(compensatedSize(t(1000, 10, 0))).toBe(1000);
    expect(compensatedSize(t(1000, 10, 4))).toBe(1000);
    expect(compensatedSize(t(1000, 10, 5))).toBe(1000);
    // No entries (range tombstones only): nothing to average over.
    expect(compensatedSize(t(1000, 0, 0))).toBe(1000);
  });

  it('each deletion beyond half the entries counts two average entries more', () => {
    expect(compensatedSize(t(1000, 10, 6))).toBe(1000 + 2 * 100 * 2);
    expect(compensatedSize(t(1000, 10, 10))).toBe(1000 + 10 * 100 * 2);
    expect(compensatedSize(t(600, 3, 2))).toBe(600 + 1 * 200 * 2);
  });
});

describe("how runCompaction's errors are sorted", () => {
  it('storage failures become LSM_IO with the failure as cause', () => {
    const fsErr = new FsError('ENOSPC', 'write', '/db/1.sst');
    const a = normalizeError(fsErr, 'compaction into L1') as Error;
    expect(isLsmError(a, 'LSM_IO')).toBe(true);
    expect(a.cause).toBe(fsErr);
    // Anything with an errno-style code (a node error) counts as one too.
    const nodeErr = Object.assign(new Error('disk gone'), { code: 'EIO' });
    const c = normalizeError(nodeErr, 'compaction into L1') as Error;
    expect(isLsmError(c, 'LSM_IO')).toBe(true);
    expect(c.cause).toBe(nodeErr);
    expect(isLsmError(normalizeError(Object.assign(new Error('x'), { code: 'E2BIG' }), 'w'), 'LSM_IO')).toBe(true);
  });

  it("the engine's own errors, bugs and codes that are not errno pass unchanged", () => {
    const lsm = new CorruptionError('/db/1.sst', 4096, 'bad block');
    expect(normalizeError(lsm, 'w')).toBe(lsm);
    const bug = new TypeError('x is undefined');
    expect(normalizeError(bug, 'w')).toBe(bug);
    for (const code of ['ERR_INVALID_ARG_TYPE', 'XEIO', 'EIO!', 'E', 5, undefined]) {
      const e = Object.assign(new Error('x'), { code });
      expect(normalizeError(e, 'w'), String(code)).toBe(e);
    }
  });

  it('a non-object thrown value becomes an Error naming what threw', () => {
    const e = normalizeError('boom', 'compaction into L2') as Error;
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('compaction into L2: boom');
    expect((normalizeError(null, 'w') as Error).message).toBe('w: null');
  });

  it("a user callback's error passes unchanged, even with an errno-style code", () => {
    const mine = Object.assign(new Error('my filter failed'), { code: 'EIO' });
    expect(userError(mine, 'the compaction filter')).toBe(mine);
    expect(normalizeError(mine, 'w')).toBe(mine);
    const wrapped = userError(42, 'the merge operator') as Error;
    expect(wrapped.message).toBe('the merge operator threw 42');
    expect(wrapped.cause).toBe(42);
    expect(normalizeError(wrapped, 'w')).toBe(wrapped);
    const nul = userError(null, 'the compaction filter') as Error;
    expect(nul.message).toBe('the compaction filter threw null');
    expect(nul.cause).toBe(null);
  });

  it('compactionFailure of a value with no report is undefined', () => {
    for (const v of [null, undefined, 'x', 3, new Error('plain')]) expect(compactionFailure(v)).toBeUndefined();
  });
});

describe('compaction filters: what is refused, and the TTL format', () => {
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      return (err as Error).message;
    }
    return 'no error';
  };

  it('a filter without a name or a filter() is refused, naming the option', () => {
    expect(refusal(() => checkCompactionFilter(null, 'options.compactionFilter'))).toBe('options.compactionFilter must be an object with name and filter()');
    expect(refusal(() => checkCompactionFilter('f', 'options.compactionFilter'))).toBe('options.compactionFilter must be an object with name and filter()');
    expect(refusal(() => checkCompactionFilter({ filter: () => 'keep' }, 'x'))).toBe('x.name must be a non-empty string');
    expect(refusal(() => checkCompactionFilter({ name: '', filter: () => 'keep' }, 'x'))).toBe('x.name must be a non-empty string');
    expect(refusal(() => checkCompactionFilter({ name: 'f' }, 'x'))).toBe('x.filter must be a function');
    const ok = { name: 'f', filter: () => 'keep' as const };
    expect(checkCompactionFilter(ok, 'x')).toBe(ok);
  });

  it("a filter's answer other than keep, remove or { change: bytes } is refused, saying what came back", () => {
    expect(checkDecision('keep', 'f')).toBe('keep');
    expect(checkDecision('remove', 'f')).toBe('remove');
    const change = { change: b('v') };
    expect(checkDecision(change, 'f')).toBe(change);
    const tail = "; expected 'keep', 'remove' or { change: Uint8Array }";
    expect(refusal(() => checkDecision('drop', 'my.filter'))).toBe(`compaction filter my.filter returned "drop"${tail}`);
    expect(refusal(() => checkDecision({ change: 'v' }, 'my.filter'))).toBe(`compaction filter my.filter returned an object without a Uint8Array \`change\`${tail}`);
    expect(refusal(() => checkDecision(null, 'my.filter'))).toBe(`compaction filter my.filter returned null${tail}`);
    expect(refusal(() => checkDecision(undefined, 'my.filter'))).toBe(`compaction filter my.filter returned undefined${tail}`);
    expect(refusal(() => checkDecision(3, 'my.filter'))).toBe(`compaction filter my.filter returned 3${tail}`);
  });

  it('TTL values: expiry 0 is allowed, a negative or fractional one refused; a value shorter than the prefix is not one', () => {
    expect(decodeTtlValue(encodeTtlValue(0, b('p'))).expiresAtMs).toBe(0);
    expect(refusal(() => encodeTtlValue(-1, b('p')))).toBe('expiresAtMs must be a safe integer >= 0, got -1');
    expect(refusal(() => encodeTtlValue(1.5, b('p')))).toBe('expiresAtMs must be a safe integer >= 0, got 1.5');
    expect(refusal(() => decodeTtlValue(new Uint8Array(7)))).toBe('a TTL value starts with an 8-byte expiry time, got 7 bytes');
    const empty = decodeTtlValue(encodeTtlValue(5, new Uint8Array(0)));
    expect([empty.expiresAtMs, empty.payload.length]).toEqual([5, 0]);
    expect(refusal(() => ttlFilter({ now: 5 as never }))).toBe('ttlFilter: now must be a function');
    const f = ttlFilter({ now: () => 100 });
    const info = { level: 1, seqno: 1, bottommost: true } as never;
    // Exactly the prefix, expired: removed; seven bytes: not a TTL value, kept.
    expect(f.filter(b('k'), encodeTtlValue(100, new Uint8Array(0)), info)).toBe('remove');
    expect(f.filter(b('k'), encodeTtlValue(101, new Uint8Array(0)), info)).toBe('keep');
    expect(f.filter(b('k'), new Uint8Array(7), info)).toBe('keep');
  });
});
