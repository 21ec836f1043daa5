import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { expectLsmError } from '@lsm/base/testing';

describe('BlockCache', () => {
  it('counts hits and misses', () => {
    const c = new BlockCache(1000);
    expect(c.get(1, 0)).toBeUndefined();
    c.insert(1, 0, 'a', 10);
    expect(c.get(1, 0)).toBe('a');
    expect(c.get(2, 0)).toBeUndefined();
    expect(c.stats()).toMatchObject({ hits: 1, misses: 2, inserts: 1, usage: 10, entries: 1 });
    c.resetStats();
    expect(c.stats()).toMatchObject({ hits: 0, misses: 0, inserts: 0 });
  });

  it('evicts past capacity with CLOCK: a referenced entry gets a second chance', () => {
    const c = new BlockCache(300);
    c.insert(1, 0, 'a', 100);
    c.insert(1, 100, 'b', 100);
    c.insert(1, 200, 'c', 100);
    c.get(1, 0); // a is referenced
    c.insert(2, 0, 'd', 100); // the hand spares a (clearing its bit) and evicts b
    expect(c.get(1, 100)).toBeUndefined();
    expect(c.get(1, 0)).toBe('a');
    expect(c.get(1, 200)).toBe('c');
    expect(c.get(2, 0)).toBe('d');
    expect(c.usage).toBe(300);
    expect(c.stats().evictions).toBe(1);
    c.insert(3, 0, 'e', 250); // evicts until it fits
    expect(c.usage).toBeLessThanOrEqual(300);
    expect(c.get(3, 0)).toBe('e');
  });

  it('a hot set survives a scan of cold blocks', () => {
    const c = new BlockCache(1000);
    for (let i = 0; i < 5; i++) c.insert(1, i, `hot${i}`, 100);
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) expect(c.get(1, i)).toBe(`hot${i}`);
      c.insert(2, round, 'cold', 100); // one-off blocks
    }
    expect(c.stats().evictions).toBe(15);
  });

  it('stays within capacity under random use and keeps its books straight', () => {
    const c = new BlockCache(5000);
    let x = 7;
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const t = x % 5;
      const off = (x >>> 8) % 200;
      if (c.get(t, off) === undefined) c.insert(t, off, i, 1 + ((x >>> 16) % 300));
      if (i % 1000 === 999) c.eraseTable(x % 5);
      expect(c.usage).toBeLessThanOrEqual(5000);
    }
    const s = c.stats();
    expect(s.entries).toBeGreaterThan(0);
    c.clear();
    expect(c.stats().usage).toBe(0);
  });

  it('keys by table id and offset: tables never collide', () => {
    const c = new BlockCache(1000);
    c.insert(1, 64, 'one', 1);
    c.insert(2, 64, 'two', 1);
    expect(c.get(1, 64)).toBe('one');
    expect(c.get(2, 64)).toBe('two');
    expect(c.eraseTable(1)).toBe(1);
    expect(c.get(1, 64)).toBeUndefined();
    expect(c.get(2, 64)).toBe('two');
    expect(c.usage).toBe(1);
  });

  it('replaces an existing entry and keeps usage right', () => {
    const c = new BlockCache(1000);
    c.insert(1, 0, 'a', 10);
    c.insert(1, 0, 'b', 30);
    expect(c.get(1, 0)).toBe('b');
    expect(c.usage).toBe(30);
    expect(c.stats().entries).toBe(1);
  });

  it('does not keep entries larger than the capacity; capacity 0 keeps nothing', () => {
    const c = new BlockCache(100);
    c.insert(1, 0, 'big', 101);
    expect(c.get(1, 0)).toBeUndefined();
    const z = new BlockCache(0);
    z.insert(1, 0, 'x', 1);
    expect(z.get(1, 0)).toBeUndefined();
    expect(z.stats().misses).toBe(1);
  });

  it('setCapacity shrinks, clear empties', () => {
    const c = new BlockCache(1000);
    for (let i = 0; i < 10; i++) c.insert(1, i, i, 100);
    c.setCapacity(350);
    expect(c.usage).toBe(300);
    expect(c.get(1, 9)).toBe(9);
    expect(c.get(1, 0)).toBeUndefined();
    c.clear();
    expect(c.usage).toBe(0);
    expect(c.stats().entries).toBe(0);
    expectLsmError(() => c.setCapacity(-1), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => new BlockCache(1.5), 'LSM_INVALID_ARGUMENT');
  });
});

describe('BlockCache slots (the table fast path)', () => {
  it('slot lookups see inserts, evictions, replacement and erase', () => {
    const c = new BlockCache(250);
    const sh = c.shard(1);
    c.insertInto(sh, 4096, 'b0', 100, 0);
    c.insertInto(sh, 8192, 'b1', 100, 1);
    expect(c.lookupSlot(sh, 0)).toBe('b0');
    expect(c.lookupSlot(sh, 1)).toBe('b1');
    expect(c.lookupSlot(sh, 5)).toBeUndefined();
    c.insertInto(sh, 12288, 'b2', 100, 2); // evicts b0 (b1 was referenced)
    expect(c.lookupSlot(sh, 0)).toBeUndefined();
    expect(c.stats()).toMatchObject({ entries: 2, usage: 200, evictions: 1 });
    c.insertInto(sh, 8192, 'b1v2', 100, 1); // replaces b1: charged once
    expect(c.lookupSlot(sh, 1)).toBe('b1v2');
    expect(c.stats()).toMatchObject({ entries: 2, usage: 200 });
    expect(c.eraseTable(1)).toBe(2);
    expect(c.lookupSlot(sh, 1)).toBeUndefined();
    expect(c.stats()).toMatchObject({ entries: 0, usage: 0 });
    c.insertInto(sh, 0, 'again', 10, 0); // an erased shard re-registers
    expect(c.lookupSlot(sh, 0)).toBe('again');
  });

  it('slot entries and offset entries of one table are apart: a data block is found by its slot only', () => {
    const c = new BlockCache(1000);
    const sh = c.shard(1);
    c.insertInto(sh, 4096, 'data', 100, 0);
    c.insertInto(sh, 4096, 'index', 100); // the same offset without a slot: another entry
    expect(c.lookupSlot(sh, 0)).toBe('data');
    expect(c.get(1, 4096)).toBe('index');
    expect(c.stats()).toMatchObject({ entries: 2, usage: 200 });
    expect(c.eraseTable(1)).toBe(2);
    expect(c.get(1, 4096)).toBeUndefined();
    expect(c.stats()).toMatchObject({ entries: 0, usage: 0 });
  });

  it('evicting slot entries under random use keeps lookups and books exact (model check)', () => {
    // Seeded: a model of what must be cached (by the CLOCK rule it is a subset of what was
    // inserted and not replaced) against lookups, with usage equal to the charges held.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const c = new BlockCache(5_000);
    const latest = new Map<string, string>();
    for (let step = 0; step < 20_000; step++) {
      const table = 1 + rnd(4);
      const sh = c.shard(table);
      const slot = rnd(64);
      const k = `${table}/${slot}`;
      if (rnd(3) === 0) {
        const v = `${k}#${step}`;
        c.insertInto(sh, slot * 4096, v, 50 + rnd(200), slot);
        latest.set(k, v);
      } else {
        const got = c.lookupSlot(sh, slot);
        if (got !== undefined) expect(got, `step ${step} (seed 12345)`).toBe(latest.get(k));
      }
      if (rnd(2000) === 0) {
        c.eraseTable(table);
        for (let s = 0; s < 64; s++) latest.delete(`${table}/${s}`);
      }
      expect(c.usage).toBeLessThanOrEqual(5_000);
    }
    // Whatever is still cached is the latest value, and the books add up.
    let held = 0;
    for (let table = 1; table <= 4; table++) {
      for (let s = 0; s < 64; s++) if (c.lookupSlot(c.shard(table), s) !== undefined) held++;
    }
    expect(c.stats().entries).toBe(held);
  });
});
