// Torn-write mode: after crash() each file holds its synced content plus a prefix of the
// changes made since (in order, the last write possibly cut), nothing else; and the same
// seed with the same operations gives the same image, byte for byte.

import { describe, expect, it } from 'vitest';
import { MemFs, readFile, writeFile, type Fs } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { backends, enc, snapshotBytes } from './helpers.js';

type Op = { kind: 'write'; pos: number; data: Uint8Array } | { kind: 'setLen'; len: number };

/** Test-side reference: `base` plus the first `units` units of `ops` (a byte each, a setLen one). */
function applyPrefix(base: Uint8Array, ops: Op[], units: number): Uint8Array {
  let bytes = [...base];
  let left = units;
  for (const op of ops) {
    if (op.kind === 'setLen') {
      if (left < 1) break;
      bytes = bytes.slice(0, op.len);
      while (bytes.length < op.len) bytes.push(0);
      left -= 1;
    } else {
      const take = Math.min(left, op.data.length);
      if (take === 0) break; // a cut before the first byte writes nothing (and does not extend)
      while (bytes.length < op.pos) bytes.push(0);
      for (let i = 0; i < take; i++) bytes[op.pos + i] = op.data[i]!;
      left -= take;
      if (take < op.data.length) break;
    }
  }
  return Uint8Array.from(bytes);
}

function unitsOf(ops: Op[]): number {
  return ops.reduce((n, op) => n + (op.kind === 'write' ? op.data.length : 1), 0);
}

/** Deterministic test randomness (independent of CrashFs's generator). */
function lcg(seed: number): () => number {
  let x = (seed * 2654435761 + 1) >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Random ops on an open file: appends, overwrites, writes past the end, truncations. */
function randomOps(rand: () => number, startLen: number, count: number): Op[] {
  const ops: Op[] = [];
  let len = startLen;
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.15) {
      const l = Math.floor(rand() * (len + 8));
      ops.push({ kind: 'setLen', len: l });
      len = l;
      continue;
    }
    const n = 1 + Math.floor(rand() * 12);
    const pos = r < 0.6 ? len : Math.floor(rand() * (len + 6));
    const data = Uint8Array.from({ length: n }, () => 1 + Math.floor(rand() * 255));
    ops.push({ kind: 'write', pos, data });
    len = Math.max(len, pos + n);
  }
  return ops;
}

function runOps(fs: Fs, path: string, ops: Op[]): void {
  const f = fs.open(path, { write: true });
  for (const op of ops) {
    if (op.kind === 'write') f.writeAt(op.data, op.pos);
    else f.setLen(op.len);
  }
  f.close();
}

describe('torn writes', () => {
  it('keeps a prefix of the unsynced changes and only that, over 400 seeds', () => {
    let none = 0;
    let all = 0;
    let partial = 0;
    for (let seed = 0; seed < 400; seed++) {
      const rand = lcg(seed);
      const mem = new MemFs();
      const c = new CrashFs(mem, { seed });
      const base = Uint8Array.from({ length: Math.floor(rand() * 40) }, (_, i) => 65 + (i % 26));
      writeFile(c, '/f', base, { sync: true });
      c.syncDirectory('/');
      const ops = randomOps(rand, base.length, 1 + Math.floor(rand() * 10));
      runOps(c, '/f', ops);
      c.crash();
      const got = readFile(mem, '/f');
      const units = unitsOf(ops);
      const k = [...Array(units + 1).keys()].find((u) => equal(got, applyPrefix(base, ops, u)));
      expect(k, `seed ${seed}: the result is not the synced content plus a prefix of the changes`).toBeDefined();
      if (equal(got, base)) none++;
      else if (equal(got, applyPrefix(base, ops, units))) all++;
      else partial++;
    }
    // Every outcome shows up: nothing kept, everything kept, a cut somewhere in between.
    expect(none).toBeGreaterThan(20);
    expect(all).toBeGreaterThan(20);
    expect(partial).toBeGreaterThan(150);
  });

  it('chooses independently per file, and a file never synced starts from empty', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const mem = new MemFs();
      const c = new CrashFs(mem, { seed });
      const a = c.open('/a', { write: true, create: true });
      const b = c.open('/b', { write: true, create: true });
      a.write(enc('AAAAAAAAAA'));
      b.write(enc('BBBBBBBBBB'));
      c.syncDirectory('/');
      c.crash();
      const la = readFile(mem, '/a');
      const lb = readFile(mem, '/b');
      expect(new TextDecoder().decode(la)).toBe('A'.repeat(la.length));
      expect(new TextDecoder().decode(lb)).toBe('B'.repeat(lb.length));
      seen.add(`${la.length}/${lb.length}`);
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it('still removes never-synced files in the simple model', () => {
    for (let seed = 0; seed < 20; seed++) {
      const mem = new MemFs();
      const c = new CrashFs(mem, { seed, directorySync: false });
      writeFile(c, '/f', enc('unsynced'));
      c.crash();
      expect(mem.exists('/f')).toBe(false);
    }
  });

  it('leaves synced files alone', () => {
    for (let seed = 0; seed < 20; seed++) {
      const mem = new MemFs();
      const c = new CrashFs(mem, { seed });
      writeFile(c, '/f', enc('synced'), { sync: true });
      c.syncDirectory('/');
      c.crash();
      expect(new TextDecoder().decode(readFile(mem, '/f'))).toBe('synced');
    }
  });
});

/** A workload with unsynced tails in several files, then a crash; returns the image. */
function workload(fs: Fs, root: string, seed: number, crashes = 2): Map<string, Uint8Array | 'dir'> {
  const c = new CrashFs(fs, { seed });
  for (let round = 0; round < crashes; round++) {
    for (let i = 0; i < 5; i++) {
      const f = c.open(`${root}/f${i}`, { write: true, create: true });
      f.writeAt(enc(`synced-${round}-${i};`), f.size());
      f.syncData();
      for (let j = 0; j < 5; j++) f.writeAt(enc(`tail-${j}-${'x'.repeat(i * 7)};`), f.size());
      if (i === 2) f.setLen(3);
      f.close();
    }
    c.syncDirectory(root);
    c.crash();
  }
  return snapshotBytes(fs, root);
}

describe('determinism', () => {
  it.each(backends)('the same seed gives the same image, byte for byte, on $name', ({ make }) => {
    const images = [0, 1].map(() => {
      const env = make();
      try {
        return workload(env.fs, env.root, 1234);
      } finally {
        env.cleanup();
      }
    });
    expect(images[1]).toEqual(images[0]);
  });

  it('different seeds give different images', () => {
    const images = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const mem = new MemFs();
      mem.createDirAll('/d');
      const img = workload(mem, '/d', seed);
      images.add(JSON.stringify([...img].map(([k, v]) => [k, v === 'dir' ? v : [...v]])));
    }
    expect(images.size).toBeGreaterThan(5);
  });

  it('the same seed on MemFs and on NodeFs gives the same image', () => {
    const images = backends.map(({ make }) => {
      const env = make();
      try {
        return workload(env.fs, env.root, 99);
      } finally {
        env.cleanup();
      }
    });
    expect(images[1]).toEqual(images[0]);
  });
});

describe('torn writes keep the bytes as written', () => {
  it('a Buffer the caller reuses after writeAt does not change what a crash keeps', () => {
    // Before 2026-12-04 the pending write kept Buffer.slice() of the data: a view of the
    // caller's buffer, so a torn crash wrote back whatever the buffer held later.
    let kept = 0;
    for (let seed = 0; seed < 40; seed++) {
      const mem = new MemFs();
      const fs = new CrashFs(mem, { tornWrites: true, directorySync: false, seed });
      const f = fs.open('/f', { write: true, create: true });
      f.syncAll();
      const buf = Buffer.from('abcdef');
      f.writeAt(buf, 0);
      buf.write('ZZZZZZ', 'latin1');
      f.writeAt(buf.subarray(0, 2), 6);
      buf.fill(0x21);
      fs.crash();
      const got = Buffer.from(readFile(mem, '/f')).toString('latin1');
      expect('abcdefZZ'.startsWith(got), `seed ${seed}: /f holds ${JSON.stringify(got)}`).toBe(true);
      if (got.length > 0) kept++;
    }
    expect(kept, 'some crashes keep part of the unsynced data').toBeGreaterThan(0);
  });
});
