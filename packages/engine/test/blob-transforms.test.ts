// Blob files under every transform combination (issue 9): none / zstd / zstd + trained
// dictionary, each with and without encryption, with K/V separation on, through flush,
// compaction with blob GC rewriting values, close and reopen, and a CrashFs power loss.
// Then the threat model on blob files of an encrypted store -- wrong key, flipped bit,
// record copied from another position or another blob file, truncated file, plaintext
// blob file planted in an encrypted store (and an encrypted one in a plaintext store) --
// and a plaintext search over every file of an encrypted kv-separated store.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { type Fs, MemFs, readFile, writeFile } from '@lsm/fs';
import { KeyRing } from '@lsm/encryption';
import { xxh32 } from '@lsm/base';
import { BlobFileReader } from '@lsm/sstable';
import { describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { Rng, hex } from './helpers.js';

const DIR = '/db';
const KEY_A = new Uint8Array(32).fill(0x3a);
const KEY_B = new Uint8Array(32).fill(0x4b);
const enc = new TextEncoder();
const WORDS = ['account', 'balance', 'currency', 'customer', 'delivery', 'invoice', 'payment', 'status', 'shipped', 'pending'];

type Mode = 'none' | 'zstd' | 'zstd+dictionary';

let serial = 0;

/**
 * A document-like value of about `len` bytes: shares vocabulary with the others, so a
 * dictionary pays. A serial number makes every value unique (so a value identifies its record).
 */
function doc(rng: Rng, i: number, len: number, marker = 'DOC'): Uint8Array {
  let s = `{"${marker}":${i},"n":${serial++},`;
  while (s.length < len) s += `"${WORDS[rng.int(WORDS.length)]}":"${WORDS[rng.int(WORDS.length)]}-${rng.int(100)}",`;
  return enc.encode(`${s}}`);
}

const keyOf = (i: number, prefix = 'key-'): Uint8Array => enc.encode(`${prefix}${String(i).padStart(6, '0')}`);

function options(mode: Mode, encrypted: boolean, fs: Fs, key = KEY_A): TreeOptions {
  return {
    fs,
    memtableBytes: 32 * 1024,
    blockSize: 512,
    compression: mode === 'none' ? 'none' : mode === 'zstd' ? 'zstd' : { type: 'zstd', dictionary: { maxBytes: 1024, sampleBytes: 16 * 1024 } },
    compaction: new Leveled({ l0CompactionTrigger: 3, levelBaseBytes: 64 * 1024, targetTableSize: 16 * 1024 }),
    kvSeparation: { minValueSize: 200, gcRatio: 0.3, blobFileBytes: 48 * 1024, compression: mode === 'none' ? 'none' : 'zstd' },
    ...(encrypted ? { encryption: { key } } : {}),
  };
}

function contents(tree: Tree): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of tree.range()) m.set(hex(k), hex(v));
  return m;
}

function blobNames(fs: Fs): string[] {
  return fs
    .readDir(DIR)
    .filter((n) => n.endsWith('.blob'))
    .sort();
}

const numberOf = (name: string) => Number(/(\d+)\.blob$/.exec(name)![1]);

/** The outcome of `fn`: code 'ok' when it returned, else the error's code and message. */
function outcome(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
    return { code: 'ok', message: '' };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'none', message: e.message };
  }
}

/** Blob-file header flags and a full check (every record) of every blob file in the store. */
function inspectBlobs(fs: Fs, encrypted: boolean, key = KEY_A): { files: number; dictionaries: number; records: number } {
  let dictionaries = 0;
  let records = 0;
  const names = blobNames(fs);
  for (const name of names) {
    const data = readFile(fs, `${DIR}/${name}`);
    expect(data[9]! & 1, `${name}: encryption flag`).toBe(encrypted ? 1 : 0);
    if (data[9]! & 2) dictionaries++;
    const r = BlobFileReader.open(fs, `${DIR}/${name}`, numberOf(name), encrypted ? { encryption: new KeyRing({ key }) } : {});
    records += r.records().length;
    r.close();
  }
  return { files: names.length, dictionaries, records };
}

/** A workload over tables and blob files: fills, overwrites (so GC runs), deletes; returns the expected contents. */
function workload(tree: Tree, rng: Rng, expected: Map<string, string>, rounds: number, marker = 'DOC'): void {
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < 150; j++) {
      const i = rng.int(200);
      const v = rng.chance(0.2) ? enc.encode(`small-${i}-${round}`) : doc(rng, i, 250 + rng.int(900), marker);
      tree.put(keyOf(i), v);
      expected.set(hex(keyOf(i)), hex(v));
    }
    const d = rng.int(200);
    tree.delete(keyOf(d));
    expected.delete(hex(keyOf(d)));
    tree.flush();
  }
}

describe('blob files: every transform combination', () => {
  for (const mode of ['none', 'zstd', 'zstd+dictionary'] as const) {
    for (const encrypted of [false, true]) {
      it(`${mode}, ${encrypted ? 'encrypted' : 'plaintext'}: flush, compaction with blob GC, reopen, crash`, () => {
        const seed = 90 + (encrypted ? 1 : 0);
        const rng = new Rng(seed);
        const crash = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
        const expected = new Map<string, string>();
        let tree = Tree.open(DIR, options(mode, encrypted, crash));
        workload(tree, rng, expected, 6);
        tree.compact();
        const s = tree.stats().blobs;
        expect(s.gcValuesRewritten, 'blob GC rewrote values').toBeGreaterThan(0);
        expect(contents(tree)).toEqual(expected);
        tree.close();
        // Reopen (clean), check, write more, then lose power with only synced writes durable.
        tree = Tree.open(DIR, options(mode, encrypted, crash));
        expect(contents(tree)).toEqual(expected);
        workload(tree, rng, expected, 2);
        for (let i = 500; i < 520; i++) {
          const v = doc(rng, i, 600);
          tree.put(keyOf(i), v, { sync: true });
          expected.set(hex(keyOf(i)), hex(v));
        }
        crash.crash();
        tree = Tree.open(DIR, options(mode, encrypted, crash));
        expect(contents(tree), `seed ${seed}`).toEqual(expected);
        tree.compact();
        expect(contents(tree)).toEqual(expected);
        tree.close();
        const b = inspectBlobs(crash, encrypted);
        expect(b.files).toBeGreaterThan(0);
        expect(b.records).toBeGreaterThan(0);
        if (mode === 'zstd+dictionary') expect(b.dictionaries, 'blob files with a dictionary').toBeGreaterThan(0);
        else expect(b.dictionaries).toBe(0);
      });
    }
  }

  it('a dictionary is not trained when blob values are not zstd-compressed', () => {
    const fs = new MemFs();
    const o = options('zstd+dictionary', false, fs);
    const tree = Tree.open(DIR, { ...o, kvSeparation: { minValueSize: 200, compression: 'none' } });
    workload(tree, new Rng(5), new Map(), 2);
    tree.close();
    expect(inspectBlobs(fs, false).dictionaries).toBe(0);
  });

  it('dictionaries make blob files smaller on document-like values', () => {
    const size = (mode: Mode): number => {
      const fs = new MemFs();
      const tree = Tree.open(DIR, options(mode, true, fs));
      workload(tree, new Rng(7), new Map(), 4);
      const bytes = tree.stats().blobs.bytes;
      tree.close();
      return bytes;
    };
    const zstd = size('zstd');
    const dict = size('zstd+dictionary');
    expect(dict).toBeLessThan(zstd * 0.85);
  });
});

/** An encrypted kv-separated store with blob files; returns the store's files and the expected contents. */
function encryptedStore(mode: Mode = 'none', key = KEY_A, seed = 11): { fs: MemFs; expected: Map<string, string> } {
  const fs = new MemFs();
  const expected = new Map<string, string>();
  const tree = Tree.open(DIR, { ...options(mode, true, fs, key), autoCompaction: false });
  workload(tree, new Rng(seed), expected, 2);
  tree.close();
  return { fs, expected };
}

/** Every key either reads its right value or fails with LSM_CORRUPTION naming `file`; returns the failures. */
function readAllOrCorruption(tree: Tree, expected: Map<string, string>, file: string): number {
  let failures = 0;
  for (const [k, v] of expected) {
    try {
      expect(hex(tree.get(Buffer.from(k, 'hex'))!)).toBe(v);
    } catch (err) {
      const e = err as { code?: string; file?: string };
      expect(e.code, (err as Error).message).toBe('LSM_CORRUPTION');
      expect(e.file).toContain(file);
      failures++;
    }
  }
  return failures;
}

/** The live records of a blob file (offset, size): those holding their key's current value. */
function liveRecordsOf(fs: MemFs, name: string, expected: Map<string, string>, key = KEY_A): { offset: number; size: number }[] {
  const r = BlobFileReader.open(fs, `${DIR}/${name}`, numberOf(name), { encryption: new KeyRing({ key }) });
  const out = r
    .records()
    .filter((x) => expected.get(hex(x.key)) === hex(x.value))
    .map((x) => ({ offset: x.offset, size: x.size }));
  r.close();
  return out;
}

/** The record checksum seed of FORMAT.md ("Blob files"), recomputed as an attacker would. */
function recordSeed(fileId: number, offset: number): number {
  const lo = (offset >>> 0) ^ Math.imul(Math.floor(offset / 0x100000000) + 1, 0x85ebca6b);
  const f = Math.imul((fileId >>> 0) ^ Math.floor(fileId / 0x100000000), 0x9e3779b1);
  return (lo ^ f ^ 0xb10b5eed) >>> 0;
}

function refit(data: Uint8Array, fileId: number, offset: number, size: number): void {
  const sum = xxh32(data.subarray(offset, offset + size - 4), recordSeed(fileId, offset));
  Buffer.from(data.buffer, data.byteOffset).writeUInt32LE(sum, offset + size - 4);
}

describe('threat model on blob files of an encrypted store', () => {
  const A = { encryption: { key: KEY_A } };
  const open = (fs: MemFs) => Tree.open(DIR, { ...options('none', true, fs), ...A, autoCompaction: false });

  it('wrong key: a blob file written under another key is LSM_CORRUPTION "encryption key does not match"', () => {
    const { fs, expected } = encryptedStore();
    const other = encryptedStore('none', KEY_B).fs; // same workload, so the same file numbers
    const name = blobNames(fs)[0]!;
    writeFile(fs, `${DIR}/${name}`, readFile(other, `${DIR}/${name}`));
    const tree = open(fs);
    expect(readAllOrCorruption(tree, expected, name)).toBeGreaterThan(0);
    const k = [...expected.keys()].find((key) => outcome(() => tree.get(Buffer.from(key, 'hex'))).code === 'LSM_CORRUPTION');
    expect(outcome(() => tree.get(Buffer.from(k!, 'hex'))).message).toContain('encryption key does not match');
    tree.close();
  });

  it('a flipped bit in a blob file is LSM_CORRUPTION naming it, never a wrong value', () => {
    const { fs, expected } = encryptedStore('zstd+dictionary');
    const name = blobNames(fs)[0]!;
    const good = readFile(fs, `${DIR}/${name}`);
    const rng = new Rng(3);
    for (let i = 0; i < 12; i++) {
      const bad = good.slice();
      const at = 24 + rng.int(good.length - 24);
      bad[at] = bad[at]! ^ (1 << rng.int(8));
      writeFile(fs, `${DIR}/${name}`, bad);
      const tree = open(fs);
      readAllOrCorruption(tree, expected, name);
      tree.close();
    }
  });

  it('a record copied to another position of its file, or from another blob file, fails authentication', () => {
    const { fs, expected } = encryptedStore();
    const name = blobNames(fs)[0]!;
    const id = numberOf(name);
    const recs = liveRecordsOf(fs, name, expected);
    expect(recs.length).toBeGreaterThanOrEqual(2);
    const good = readFile(fs, `${DIR}/${name}`);
    // Within the file: record 0's bytes at record 1's place, truncated or padded to its size.
    const bad = good.slice();
    const [r0, r1] = [recs[0]!, recs[1]!];
    const n = Math.min(r0.size, r1.size) - 4;
    bad.set(good.subarray(r0.offset, r0.offset + n), r1.offset);
    refit(bad, id, r1.offset, r1.size);
    writeFile(fs, `${DIR}/${name}`, bad);
    let tree = open(fs);
    expect(readAllOrCorruption(tree, expected, name)).toBeGreaterThan(0);
    tree.close();
    // From the same-numbered blob file of a twin store (same key, same workload): only the salt differs.
    const twin = encryptedStore().fs;
    const twinData = readFile(twin, `${DIR}/${name}`);
    const swapped = good.slice();
    swapped.set(twinData.subarray(r1.offset, r1.offset + r1.size), r1.offset);
    refit(swapped, id, r1.offset, r1.size);
    writeFile(fs, `${DIR}/${name}`, swapped);
    tree = open(fs);
    const failures = readAllOrCorruption(tree, expected, name);
    expect(failures).toBe(1);
    tree.close();
  });

  it('a truncated blob file is LSM_CORRUPTION', () => {
    const { fs, expected } = encryptedStore();
    const name = blobNames(fs)[0]!;
    const good = readFile(fs, `${DIR}/${name}`);
    for (const len of [0, 30, 100, good.length - 40, good.length - 1]) {
      writeFile(fs, `${DIR}/${name}`, good.subarray(0, len));
      const tree = open(fs);
      expect(readAllOrCorruption(tree, expected, name)).toBeGreaterThan(0);
      tree.close();
    }
  });

  it('a plaintext blob file planted in an encrypted store is LSM_CORRUPTION; an encrypted one in a plaintext store LSM_INVALID_ARGUMENT, as for tables', () => {
    const { fs, expected } = encryptedStore();
    const plain = new MemFs();
    const t = Tree.open(DIR, { ...options('none', false, plain), autoCompaction: false });
    workload(t, new Rng(11), new Map(), 2);
    t.close();
    const name = blobNames(fs)[0]!;
    writeFile(fs, `${DIR}/${name}`, readFile(plain, `${DIR}/${name}`));
    let tree = open(fs);
    const k = [...expected.keys()].find((key) => outcome(() => tree.get(Buffer.from(key, 'hex'))).code !== 'ok');
    const e = outcome(() => tree.get(Buffer.from(k!, 'hex')));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('blob file is not encrypted, but the store is');
    tree.close();
    // And the other way round.
    const enc2 = encryptedStore().fs;
    writeFile(plain, `${DIR}/${name}`, readFile(enc2, `${DIR}/${name}`));
    tree = Tree.open(DIR, { ...options('none', false, plain), autoCompaction: false });
    const codes = new Set([...expected.keys()].map((key) => outcome(() => tree.get(Buffer.from(key, 'hex'))).code));
    expect(codes.has('LSM_INVALID_ARGUMENT')).toBe(true);
    tree.close();
  });
});

describe('nothing in plaintext on disk with K/V separation', () => {
  it('no key or value bytes in any file (tables, blob files, WAL, manifest) of an encrypted store', () => {
    const build = (encrypted: boolean): MemFs => {
      const fs = new MemFs();
      const tree = Tree.open(DIR, { ...options('none', encrypted, fs) });
      workload(tree, new Rng(13), new Map(), 5, 'SECRETMARK');
      tree.compact();
      for (let i = 0; i < 10; i++) tree.put(keyOf(i, 'SECRETKEY-'), doc(new Rng(i), i, 400, 'SECRETMARK')); // stays in the WAL
      tree.close();
      return fs;
    };
    const fs = build(true);
    const names = fs.readDir(DIR).filter((n) => n !== 'LOCK');
    expect(names.some((n) => n.endsWith('.blob'))).toBe(true);
    let bytes = 0;
    for (const name of names) {
      const data = Buffer.from(readFile(fs, `${DIR}/${name}`));
      bytes += data.length;
      for (const needle of ['SECRETMARK', 'SECRETKEY', 'key-000', 'account', 'invoice']) expect(data.indexOf(needle), `${name} holds "${needle}"`).toBe(-1);
      expect(data.indexOf(Buffer.from(KEY_A.subarray(0, 8)))).toBe(-1);
    }
    expect(bytes).toBeGreaterThan(50_000);
    // Without a key the markers are there (so the search can find them), blob files included.
    const plain = build(false);
    const blob = blobNames(plain)[0]!;
    expect(Buffer.from(readFile(plain, `${DIR}/${blob}`)).indexOf('SECRETMARK')).toBeGreaterThanOrEqual(0);
  });
});
