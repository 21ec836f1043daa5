// Fuzzing whole tables with fast-check: tables written from random entries (random block
// size, restart interval, compression, filter, prefix filter, range tombstones), then
// damaged by 1-4 mutations, plus files of random bytes. Table.open and then every read --
// get of every key at two seqnos and of absent keys, full forward and reverse iteration,
// seeks, range tombstones, filter probes -- must each return exactly what was written or
// throw LSM_CORRUPTION naming the file: never a wrong value, never another error. A table
// whose bytes did not change must read back completely. tableVerify must never throw on
// damage and must report every change of the bytes.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { compareBytes, MAX_SEQNO, type Entry, type RangeTombstone } from '@lsm/base';
import { Rng, randomEntries } from '@lsm/base/testing';
import { fixedPrefixExtractor } from '../src/prefix-extractor.js';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';
import { modelGet } from './model.js';

const DIR = '/fuzz';
const PATH = `${DIR}/000042.sst`;

const fz = {
  open: new Fuzzed('sstable whole tables (Table.open)'),
  reads: new Fuzzed('sstable reads of opened damaged tables (get, iterate, seek, range tombstones, filters)'),
  verify: new Fuzzed('sstable tableVerify'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const show = (e: { seqno: number; type: number; value: Uint8Array }): string => `${e.seqno}:${e.type}:${hex(e.value)}`;

interface Built {
  bytes: Uint8Array;
  entries: Entry[];
  tombstones: RangeTombstone[];
  prefix: boolean;
}

const tableSpec = fc.record({
  seed: fc.nat(),
  n: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 40, max: 400 })),
  blockSize: fc.integer({ min: 64, max: 2048 }),
  restartInterval: fc.integer({ min: 1, max: 16 }),
  zstd: fc.boolean(),
  filter: fc.constantFrom<false | { bitsPerKey: number }>(false, { bitsPerKey: 10 }, { bitsPerKey: 4 }),
  prefix: fc.boolean(),
  tombstones: fc.integer({ min: 0, max: 4 }),
});

type Spec = typeof tableSpec extends fc.Arbitrary<infer T> ? T : never;

function build(spec: Spec): Built {
  const rng = new Rng(spec.seed);
  const entries = randomEntries(rng, spec.n);
  const fs = new MemFs();
  fs.createDirAll(DIR);
  const w = new TableWriter(fs, PATH, {
    blockSize: spec.blockSize,
    restartInterval: spec.restartInterval,
    compression: spec.zstd ? 'zstd' : 'none',
    filter: spec.filter,
    ...(spec.prefix ? { prefixExtractor: fixedPrefixExtractor(2) } : {}),
    creationTime: 1,
  });
  for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
  const tombstones: RangeTombstone[] = [];
  for (let i = 0; i < spec.tombstones; i++) {
    const a = rng.bytes(1 + rng.int(4));
    const b = rng.bytes(1 + rng.int(4));
    const c = compareBytes(a, b);
    if (c === 0) continue;
    const t = { start: c < 0 ? a : b, end: c < 0 ? b : a, seqno: rng.int(1000) };
    w.addRangeTombstone(t.start, t.end, t.seqno);
    tombstones.push(t);
  }
  tombstones.sort((x, y) => compareBytes(x.start, y.start) || y.seqno - x.seqno || compareBytes(x.end, y.end));
  w.finish();
  return { bytes: readFile(fs, PATH), entries, tombstones, prefix: spec.prefix };
}

/** Opens `bytes` as a table and runs every read; each is right or LSM_CORRUPTION. Returns reads that threw. */
function exercise(bytes: Uint8Array, t: Built, cached: boolean): { opened: boolean; corrupt: number } {
  const fs = new MemFs();
  fs.createDirAll(DIR);
  writeFile(fs, PATH, bytes);
  const table = fz.open.decode(
    bytes.length,
    () => Table.open(fs, PATH, { ...(t.prefix ? { prefixExtractor: fixedPrefixExtractor(2) } : {}), ...(cached ? { cache: new BlockCache(1 << 20), tableId: 9 } : {}) }),
    { file: PATH },
  );
  if (table === undefined) return { opened: false, corrupt: 1 };
  let corrupt = 0;
  const read = (fn: () => void): void => {
    const before = fz.reads.corrupt;
    fz.reads.decode(bytes.length, fn, { file: PATH });
    corrupt += fz.reads.corrupt - before;
  };
  const keys = [...new Map(t.entries.map((e) => [hex(e.userKey), e.userKey])).values()];
  for (const k of [...keys.slice(0, 60), Uint8Array.of(0x61, 0x7a), new Uint8Array(0)]) {
    for (const seq of [MAX_SEQNO, 500]) {
      read(() => {
        const got = table.get(k, seq);
        const want = modelGet(t.entries, k, seq);
        const g = got === undefined ? 'none' : `${show(got)}|${(got.olderEntries ?? []).map(show).join(',')}`;
        const w = want === undefined ? 'none' : `${show(want)}|${(want.older ?? []).map(show).join(',')}`;
        if (g !== w) throw new Error(`WRONG VALUE for ${hex(k)}@${seq}: got ${g}, want ${w}`);
      });
    }
  }
  read(() => {
    const it = table.iterator();
    let i = 0;
    for (it.seekToFirst(); it.valid(); it.next(), i++) {
      const e = t.entries[i];
      if (e === undefined || hex(it.userKey()) !== hex(e.userKey) || show({ seqno: it.seqno(), type: it.type(), value: it.value() }) !== show(e)) throw new Error(`WRONG ENTRY ${i} in a forward scan`);
    }
    if (i !== t.entries.length) throw new Error(`forward scan gave ${i} of ${t.entries.length} entries`);
    it.close();
  });
  read(() => {
    const it = table.iterator();
    let i = t.entries.length - 1;
    for (it.seekToLast(); it.valid(); it.prev(), i--) {
      const e = t.entries[i];
      if (e === undefined || hex(it.userKey()) !== hex(e.userKey) || it.seqno() !== e.seqno) throw new Error(`WRONG ENTRY ${i} in a reverse scan`);
    }
    if (i !== -1) throw new Error('reverse scan was short');
    it.close();
  });
  read(() => {
    const it = table.iterator();
    for (const k of keys.slice(0, 10)) {
      it.seek(k);
      const want = t.entries.find((e) => compareBytes(e.userKey, k) >= 0);
      if (!it.valid() || hex(it.userKey()) !== hex(want!.userKey) || it.seqno() !== want!.seqno) throw new Error(`WRONG seek to ${hex(k)}`);
    }
    it.close();
  });
  read(() => {
    const got = table.rangeTombstones().map((r) => `${hex(r.start)}-${hex(r.end)}@${r.seqno}`);
    const want = t.tombstones.map((r) => `${hex(r.start)}-${hex(r.end)}@${r.seqno}`);
    if (got.join() !== want.join()) throw new Error(`WRONG range tombstones: ${got.join()} vs ${want.join()}`);
  });
  read(() => {
    for (const k of keys.slice(0, 60)) if (!table.mayContain(k)) throw new Error(`the filter lost ${hex(k)}`);
    for (const k of keys.slice(0, 20)) if (k.length >= 2 && !table.mayContainPrefix(k.subarray(0, 2))) throw new Error(`the prefix filter lost ${hex(k)}`);
    table.approximateOffsetOf(Uint8Array.of(0x62));
  });
  table.close();
  return { opened: true, corrupt };
}

describe('fuzz: whole tables', { timeout: FUZZ_TIMEOUT }, () => {
  it('undamaged tables read back completely', () => {
    fc.assert(
      fc.property(tableSpec, (spec) => {
        const t = build(spec);
        expect(exercise(t.bytes, t, spec.seed % 2 === 0)).toEqual({ opened: true, corrupt: 0 });
      }),
      params(300),
    );
  });

  it('damaged tables: every read is right or LSM_CORRUPTION; tableVerify notices', () => {
    fc.assert(
      fc.property(tableSpec, fc.array(mutations, { minLength: 1, maxLength: 4 }), (spec, damages) => {
        const t = build(spec);
        for (const ms of damages) {
          const bad = mutate(t.bytes, ms);
          const r = exercise(bad, t, ms.length % 2 === 0);
          const fs = new MemFs();
          fs.createDirAll(DIR);
          writeFile(fs, PATH, bad);
          const v = fz.verify.decode(bad.length, () => tableVerify(fs, PATH), { file: PATH });
          if (sameBytes(bad, t.bytes)) {
            expect(r.corrupt).toBe(0);
            expect(v?.ok).toBe(true);
          } else {
            expect(v?.ok, `tableVerify missed damage (${JSON.stringify(ms)})`).toBe(false);
          }
        }
      }),
      params(1500),
    );
  });

  it('files of random bytes, with and without a table footer magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), (bytes, magic) => {
        const b = bytes.slice();
        if (magic && b.length >= 8) b.set([0x4c, 0x53, 0x4d, 0x54, 0x41, 0x42, 0x4c, 0x45], b.length - 8);
        const r = exercise(b, { bytes: b, entries: [], tombstones: [], prefix: false }, false);
        expect(r.opened).toBe(false);
        const fs = new MemFs();
        fs.createDirAll(DIR);
        writeFile(fs, PATH, b);
        expect(fz.verify.decode(b.length, () => tableVerify(fs, PATH), { file: PATH })?.ok).toBe(false);
      }),
      params(4000),
    );
  });
});
