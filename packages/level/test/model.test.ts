// Model-based randomized test: seeded random sequences of LsmLevel operations (put, del,
// array and chained batches, clear with random ranges, limits and direction, get,
// getMany, has, iterators over random ranges with seeks, explicit snapshots read later,
// iterators held open across writes, flush, compaction, close and reopen) against an
// in-memory oracle. The engine runs with tiny memtables so flushes and compactions happen
// throughout. Failures name the seed and step: `MODEL_SEED=<n> npx vitest run test/model.test.ts`.

import { afterAll, expect, it } from 'vitest';
import { LsmLevel } from '../src/index.js';
import type { AbstractSnapshot } from 'abstract-level';
import { Rng, tempDirs } from './helpers.js';

type State = Map<string, string>;

const dirs = tempDirs('lsm-level-model-');
afterAll(() => dirs.cleanup());

const SEEDS = process.env.MODEL_SEED ? [Number(process.env.MODEL_SEED)] : [11, 22, 33];
const STEPS = 1200;
const KEYS = 120;

interface Range {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse: boolean;
  limit?: number;
}

/** The oracle's answer to a range read. */
function scan(state: State, r: Range): [string, string][] {
  const lo = r.gte ?? r.gt;
  const loInc = r.gte !== undefined;
  const hi = r.lte ?? r.lt;
  const hiInc = r.lte !== undefined;
  let out = [...state.entries()]
    .filter(([k]) => (lo === undefined || k > lo || (loInc && k === lo)) && (hi === undefined || k < hi || (hiInc && k === hi)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (r.reverse) out.reverse();
  if (r.limit !== undefined && r.limit >= 0) out = out.slice(0, r.limit);
  return out;
}

async function runModel(seed: number): Promise<void> {
  const rng = new Rng(seed);
  const dir = dirs.make();
  const options = dirs.confine({ engine: { memtableBytes: 4096, blockSize: 256 } });
  let db = new LsmLevel(dir, options);
  await db.open();
  const state: State = new Map();
  const snaps: { snap: AbstractSnapshot; state: State }[] = [];
  const key = (): string => `k${String(rng.int(KEYS)).padStart(3, '0')}`;
  const value = (): string => `v${rng.int(1e6)}${'x'.repeat(rng.chance(0.05) ? 2000 : rng.int(40))}`;
  const randRange = (): Range => {
    const r: Range = { reverse: rng.chance(0.5) };
    if (rng.chance(0.6)) r[rng.chance(0.5) ? 'gt' : 'gte'] = key();
    if (rng.chance(0.6)) r[rng.chance(0.5) ? 'lt' : 'lte'] = key();
    if (rng.chance(0.3)) r.limit = rng.int(10);
    return r;
  };
  let step = 0;
  const where = () => `seed ${seed}, step ${step}`;

  for (step = 0; step < STEPS; step++) {
    const op = rng.int(100);
    if (op < 30) {
      const k = key();
      const v = value();
      await db.put(k, v);
      state.set(k, v);
    } else if (op < 40) {
      const k = key();
      await db.del(k);
      state.delete(k);
    } else if (op < 48) {
      const ops = Array.from({ length: 1 + rng.int(20) }, () => (rng.chance(0.7) ? { type: 'put' as const, key: key(), value: value() } : { type: 'del' as const, key: key() }));
      if (rng.chance(0.5)) await db.batch(ops);
      else {
        const b = db.batch();
        for (const o of ops) {
          if (o.type === 'put') b.put(o.key, o.value);
          else b.del(o.key);
        }
        await b.write();
      }
      for (const o of ops) {
        if (o.type === 'put') state.set(o.key, o.value);
        else state.delete(o.key);
      }
    } else if (op < 51) {
      const r = randRange();
      await db.clear(r);
      for (const [k] of scan(state, r)) state.delete(k);
    } else if (op < 63) {
      const ks = Array.from({ length: 1 + rng.int(5) }, key);
      expect(await db.getMany(ks), where()).toEqual(ks.map((k) => state.get(k)));
      expect(await db.get(ks[0]!), where()).toBe(state.get(ks[0]!));
      expect(await db.has(ks[0]!), where()).toBe(state.has(ks[0]!));
    } else if (op < 75) {
      const r = randRange();
      expect(await db.iterator(r).all(), `${where()} ${JSON.stringify(r)}`).toEqual(scan(state, r));
    } else if (op < 80) {
      // An iterator held across writes, then sought: it keeps reading its creation-time view.
      const r = randRange();
      const view = new Map(state);
      const it = db.iterator(r);
      const first = await it.next();
      const k = key();
      const v = value();
      await db.put(k, v);
      state.set(k, v);
      const d = key();
      await db.del(d);
      state.delete(d);
      const target = key();
      it.seek(target);
      const rest = await it.all();
      const expected = scan(view, r);
      expect(first, where()).toEqual(expected[0]);
      // After seek: the view's entries from the target on, within the range and under the
      // limit; a target outside the range ends the iterator (abstract-level's rule).
      const inRange = scan(new Map([[target, '']]), { ...r, limit: undefined }).length === 1;
      const fromTarget = inRange ? scan(view, { ...r, limit: undefined }).filter(([kk]) => (r.reverse ? kk <= target : kk >= target)) : [];
      const left = r.limit === undefined ? undefined : r.limit - (first === undefined ? 0 : 1);
      expect(rest, `${where()} seek ${target} ${JSON.stringify(r)}`).toEqual(fromTarget.slice(0, left));
    } else if (op < 84) {
      snaps.push({ snap: db.snapshot(), state: new Map(state) });
    } else if (op < 90 && snaps.length > 0) {
      const { snap, state: at } = snaps[rng.int(snaps.length)]!;
      const r = randRange();
      expect(await db.iterator({ ...r, snapshot: snap }).all(), where()).toEqual(scan(at, r));
      const k = key();
      expect(await db.get(k, { snapshot: snap }), where()).toBe(at.get(k));
    } else if (op < 93 && snaps.length > 0) {
      const [s] = snaps.splice(rng.int(snaps.length), 1);
      await s!.snap.close();
    } else if (op < 96) {
      if (rng.chance(0.5)) db.engine.flush();
      else db.engine.compact();
    } else {
      // Reopen: snapshots close with the database.
      await db.close();
      snaps.length = 0;
      db = new LsmLevel(dir, options);
      await db.open();
      expect(await db.iterator().all(), where()).toEqual(scan(state, { reverse: false }));
    }
  }
  expect(await db.iterator().all(), where()).toEqual(scan(state, { reverse: false }));
  await db.close();
}

for (const seed of SEEDS) {
  it(`random operations match the oracle (seed ${seed})`, async () => {
    await runModel(seed);
  });
}
