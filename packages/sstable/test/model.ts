// A model of Table.get for randomized tests: what a point read must return for a sorted
// entry list (the newest version at or below the read seqno, with the older merge
// operands it needs), and an assertion that compares a TableGetResult with it.

import { bytewiseComparator, type Comparator, type Entry, ValueType } from '@lsm/base';
import { hex } from '@lsm/base/testing';
import { expect } from 'vitest';
import type { TableGetResult } from '../src/table.js';

/** What Table.get(key, seqno) must return for a sorted entry list. */
export function modelGet(sorted: readonly Entry[], key: Uint8Array, seqno: number, cmp: Comparator = bytewiseComparator): { type: number; seqno: number; value: Uint8Array; older: Entry[] | undefined } | undefined {
  let i = sorted.findIndex((e) => cmp.compare(e.userKey, key) === 0 && e.seqno <= seqno);
  if (i < 0) return undefined;
  const first = sorted[i]!;
  if (first.type !== ValueType.Merge) return { type: first.type, seqno: first.seqno, value: first.value, older: undefined };
  const older: Entry[] = [];
  for (i++; i < sorted.length && cmp.compare(sorted[i]!.userKey, key) === 0; i++) {
    older.push(sorted[i]!);
    if (sorted[i]!.type !== ValueType.Merge) break;
  }
  return { type: first.type, seqno: first.seqno, value: first.value, older };
}

export function expectGet(actual: TableGetResult | undefined, expected: ReturnType<typeof modelGet>): void {
  if (expected === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  expect(actual).toBeDefined();
  expect(actual!.type).toBe(expected.type);
  expect(actual!.seqno).toBe(expected.seqno);
  expect(hex(actual!.value)).toBe(hex(expected.value));
  if (expected.older === undefined) {
    expect(actual!.olderEntries).toBeUndefined();
  } else {
    expect(actual!.olderEntries?.map((e) => `${e.seqno}:${e.type}:${hex(e.value)}`)).toEqual(expected.older.map((e) => `${e.seqno}:${e.type}:${hex(e.value)}`));
  }
}
