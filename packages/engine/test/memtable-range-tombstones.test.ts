// The memtable's range deletions as point reads see them: maxCoveringSeqno must equal a
// brute-force answer at every moment of a seeded mix of additions and queries, across the
// partial rebuilds of its fragmented index (tombstones added since the last rebuild are
// scanned one by one).

import { bytewiseComparator } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { Memtable } from '../src/memtable/memtable.js';
import { Rng, keyOf } from './helpers.js';

describe('memtable range deletions for point reads', () => {
  for (const seed of [1, 2, 3]) {
    it(`match a brute-force answer while deletions and reads interleave (seed ${seed})`, () => {
      const rng = new Rng(seed);
      const mem = new Memtable(bytewiseComparator, true, 0);
      const added: { a: number; b: number; seq: number }[] = [];
      let seq = 0;
      for (let step = 0; step < 3000; step++) {
        if (rng.chance(0.5)) {
          const a = rng.int(500);
          const b = a + 1 + (rng.chance(0.9) ? rng.int(5) : rng.int(200));
          seq++;
          mem.addRangeTombstone(seq, keyOf(a), keyOf(b));
          added.push({ a, b, seq });
        } else {
          const k = rng.int(720);
          const at = rng.chance(0.3) ? rng.int(seq + 1) : seq;
          let want = -1;
          for (const t of added) if (t.seq <= at && t.a <= k && k < t.b) want = Math.max(want, t.seq);
          expect(mem.maxCoveringSeqno(keyOf(k), at), `seed ${seed} step ${step} key ${k} at ${at}`).toBe(want);
        }
      }
    });
  }
});
