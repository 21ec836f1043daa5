// What a read makes of one key's versions (src/read/version-chain.ts), fed directly:
// newest first (VersionChain: the first value or deletion decides, merge operands gather
// down to a base and fold oldest first; a version below the covering range tombstone is
// deleted, one at the tombstone's seqno is not) and oldest first (OldestFirstFold, reverse
// iteration: each value, deletion or covered version restarts the fold). Results are
// copies the caller owns; a blob pointer is read only when it is the base; operands
// without an operator, an operator that returns no bytes and unknown types are
// LSM_INVALID_ARGUMENT with the reason.

import { InvalidArgumentError, ValueType } from '@lsm/base';
import type { MergeOperator } from '@lsm/compaction';
import { describe, expect, it } from 'vitest';
import { OldestFirstFold, VersionChain, applyMerge } from '../src/read/version-chain.js';
import { codeOf, text } from './helpers.js';

const b = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Joins base and operands with '+', recording each call. */
function joiner(): MergeOperator & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'join',
    calls,
    merge(key, existing, operands) {
      const s = [existing === undefined ? '_' : text(existing)!, ...operands.map((o) => text(o)!)].join('+');
      calls.push(`${text(key)}:${s}`);
      return b(s);
    },
  };
}

const { Value, Tombstone, WeakTombstone, Merge, Indirection } = ValueType;

describe('applyMerge', () => {
  it('fails with LSM_INVALID_ARGUMENT without an operator or when the operator returns no bytes', () => {
    expect(codeOf(() => applyMerge(undefined, b('k'), undefined, [b('x')]))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => applyMerge(undefined, b('k'), undefined, [b('x')])).toThrow(
      'the key holds merge operands but the store was opened without a mergeOperator',
    );
    const returning = (out: unknown): MergeOperator => ({ name: 'bad', merge: () => out as Uint8Array });
    expect(() => applyMerge(returning(null), b('k'), undefined, [b('x')])).toThrow("merge operator 'bad' returned null, not a Uint8Array");
    expect(() => applyMerge(returning('s'), b('k'), undefined, [b('x')])).toThrow("merge operator 'bad' returned string, not a Uint8Array");
    expect(() => applyMerge(returning(undefined), b('k'), undefined, [b('x')])).toThrow(InvalidArgumentError);
    expect(codeOf(() => applyMerge(returning([1]), b('k'), undefined, [b('x')]))).toBe('LSM_INVALID_ARGUMENT');
  });

  it('returns a copy of what the operator returns', () => {
    const base = b('base');
    const echo: MergeOperator = { name: 'echo', merge: (_k, e) => e! };
    const out = applyMerge(echo, b('k'), base, [b('x')]);
    expect(text(out)).toBe('base');
    base[0] = 0x42;
    expect(text(out)).toBe('base');
  });
});

describe('VersionChain (newest first)', () => {
  it('a new chain starts like a reset one: unresolved, no operands, no covering tombstone', () => {
    const chain = new VersionChain(joiner());
    expect(chain.done).toBe(false);
    expect(chain.tomb).toBe(-1);
    expect(chain.hasOperands).toBe(false);
    expect(chain.push(Merge, 0, b('m'))).toBe(false);
    expect(chain.push(Value, 0, b('v'))).toBe(true);
    expect(text(chain.result)).toBe('v+m');
  });

  it('resolves on the first value or deletion, copying the value', () => {
    const chain = new VersionChain(undefined);
    chain.reset(b('k'), -1);
    expect(chain.done).toBe(false);
    expect(chain.hasOperands).toBe(false);
    const v = b('v1');
    expect(chain.push(Value, 5, v)).toBe(true);
    expect(chain.done).toBe(true);
    v[0] = 0x58;
    expect(text(chain.result)).toBe('v1');
    expect(text(chain.end())).toBe('v1'); // already resolved: end() changes nothing
    for (const t of [Tombstone, WeakTombstone]) {
      chain.reset(b('k'), -1);
      expect(chain.push(t, 5, new Uint8Array(0))).toBe(true);
      expect(chain.done).toBe(true);
      expect(chain.result).toBeUndefined();
    }
  });

  it('reset forgets the previous key entirely', () => {
    const op = joiner();
    const chain = new VersionChain(op);
    chain.reset(b('a'), 9);
    chain.push(Merge, 10, b('m'));
    expect(chain.hasOperands).toBe(true);
    chain.reset(b('b'), -1);
    expect(chain.tomb).toBe(-1);
    expect(chain.hasOperands).toBe(false);
    expect(chain.done).toBe(false);
    expect(chain.result).toBeUndefined();
    expect(chain.push(Value, 3, b('x'))).toBe(true);
    expect(text(chain.result)).toBe('x');
    expect(op.calls).toEqual([]);
    chain.reset(b('c'), -1);
    expect(chain.result).toBeUndefined();
    expect(chain.done).toBe(false);
  });

  it('gathers operands newest first and folds them oldest first onto the base', () => {
    const op = joiner();
    const chain = new VersionChain(op);
    chain.reset(b('k'), -1);
    const m3 = b('m3');
    expect(chain.push(Merge, 9, m3)).toBe(false);
    m3[0] = 0x5a; // operands are copied when met
    expect(chain.push(Merge, 8, b('m2'))).toBe(false);
    expect(chain.hasOperands).toBe(true);
    expect(chain.done).toBe(false);
    expect(chain.push(Value, 7, b('v'))).toBe(true);
    expect(text(chain.result)).toBe('v+m2+m3');
    expect(op.calls).toEqual(['k:v+m2+m3']);
    // onto a deletion, onto the bottom of the tree, onto a covering tombstone
    chain.reset(b('k'), -1);
    chain.push(Merge, 9, b('a'));
    chain.push(Tombstone, 8, new Uint8Array(0));
    expect(text(chain.result)).toBe('_+a');
    chain.reset(b('k'), -1);
    chain.push(Merge, 9, b('a'));
    chain.push(Merge, 8, b('b'));
    expect(text(chain.end())).toBe('_+b+a');
    chain.reset(b('k'), -1);
    chain.push(Merge, 9, b('a'));
    expect(chain.hiddenBelow()).toBe(true);
    expect(text(chain.result)).toBe('_+a');
    expect(chain.end()).toEqual(b('_+a'));
  });

  it('a version below the covering tombstone is deleted; one at its seqno or above is not', () => {
    const op = joiner();
    const chain = new VersionChain(op);
    chain.reset(b('k'), 5);
    expect(chain.push(Value, 4, b('old'))).toBe(true);
    expect(chain.result).toBeUndefined();
    chain.reset(b('k'), 5);
    expect(chain.push(Value, 5, b('same'))).toBe(true);
    expect(text(chain.result)).toBe('same');
    chain.reset(b('k'), 5);
    expect(chain.push(Merge, 5, b('at'))).toBe(false);
    expect(chain.push(Merge, 4, b('below'))).toBe(true);
    expect(text(chain.result)).toBe('_+at');
  });

  it('cover only ever raises the tombstone seqno', () => {
    const chain = new VersionChain(undefined);
    chain.reset(b('k'), -1);
    chain.cover(6);
    expect(chain.tomb).toBe(6);
    chain.cover(3);
    expect(chain.tomb).toBe(6);
    chain.cover(6);
    expect(chain.tomb).toBe(6);
    chain.cover(8);
    expect(chain.tomb).toBe(8);
    expect(chain.push(Value, 7, b('x'))).toBe(true);
    expect(chain.result).toBeUndefined();
  });

  it('hiddenBelow and end with no operands resolve to deleted', () => {
    const chain = new VersionChain(undefined);
    chain.reset(b('k'), -1);
    expect(chain.hiddenBelow()).toBe(true);
    expect(chain.done).toBe(true);
    expect(chain.result).toBeUndefined();
    chain.reset(b('k'), -1);
    expect(chain.end()).toBeUndefined();
    expect(chain.done).toBe(true);
  });

  it('reads a blob pointer only as the base, and refuses one without a blob reader', () => {
    const reads: string[] = [];
    const chain = new VersionChain(joiner(), (key, ptr) => {
      reads.push(`${text(key)}@${text(ptr)}`);
      return b(`blob-${text(ptr)}`);
    });
    chain.reset(b('k'), -1);
    chain.push(Merge, 9, b('m'));
    expect(chain.push(Indirection, 8, b('p1'))).toBe(true);
    expect(text(chain.result)).toBe('blob-p1+m');
    chain.reset(b('k'), 5);
    expect(chain.push(Indirection, 4, b('p2'))).toBe(true); // covered: never read
    expect(chain.result).toBeUndefined();
    expect(reads).toEqual(['k@p1']);
    const bare = new VersionChain(undefined);
    bare.reset(b('k'), -1);
    expect(codeOf(() => bare.push(Indirection, 1, b('p')))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => bare.push(Indirection, 1, b('p'))).toThrow('an entry of type 4 needs a feature this store was not opened with');
    expect(() => bare.push(7, 1, b('p'))).toThrow('an entry of type 7 needs a feature this store was not opened with');
    expect(codeOf(() => bare.push(15, 1, b('p')))).toBe('LSM_INVALID_ARGUMENT');
  });

  it('operands without an operator fail the read', () => {
    const chain = new VersionChain(undefined);
    chain.reset(b('k'), -1);
    chain.push(Merge, 2, b('m'));
    expect(codeOf(() => chain.end())).toBe('LSM_INVALID_ARGUMENT');
  });
});

describe('OldestFirstFold (reverse iteration)', () => {
  it('a new fold starts empty: no base, no operands, nothing seen', () => {
    const fold = new OldestFirstFold(joiner());
    fold.push(Merge, 1, b('m'), -1);
    expect(text(fold.finish(b('k')))).toBe('_+m');
  });

  it('with nothing fed, the key is absent', () => {
    const fold = new OldestFirstFold(joiner());
    expect(fold.finish(b('k'))).toBeUndefined();
    fold.push(Value, 1, b('v'), -1);
    fold.reset();
    expect(fold.finish(b('k'))).toBeUndefined();
  });

  it('each value or deletion restarts the fold; operands on top fold onto it', () => {
    const op = joiner();
    const fold = new OldestFirstFold(op);
    fold.reset();
    const v = b('v1');
    fold.push(Value, 1, v, -1);
    v[0] = 0x58;
    expect(text(fold.finish(b('k')))).toBe('v1');
    fold.push(Merge, 2, b('a'), -1);
    fold.push(Merge, 3, b('b'), -1);
    expect(text(fold.finish(b('k')))).toBe('v1+a+b');
    fold.push(Value, 4, b('v2'), -1);
    expect(text(fold.finish(b('k')))).toBe('v2');
    fold.push(Merge, 5, b('c'), -1);
    fold.push(Tombstone, 6, new Uint8Array(0), -1);
    expect(fold.finish(b('k'))).toBeUndefined();
    fold.push(Merge, 7, b('d'), -1);
    expect(text(fold.finish(b('k')))).toBe('_+d');
    fold.push(WeakTombstone, 8, new Uint8Array(0), -1);
    expect(fold.finish(b('k'))).toBeUndefined();
    expect(op.calls).toEqual(['k:v1+a+b', 'k:_+d']);
  });

  it('reset forgets base and operands', () => {
    const fold = new OldestFirstFold(joiner());
    fold.push(Value, 1, b('v'), -1);
    fold.push(Merge, 2, b('m'), -1);
    fold.reset();
    fold.push(Merge, 3, b('n'), -1);
    expect(text(fold.finish(b('k')))).toBe('_+n');
  });

  it('a version below the covering tombstone restarts the fold as deleted; one at its seqno does not', () => {
    const fold = new OldestFirstFold(joiner());
    fold.push(Value, 1, b('v'), -1);
    fold.push(Merge, 2, b('a'), 4);
    expect(fold.finish(b('k'))).toBeUndefined();
    fold.push(Merge, 4, b('b'), 4);
    expect(text(fold.finish(b('k')))).toBe('_+b');
    fold.reset();
    fold.push(Value, 4, b('w'), 4);
    expect(text(fold.finish(b('k')))).toBe('w');
  });

  it('a covered version also forgets a blob pointer below it', () => {
    const reads: string[] = [];
    const fold = new OldestFirstFold(joiner(), (_k, p) => {
      reads.push(text(p)!);
      return b('blob');
    });
    fold.push(Indirection, 1, b('p'), -1);
    fold.push(Value, 2, b('v'), 3); // covered
    fold.push(Merge, 3, b('m'), 3);
    expect(text(fold.finish(b('k')))).toBe('_+m');
    expect(reads).toEqual([]);
  });

  it('reads a blob pointer only if it is still the base at the end', () => {
    const reads: string[] = [];
    const fold = new OldestFirstFold(joiner(), (key, p) => {
      reads.push(`${text(key)}@${text(p)}`);
      return b(`blob-${text(p)}`);
    });
    const ptr = b('p1');
    fold.push(Indirection, 1, ptr, -1);
    ptr[1] = 0x39; // copied when met
    expect(text(fold.finish(b('k')))).toBe('blob-p1');
    fold.push(Merge, 2, b('m'), -1);
    expect(text(fold.finish(b('k')))).toBe('blob-p1+m');
    fold.push(Value, 3, b('v'), -1);
    expect(text(fold.finish(b('k')))).toBe('v');
    fold.push(Indirection, 4, b('p2'), -1);
    fold.push(Tombstone, 5, new Uint8Array(0), -1);
    expect(fold.finish(b('k'))).toBeUndefined();
    fold.push(Indirection, 6, b('p3'), -1);
    fold.push(Value, 7, b('v7'), -1);
    expect(text(fold.finish(b('k')))).toBe('v7');
    expect(reads).toEqual(['k@p1', 'k@p1']);
    fold.push(Indirection, 8, b('p4'), -1);
    fold.push(Value, 9, b('v9'), 10); // covered version: restart as deleted, not the pointer
    expect(fold.finish(b('k'))).toBeUndefined();
    expect(reads).toEqual(['k@p1', 'k@p1']);
  });

  it('refuses a blob pointer without a blob reader, and unknown types', () => {
    const fold = new OldestFirstFold(joiner());
    expect(codeOf(() => fold.push(Indirection, 1, b('p'), -1))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => fold.push(9, 1, b('p'), -1)).toThrow('an entry of type 9 needs a feature this store was not opened with');
  });

  it('operands without an operator fail at the end', () => {
    const fold = new OldestFirstFold(undefined);
    fold.push(Merge, 1, b('m'), -1);
    expect(codeOf(() => fold.finish(b('k')))).toBe('LSM_INVALID_ARGUMENT');
  });
});
