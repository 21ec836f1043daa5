// Encryption at rest through the whole store: round trips (none / zstd, each with and
// without a key) through the WAL, flush, compaction and reopen; nothing in plaintext on
// disk; and the threat model -- wrong key, missing or unexpected key, flipped bits in
// every file kind, swapped and moved records and files, truncation -- each reported,
// never read back as garbage. Key rotation through a full compaction. (Crashes:
// crash.test.ts runs encrypted stores too.)

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { ENCRYPTION_HEADER_SIZE, FileKind, FOOTER_SIZE_FOR_TESTS, decodeEncryptionHeader, keyIdHex, keyIdOf, xxh32 } from './encryption-helpers.js';
import { describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { logChecksumSeed } from '../src/log/log-format.js';
import { Rng, hex } from './helpers.js';

const KEY_A = new Uint8Array(32).fill(0x11);
const KEY_B = new Uint8Array(32).fill(0x22);
const DIR = '/db';
const enc = new TextEncoder();

function lsmCode(fn: () => unknown): { code: string; message: string; file?: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { code?: string; message: string; file?: string };
    return { code: e.code ?? 'none', message: e.message, file: e.file };
  }
  throw new Error('expected an error');
}

function files(fs: MemFs, kind?: 'log' | 'sst' | 'manifest'): string[] {
  return fs
    .readDir(DIR)
    .filter((n) => kind === undefined || (kind === 'manifest' ? n.startsWith('MANIFEST-') : n.endsWith(`.${kind}`)))
    .sort();
}

function contents(tree: Tree): string[] {
  return [...tree.range()].map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

/** Writes `n` keys from `from` with a visible marker in keys and values. */
function fill(tree: Tree, from: number, n: number): void {
  for (let i = from; i < from + n; i++) tree.put(enc.encode(`MARKER-KEY-${i}`), enc.encode(`MARKER-VALUE-${i}-`.repeat(4)));
}

/** A store with data in tables (several levels, through compaction) and in the WAL. */
function populated(options: TreeOptions): { fs: MemFs; expected: string[] } {
  const fs = new MemFs();
  const tree = Tree.open(DIR, { fs, blockSize: 256, ...options });
  fill(tree, 0, 200);
  tree.flush();
  fill(tree, 100, 200);
  tree.delete(enc.encode('MARKER-KEY-5'));
  tree.compact();
  fill(tree, 250, 100);
  tree.flush();
  fill(tree, 400, 30); // stays in the WAL
  const expected = contents(tree);
  tree.close();
  return { fs, expected };
}

/** The fragments (offset, length) of a log file, from `start`. All records here fit in one fragment. */
function fragments(data: Uint8Array, start: number): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  let pos = start;
  while (pos + 7 <= data.length) {
    const left = 32768 - (pos % 32768);
    if (left < 7) {
      pos += left;
      continue;
    }
    const len = data[pos + 4]! | (data[pos + 5]! << 8);
    if (data[pos + 6] === 0) break;
    out.push({ at: pos, len });
    pos += 7 + len;
  }
  return out;
}

/** Recomputes a fragment's XXH32 so only the cipher can notice a change (what an attacker can do). */
function fixFragment(data: Uint8Array, at: number, len: number, logNumber: number): void {
  const crc = xxh32(data.subarray(at + 6, at + 7 + len), logChecksumSeed(logNumber));
  data[at] = crc & 0xff;
  data[at + 1] = (crc >>> 8) & 0xff;
  data[at + 2] = (crc >>> 16) & 0xff;
  data[at + 3] = crc >>> 24;
}

const numberOf = (name: string) => Number(/(\d{6,})/.exec(name)![1]);

describe('option encryption', () => {
  it('rejects a key that is not 32 bytes, naming the option', () => {
    const e = lsmCode(() => Tree.open(DIR, { fs: new MemFs(), encryption: { key: new Uint8Array(31) } }));
    expect(e.code).toBe('LSM_INVALID_ARGUMENT');
    expect(e.message).toContain('option encryption.key');
    expect(lsmCode(() => Tree.open(DIR, { fs: new MemFs(), encryption: {} as never })).code).toBe('LSM_INVALID_ARGUMENT');
  });
});

describe('round trips (WAL, flush, compaction, reopen)', () => {
  for (const compression of ['none', 'zstd'] as const) {
    for (const encrypted of [false, true]) {
      it(`${compression}, ${encrypted ? 'encrypted' : 'plaintext'}`, () => {
        const options: TreeOptions = { compression, ...(encrypted ? { encryption: { key: KEY_A } } : {}) };
        const { fs, expected } = populated(options);
        expect(files(fs, 'sst').length).toBeGreaterThan(0);
        let tree = Tree.open(DIR, { fs, ...options });
        expect(contents(tree)).toEqual(expected);
        expect(tree.get(enc.encode('MARKER-KEY-5'))).toBeUndefined();
        // Reopen again after a compaction of the recovered data, without closing (as after a crash).
        tree.compact();
        fill(tree, 1000, 10);
        tree.sync();
        const after = contents(tree);
        tree = Tree.open(DIR, { fs: cloneFs(fs), ...options });
        expect(contents(tree)).toEqual(after);
        tree.close();
        // Every log and manifest carries the header exactly when encrypted; tables are version 2.
        for (const name of [...files(fs, 'log'), ...files(fs, 'manifest')]) {
          const data = readFile(fs, `${DIR}/${name}`);
          if (data.length > 0) expect(new TextDecoder().decode(data.subarray(0, 8)) === 'LSMCRYPT').toBe(encrypted);
        }
      });
    }
  }
});

/** A copy of a MemFs's store directory (so a store can be "reopened" while the original tree is still open). */
function cloneFs(fs: MemFs): MemFs {
  const copy = new MemFs();
  copy.createDirAll(DIR);
  for (const name of fs.readDir(DIR)) if (name !== 'LOCK') writeFile(copy, `${DIR}/${name}`, readFile(fs, `${DIR}/${name}`));
  return copy;
}

describe('nothing in plaintext on disk', () => {
  it('no key, value or key material in any file of an encrypted store', () => {
    const { fs } = populated({ encryption: { key: KEY_A }, compression: 'none' });
    const needles = ['MARKER', 'MARKER-KEY-4', 'ARKER-VALUE', 'VALUE-1'].map((s) => enc.encode(s));
    needles.push(KEY_A.subarray(0, 8));
    let bytes = 0;
    for (const name of files(fs)) {
      const data = readFile(fs, `${DIR}/${name}`);
      bytes += data.length;
      for (const n of needles) expect(Buffer.from(data).indexOf(Buffer.from(n)), `${name} holds plaintext`).toBe(-1);
    }
    expect(bytes).toBeGreaterThan(10_000);
    expect(files(fs, 'log').length + files(fs, 'manifest').length + files(fs, 'sst').length).toBeGreaterThanOrEqual(3);
    // The same workload without a key does show the markers (so the search can see them).
    const plain = populated({ compression: 'none' }).fs;
    const found = files(plain).some((name) => Buffer.from(readFile(plain, `${DIR}/${name}`)).indexOf('MARKER') >= 0);
    expect(found).toBe(true);
  });
});

describe('threat model', () => {
  const A = { encryption: { key: KEY_A } };

  it('wrong key: LSM_CORRUPTION "encryption key does not match" from the manifest, at open', () => {
    const { fs } = populated(A);
    const e = lsmCode(() => Tree.open(DIR, { fs, encryption: { key: KEY_B } }));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('encryption key does not match');
    expect(e.file).toMatch(/MANIFEST-\d+$/);
    // The store is untouched and opens with the right key.
    const tree = Tree.open(DIR, { fs, ...A });
    expect(tree.get(enc.encode('MARKER-KEY-7'))).toBeDefined();
    tree.close();
  });

  it('unencrypted store opened with a key, and encrypted store without: LSM_INVALID_ARGUMENT', () => {
    const plain = populated({}).fs;
    const e1 = lsmCode(() => Tree.open(DIR, { fs: plain, ...A }));
    expect(e1.code).toBe('LSM_INVALID_ARGUMENT');
    expect(e1.message).toContain('not encrypted');
    const { fs } = populated(A);
    const e2 = lsmCode(() => Tree.open(DIR, { fs }));
    expect(e2.code).toBe('LSM_INVALID_ARGUMENT');
    expect(e2.message).toContain('is encrypted');
  });

  // Found by fuzz-verify.test.ts: an encrypted manifest whose magic was damaged was taken
  // for a plaintext one, and the open blamed the options (LSM_INVALID_ARGUMENT).
  it("an encrypted manifest whose magic is damaged is LSM_CORRUPTION naming it, not the options' fault", () => {
    for (const at of [0, 7]) {
      const { fs } = populated(A);
      const m = files(fs, 'manifest').at(-1)!;
      const data = readFile(fs, `${DIR}/${m}`);
      data[at]! ^= 0x20;
      writeFile(fs, `${DIR}/${m}`, data);
      const e = lsmCode(() => Tree.open(DIR, { fs, ...A }));
      expect(e.code).toBe('LSM_CORRUPTION');
      expect(e.file).toBe(`${DIR}/${m}`);
      expect(e.message).toContain('neither the encryption header magic nor a valid record');
    }
  });

  it('a flipped bit in a table, the manifest or a WAL record (also disguised) is LSM_CORRUPTION', () => {
    const rng = new Rng(9);
    const { fs } = populated(A);
    const check = (name: string, mutate: (d: Uint8Array) => void, read: (t: Tree) => void = (t) => void contents(t)) => {
      const copy = cloneFs(fs);
      const data = readFile(copy, `${DIR}/${name}`);
      mutate(data);
      writeFile(copy, `${DIR}/${name}`, data);
      const e = lsmCode(() => {
        const t = Tree.open(DIR, { fs: copy, ...A });
        read(t);
      });
      expect(e.code, `${name}: ${e.message}`).toBe('LSM_CORRUPTION');
      return e;
    };
    for (const sst of files(fs, 'sst')) {
      for (let i = 0; i < 5; i++) check(sst, (d) => void (d[rng.int(d.length)]! ^= 1 << rng.int(8)));
    }
    const manifest = files(fs, 'manifest')[0]!;
    for (let i = 0; i < 5; i++) check(manifest, (d) => void (d[rng.int(d.length)]! ^= 1 << rng.int(8)));
    const log = files(fs, 'log').at(-1)!;
    const frags = fragments(readFile(fs, `${DIR}/${log}`), ENCRYPTION_HEADER_SIZE);
    expect(frags.length).toBe(30);
    // In the middle: the checksum notices; in the last record too once disguised (GCM notices).
    check(log, (d) => void (d[frags[3]!.at + 20]! ^= 4));
    for (const f of [frags[3]!, frags.at(-1)!]) {
      const e = check(log, (d) => {
        d[f.at + 9]! ^= 0x80;
        fixFragment(d, f.at, f.len, numberOf(log));
      });
      expect(e.message).toContain('failed authentication');
    }
    // The header: damage, and a forged key id / salt.
    check(log, (d) => void (d[30]! ^= 1));
  });

  it('two WAL records swapped (checksums valid) fail authentication', () => {
    const { fs } = populated(A);
    const log = files(fs, 'log').at(-1)!;
    const data = readFile(fs, `${DIR}/${log}`);
    const frags = fragments(data, ENCRYPTION_HEADER_SIZE);
    const [a, b] = [frags[10]!, frags[11]!];
    expect(a.len).toBe(b.len);
    const first = data.slice(a.at, a.at + 7 + a.len);
    data.copyWithin(a.at, b.at, b.at + 7 + b.len);
    data.set(first, b.at);
    writeFile(fs, `${DIR}/${log}`, data);
    const e = lsmCode(() => Tree.open(DIR, { fs, ...A }));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('failed authentication');
  });

  it('a record copied into another WAL (checksum fixed for that log) fails authentication', () => {
    const fs = new MemFs();
    const tree = Tree.open(DIR, { fs, ...A });
    tree.put('k', 'one');
    tree.flush(); // the next log starts
    tree.put('k', 'two');
    tree.close();
    const logs = files(fs, 'log');
    expect(logs.length).toBe(1);
    // Another store under the same key writes a record of the same length at the same offset.
    const donor = Tree.open('/other', { fs, ...A });
    donor.put('k', 'six');
    donor.close();
    const target = readFile(fs, `${DIR}/${logs[0]!}`);
    const other = readFile(fs, `/other/${fs.readDir('/other').find((n) => n.endsWith('.log'))!}`);
    const ft = fragments(target, ENCRYPTION_HEADER_SIZE)[0]!;
    const fo = fragments(other, ENCRYPTION_HEADER_SIZE)[0]!;
    expect(fo.len).toBe(ft.len);
    target.set(other.subarray(fo.at, fo.at + 7 + fo.len), ft.at);
    fixFragment(target, ft.at, ft.len, numberOf(logs[0]!));
    writeFile(fs, `${DIR}/${logs[0]!}`, target);
    const e = lsmCode(() => Tree.open(DIR, { fs, ...A }));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('failed authentication');
  });

  it('tables swapped between file names, or a log renamed: LSM_CORRUPTION naming the file number', () => {
    const { fs } = populated(A);
    const [t1, t2] = files(fs, 'sst');
    expect(t2).toBeDefined();
    const d1 = readFile(fs, `${DIR}/${t1!}`);
    writeFile(fs, `${DIR}/${t1!}`, readFile(fs, `${DIR}/${t2!}`));
    writeFile(fs, `${DIR}/${t2!}`, d1);
    const tree = Tree.open(DIR, { fs, ...A });
    const e = lsmCode(() => contents(tree));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('expected');
    tree.close();
    // A WAL under another live log number: its header names the number it was written as.
    const { fs: fs2 } = populated(A);
    const log = files(fs2, 'log').at(-1)!;
    const renamed = `${DIR}/${String(numberOf(log) + 1000).padStart(6, '0')}.log`;
    writeFile(fs2, renamed, readFile(fs2, `${DIR}/${log}`));
    fs2.removeFile(`${DIR}/${log}`);
    const e2 = lsmCode(() => Tree.open(DIR, { fs: fs2, ...A }));
    expect(e2.code).toBe('LSM_CORRUPTION');
    expect(e2.message).toContain(`expected ${numberOf(log) + 1000}`);
  });

  it('a plaintext table planted in an encrypted store is refused', () => {
    const { fs } = populated(A);
    const plain = populated({}).fs;
    const victim = files(fs, 'sst')[0]!;
    writeFile(fs, `${DIR}/${victim}`, readFile(plain, `${DIR}/${files(plain, 'sst')[0]!}`));
    const tree = Tree.open(DIR, { fs, ...A });
    const e = lsmCode(() => contents(tree));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('table is not encrypted, but the store is');
    tree.close();
  });

  it('truncation: a table cut short is LSM_CORRUPTION; a WAL cut short loses only its torn tail', () => {
    const { fs } = populated(A);
    const sst = files(fs, 'sst')[0]!;
    const t = readFile(fs, `${DIR}/${sst}`);
    for (const len of [0, 10, t.length - FOOTER_SIZE_FOR_TESTS - 1, t.length - 1]) {
      const copy = cloneFs(fs);
      writeFile(copy, `${DIR}/${sst}`, t.subarray(0, len));
      const e = lsmCode(() => contents(Tree.open(DIR, { fs: copy, ...A })));
      expect(e.code, `${len}: ${e.message}`).toBe('LSM_CORRUPTION');
    }
    const log = files(fs, 'log').at(-1)!;
    const data = readFile(fs, `${DIR}/${log}`);
    const frags = fragments(data, ENCRYPTION_HEADER_SIZE);
    const last = frags.at(-1)!;
    const copy = cloneFs(fs);
    writeFile(copy, `${DIR}/${log}`, data.subarray(0, last.at + 10));
    const tree = Tree.open(DIR, { fs: copy, ...A });
    expect(tree.get(enc.encode('MARKER-KEY-429'))).toBeUndefined(); // the torn record
    expect(tree.get(enc.encode('MARKER-KEY-428'))).toBeDefined();
    tree.close();
    // Cut inside the header: a log whose creation never completed, so it holds nothing.
    const copy2 = cloneFs(fs);
    writeFile(copy2, `${DIR}/${log}`, data.subarray(0, 40));
    const t2 = Tree.open(DIR, { fs: copy2, ...A });
    expect(t2.get(enc.encode('MARKER-KEY-400'))).toBeUndefined();
    expect(t2.get(enc.encode('MARKER-KEY-349'))).toBeDefined();
    t2.close();
  });
});

describe('key rotation', () => {
  it('open with the new key and the old one as previous key, compact, and the old key is no longer needed', () => {
    const { fs, expected } = populated({ encryption: { key: KEY_A } });
    let tree = Tree.open(DIR, { fs, encryption: { key: KEY_B, previousKeys: [KEY_A] } });
    expect(contents(tree)).toEqual(expected);
    tree.compact(); // rewrites every table with KEY_B; the manifest and WAL are already new
    tree.close();
    const idB = keyIdHex(keyIdOf(KEY_B));
    for (const name of files(fs)) {
      if (name === 'LOCK' || name === 'CURRENT') continue;
      const data = readFile(fs, `${DIR}/${name}`);
      if (data.length === 0) continue;
      const isTable = name.endsWith('.sst');
      const at = isTable ? data.length - FOOTER_SIZE_FOR_TESTS - ENCRYPTION_HEADER_SIZE : 0;
      const kind = isTable ? FileKind.Table : name.startsWith('MANIFEST') ? FileKind.Manifest : FileKind.WriteAheadLog;
      const h = decodeEncryptionHeader(data.subarray(at, at + ENCRYPTION_HEADER_SIZE), name, at, kind);
      expect(keyIdHex(h.keyId), `${name} still uses the old key`).toBe(idB);
    }
    tree = Tree.open(DIR, { fs, encryption: { key: KEY_B } });
    expect(contents(tree)).toEqual(expected);
    tree.close();
    const e = lsmCode(() => Tree.open(DIR, { fs, encryption: { key: KEY_A } }));
    expect(e.message).toContain('encryption key does not match');
  });

  it('without the compaction, old tables still need the old key (reported, not garbage)', () => {
    const { fs } = populated({ encryption: { key: KEY_A } });
    Tree.open(DIR, { fs, encryption: { key: KEY_B, previousKeys: [KEY_A] } }).close();
    const tree = Tree.open(DIR, { fs, encryption: { key: KEY_B } });
    const e = lsmCode(() => contents(tree));
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.message).toContain('encryption key does not match');
    tree.close();
  });
});
