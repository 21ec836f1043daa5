// Test helpers: a seeded generator, key/value makers, and the oracle the model-based and
// crash tests check the store against (every write with its seqno, so reads at any seqno
// have one right answer). The operations of one batch share its seqno and apply in the
// order they are recorded.

import { LsmError, compareBytes } from '@lsm/base';
import { type Fs, type FsFile, MemFs, NodeFs } from '@lsm/fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/** The `code` of the LsmError `fn` throws (failing the test if it throws anything else), or undefined. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LsmError);
    return (err as LsmError).code;
  }
  return undefined;
}

/** The error `fn` throws (failing the test when it returns instead). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, got a result');
}

/** UTF-8 text of `x`, or undefined (a missing value). */
export function text(x: Uint8Array | undefined): string | undefined {
  return x === undefined ? undefined : new TextDecoder().decode(x);
}

/** Every key and value a store's range() yields now, as text. */
export function storeContents(tree: { range(): Iterable<[Uint8Array, Uint8Array]> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of tree.range()) out[text(k)!] = text(v)!;
  return out;
}

/** The write-ahead log files in `dir`, sorted. */
export function logFiles(fs: { readDir(p: string): string[] }, dir = '/db'): string[] {
  return fs.readDir(dir).filter((n) => n.endsWith('.log')).sort();
}

/** xorshift128+-style seeded generator (deterministic across runs and platforms). */
export class Rng {
  private a: number;
  private b: number;

  constructor(seed: number) {
    this.a = (seed * 0x9e3779b1) >>> 0 || 1;
    this.b = (seed ^ 0x85ebca6b) >>> 0 || 2;
    for (let i = 0; i < 8; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0;
    s1 ^= s0 >>> 26;
    this.b = s1 >>> 0;
    return ((this.a + this.b) >>> 0) / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const utf8 = new TextEncoder();

/** Key i: "key-" + 6 digits, so keys sort in numeric order. */
export function keyOf(i: number): Uint8Array {
  return utf8.encode(`key-${String(i).padStart(6, '0')}`);
}

/** A random value of `len` bytes. */
export function valueOf(rng: Rng, len: number): Uint8Array {
  const v = new Uint8Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.int(256);
  return v;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

type Op = 'put' | 'del' | 'weak' | 'merge' | 'range';

/** What the oracle folds merge operands with (the same function the store is given). */
export type MergeFn = (key: Uint8Array, existing: Uint8Array | undefined, operands: readonly Uint8Array[]) => Uint8Array;

/** Every write, per key, in seqno order. */
export class Oracle {
  private readonly history = new Map<
    string,
    { key: Uint8Array; versions: { seq: number; value: Uint8Array | undefined; merge?: boolean }[]; ops: Op[] }
  >();
  seqno = 0;

  /** `merge`: folds operands (needed once merge() is used). */
  constructor(private readonly mergeFn?: MergeFn) {}

  private entry(k: Uint8Array) {
    const h = hex(k);
    let e = this.history.get(h);
    if (e === undefined) {
      e = { key: k.slice(), versions: [], ops: [] };
      this.history.set(h, e);
    }
    return e;
  }

  put(k: Uint8Array, v: Uint8Array, seq: number): void {
    const e = this.entry(k);
    e.versions.push({ seq, value: v.slice() });
    e.ops.push('put');
    this.seqno = Math.max(this.seqno, seq);
  }

  del(k: Uint8Array, seq: number, weak = false): void {
    const e = this.entry(k);
    e.versions.push({ seq, value: undefined });
    e.ops.push(weak ? 'weak' : 'del');
    this.seqno = Math.max(this.seqno, seq);
  }

  /** A merge operand for `k`. */
  merge(k: Uint8Array, operand: Uint8Array, seq: number): void {
    const e = this.entry(k);
    e.versions.push({ seq, value: operand.slice(), merge: true });
    e.ops.push('merge');
    this.seqno = Math.max(this.seqno, seq);
  }

  /** Deletes every key in [lo, hi) at `seq` (keys never written need no record). */
  deleteRange(lo: Uint8Array, hi: Uint8Array, seq: number): void {
    for (const e of this.history.values()) {
      if (compareBytes(e.key, lo) >= 0 && compareBytes(e.key, hi) < 0) {
        e.versions.push({ seq, value: undefined });
        e.ops.push('range');
      }
    }
    this.seqno = Math.max(this.seqno, seq);
  }

  /** Deletes every key starting with `p` at `seq`. */
  deletePrefix(p: Uint8Array, seq: number): void {
    for (const e of this.history.values()) {
      if (e.key.length >= p.length && p.every((b, i) => e.key[i] === b)) {
        e.versions.push({ seq, value: undefined });
        e.ops.push('range');
      }
    }
    this.seqno = Math.max(this.seqno, seq);
  }

  /**
   * A single delete is only well-defined when it removes the one version written since
   * the key was last deleted: the last write was a put, and the one before was not. A
   * batch is one seqno, and of a key's operations in one batch the store keeps only the
   * last (merges folded into it): only that one counts.
   */
  weakDeleteSafe(k: Uint8Array): boolean {
    const e = this.history.get(hex(k));
    const ops: Op[] = [];
    if (e !== undefined) {
      for (let i = 0; i < e.ops.length; i++) {
        if (i + 1 < e.ops.length && e.versions[i + 1]!.seq === e.versions[i]!.seq) continue;
        ops.push(e.ops[i]!);
      }
    }
    const prev = ops[ops.length - 2];
    return ops[ops.length - 1] === 'put' && prev !== 'put' && prev !== 'merge';
  }

  /** Drops every write with seqno > `seq` (what a crash without sync may lose). */
  truncateAfter(seq: number): void {
    for (const e of this.history.values()) {
      while (e.versions.length > 0 && e.versions[e.versions.length - 1]!.seq > seq) {
        e.versions.pop();
        e.ops.pop();
      }
    }
    this.seqno = seq;
  }

  get(k: Uint8Array, seq: number): Uint8Array | undefined {
    const e = this.history.get(hex(k));
    if (e === undefined) return undefined;
    let found: Uint8Array | undefined;
    for (const v of e.versions) {
      if (v.seq > seq) continue;
      if (v.merge === true) {
        if (this.mergeFn === undefined) throw new Error('oracle: merge without a merge function');
        found = this.mergeFn(e.key, found, [v.value!]);
      } else found = v.value;
    }
    return found;
  }

  /** The visible pairs at `seq` within bounds, in order. */
  scan(
    seq: number,
    lo: Uint8Array | undefined,
    loInclusive: boolean,
    hi: Uint8Array | undefined,
    hiInclusive: boolean,
    reverse: boolean,
    limit: number | undefined,
  ): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    const keys = [...this.history.values()].map((e) => e.key).sort(compareBytes);
    for (const k of keys) {
      if (lo !== undefined) {
        const c = compareBytes(k, lo);
        if (c < 0 || (c === 0 && !loInclusive)) continue;
      }
      if (hi !== undefined) {
        const c = compareBytes(k, hi);
        if (c > 0 || (c === 0 && !hiInclusive)) continue;
      }
      const v = this.get(k, seq);
      if (v !== undefined) out.push([k, v]);
    }
    if (reverse) out.reverse();
    return limit === undefined ? out : out.slice(0, limit);
  }

  prefix(seq: number, p: Uint8Array, reverse: boolean): [Uint8Array, Uint8Array][] {
    return this.scan(seq, undefined, true, undefined, true, reverse, undefined).filter(([k]) => k.length >= p.length && p.every((b, i) => k[i] === b));
  }
}

/**
 * Runs `body` with where a store lives: `/db` on a fresh MemFs, or, `onDisk`, `<tmp>/db` on
 * a NodeFs confined to a fresh temporary directory (named with `prefix`), removed after.
 */
export function withStoreLocation(onDisk: boolean, prefix: string, body: (fs: Fs, dir: string) => void): void {
  if (!onDisk) {
    body(new MemFs(), '/db');
    return;
  }
  const disk = mkdtempSync(join(tmpdir(), prefix));
  try {
    body(new NodeFs({ root: disk }), join(disk, 'db'));
  } finally {
    rmSync(disk, { recursive: true, force: true });
  }
}

/** `inner`, with the paths of the handles opened through it and not yet closed. */
export function trackHandles(inner: Fs): { fs: Fs; open: Set<string> } {
  const open = new Set<string>();
  let n = 0;
  const bind = <T extends object>(target: T, key: PropertyKey): unknown => {
    const v = Reflect.get(target, key) as unknown;
    return typeof v === 'function' ? v.bind(target) : v;
  };
  const fs = new Proxy(inner, {
    get(target, key) {
      if (key !== 'open') return bind(target, key);
      return (path: string, options?: Parameters<Fs['open']>[1]): FsFile => {
        const file = target.open(path, options);
        const id = `${path}#${n++}`;
        open.add(id);
        return new Proxy(file, {
          get(f, k) {
            if (k !== 'close') return bind(f, k);
            return () => {
              open.delete(id);
              f.close();
            };
          },
        });
      };
    },
  });
  // The ids carry a counter: strip it so tests see paths.
  const paths = new Proxy(open, {
    get(target, key) {
      if (key === Symbol.iterator) return () => [...target].map((id) => id.slice(0, id.lastIndexOf('#')))[Symbol.iterator]();
      return bind(target, key);
    },
  });
  return { fs, open: paths };
}
