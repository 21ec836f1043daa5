// Key and value streams: the key layout, determinism for a seed, and identity across
// engines (the workloads hand every adapter the same bytes in the same order).

import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { EngineName, RunSettings, WorkloadName } from '../src/args.js';
import type { Adapter, ScanSpec, Visit, WriteBatchView } from '../src/adapters/adapter.js';
import {
  KeySpace,
  MISSING_MARKER,
  PRESENT_MARKER,
  ValueSource,
  encodeKey,
  permutation,
  streamDigest,
  streamSeed,
} from '../src/keys.js';
import { WORKLOAD_IMPLS, type WorkloadContext } from '../src/workloads.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);

describe('keys', () => {
  it('use db_bench layout: big-endian index, ASCII 0 padding, a marker byte', () => {
    const k = new Uint8Array(16);
    encodeKey(k, 0, 0x0102_0304_05, 16, PRESENT_MARKER);
    expect(hex(k)).toBe('0000000102030405' + '30303030303030' + '30');
    encodeKey(k, 0, 258, 16, MISSING_MARKER);
    expect(hex(k)).toBe('0000000000000102' + '30303030303030' + '2e');
    const small = new Uint8Array(8);
    encodeKey(small, 0, 2 ** 40 + 1, 8, PRESENT_MARKER);
    // 8-byte keys: 7 bytes of index, then the marker.
    expect(hex(small)).toBe('00010000000001' + '30');
  });

  it('sort in index order, with each absent twin just below its key', () => {
    const s = new KeySpace(3000, 16);
    for (let i = 1; i < 3000; i++) {
      expect(compare(s.key(i - 1), s.key(i))).toBeLessThan(0);
      expect(compare(s.key(i - 1), s.missingKey(i))).toBeLessThan(0);
      expect(compare(s.missingKey(i), s.key(i))).toBeLessThan(0);
    }
    const present = new Set(Array.from({ length: 3000 }, (_, i) => hex(s.key(i))));
    for (let i = 0; i < 3000; i++) expect(present.has(hex(s.missingKey(i)))).toBe(false);
  });

  it('rejects sizes it cannot represent', () => {
    expect(() => new KeySpace(10, 7)).toThrow(RangeError);
    expect(() => new KeySpace(0, 16)).toThrow(RangeError);
  });
});

describe('permutations', () => {
  it('are deterministic per seed, complete, and differ between seeds', () => {
    const a = permutation(10_000, 7);
    const b = permutation(10_000, 7);
    const c = permutation(10_000, 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    // Not the identity nor close to it.
    let fixed = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === i) fixed++;
    expect(fixed).toBeLessThan(20);
  });

  it('stream seeds differ by role and by run seed', () => {
    const seeds = new Set([0, 1, 2, 3, 4, 5].flatMap((role) => [streamSeed(1, role), streamSeed(2, role)]));
    expect(seeds.size).toBe(12);
  });
});

describe('values', () => {
  it('are deterministic, sized by the distribution, and about 2x compressible', () => {
    const a = new ValueSource({ kind: 'fixed', size: 100 }, 1);
    const b = new ValueSource({ kind: 'fixed', size: 100 }, 1);
    for (let j = 0; j < 5000; j += 37) expect(hex(a.value(j))).toBe(hex(b.value(j)));
    expect(a.value(0).length).toBe(100);
    expect(a.meanSize).toBe(100);
    const all = Buffer.concat(Array.from({ length: 2000 }, (_, j) => a.value(j * 2)));
    const ratio = all.length / deflateSync(all, { level: 6 }).length;
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.6);
    const u = new ValueSource({ kind: 'uniform', min: 10, max: 30 }, 1);
    const sizes = Array.from({ length: 4096 }, (_, j) => u.value(j).length);
    expect(Math.min(...sizes)).toBe(10);
    expect(Math.max(...sizes)).toBe(30);
    expect(u.meanSize).toBeGreaterThan(19);
    expect(u.meanSize).toBeLessThan(21);
  });
});

/** An in-memory "engine" that records every key it is handed, in order. */
class RecordingAdapter implements Adapter {
  readonly label = 'recorder';
  readonly api = { writes: 'sync', reads: 'sync', scans: 'sync' } as const;
  readonly notes = [];
  readonly seen: string[] = [];
  private readonly map = new Map<string, Uint8Array>();
  private sorted: string[] | undefined;
  constructor(readonly engine: EngineName) {}
  async open() {}
  async close() {}
  async settle() {}
  write(b: WriteBatchView) {
    for (let i = 0; i < b.length; i++) {
      const k = hex(b.keys[i]!);
      this.seen.push(`w${k}`);
      this.sorted = undefined;
      if (b.values === undefined) this.map.delete(k);
      else this.map.set(k, b.values[i]!.slice());
    }
  }
  get(key: Uint8Array) {
    this.seen.push(`g${hex(key)}`);
    return this.map.get(hex(key));
  }
  scan(spec: ScanSpec, visit: Visit) {
    this.sorted ??= [...this.map.keys()].sort();
    const keys = spec.reverse ? [...this.sorted].reverse() : this.sorted;
    let n = 0;
    for (const k of keys) {
      if (spec.from !== undefined && k < hex(spec.from)) continue; // a linear seek: fine for a test
      if (n >= spec.limit) break;
      visit(Buffer.from(k, 'hex'), this.map.get(k)!);
      n++;
    }
    this.seen.push(`s${spec.from === undefined ? '' : hex(spec.from)}:${n}`);
    return n;
  }
}

const SETTINGS: RunSettings = {
  num: 3000,
  reads: 2500,
  keySize: 16,
  valueDist: { kind: 'fixed', size: 20 },
  batch: 100,
  compression: 'none',
  seed: 9,
  writeBufferSize: 1 << 20,
  cacheSize: 1 << 20,
  blockSize: 4096,
  bloomBits: 10,
  minValueSize: 4096,
  defaults: 'shared',
  warm: false,
};

async function record(engine: EngineName, workload: WorkloadName): Promise<{ seen: string[]; digest: string }> {
  const adapter = new RecordingAdapter(engine);
  const ctx: WorkloadContext = { adapter, settings: SETTINGS, keys: new KeySpace(SETTINGS.num, 16), values: new ValueSource(SETTINGS.valueDist, SETTINGS.seed), progress: () => {} };
  // The worker's load phase, then the timed phase.
  if (WORKLOAD_IMPLS[workload].needsLoad) {
    const { loadOrder, writeStream } = await import('../src/workloads.js');
    await writeStream(ctx, loadOrder(SETTINGS), SETTINGS.num, 0, false, undefined, 'load');
  }
  const m = await WORKLOAD_IMPLS[workload].run(ctx);
  return { seen: adapter.seen, digest: m.digest() };
}

describe('key streams across engines', () => {
  it.each(['fillrandom', 'overwrite', 'readrandom', 'readmissing', 'seekrandom', 'deleterandom', 'readwhilewriting'] as WorkloadName[])(
    '%s hands every engine the same keys in the same order',
    async (w) => {
      const a = await record('lsm', w);
      const b = await record('lmdb', w);
      expect(a.seen.length).toBeGreaterThan(SETTINGS.num);
      expect(a.seen).toEqual(b.seen);
      expect(a.digest).toBe(b.digest);
    },
  );

  it('random streams are not sequential, and fillseq is', async () => {
    // Writes only (the untimed check reads a sample afterwards).
    const seq = (await record('lsm', 'fillseq')).seen.filter((x) => x.startsWith('w'));
    expect(seq).toHaveLength(SETTINGS.num);
    expect(seq).toEqual([...seq].sort());
    const rnd = (await record('lsm', 'fillrandom')).seen.filter((x) => x.startsWith('w'));
    expect(rnd).not.toEqual([...rnd].sort());
    expect(new Set(rnd).size).toBe(SETTINGS.num);
  });

  it('the digest is a function of the stream', () => {
    const s = new KeySpace(100, 16);
    const p = permutation(100, 1);
    expect(streamDigest(s, p, 100, false)).toBe(streamDigest(new KeySpace(100, 16), permutation(100, 1), 100, false));
    expect(streamDigest(s, p, 100, false)).not.toBe(streamDigest(s, p, 100, true));
    expect(streamDigest(s, p, 100, false)).not.toBe(streamDigest(s, permutation(100, 2), 100, false));
  });
});
