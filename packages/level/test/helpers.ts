// Shared test helpers: temp directories on the real disk (with a NodeFs confined to them),
// a seeded PRNG, small codecs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';

/** What `tempDirs` gives: fresh directories under one temp root, and options confined to it. */
export interface TempDirs {
  /** A fresh (not yet created) directory under the root. */
  make: () => string;
  /** Removes the root and everything in it. */
  cleanup: () => void;
  /** `options` with the engine's fs set to a NodeFs confined to the root. */
  confine: <T extends object>(options?: T) => T & { engine: { fs: NodeFs } };
}

/** Fresh directories under one new temp root; every store opened with `confine()` stays inside it. */
export function tempDirs(prefix: string): TempDirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const fs = new NodeFs({ root });
  let n = 0;
  return {
    make: () => join(root, `db${n++}`),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
    confine: <T extends object>(options?: T) => ({ ...(options as T), engine: { ...(options as { engine?: object } | undefined)?.engine, fs } }),
  };
}

/** mulberry32: a small seeded PRNG, so every randomized test replays from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Collects an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** An error as the tests inspect it: a code and a chain of causes. */
export type Rejected = Error & { code?: string; cause?: Rejected };

/** Awaits `p` and returns what it rejected with (fails if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<Rejected> {
  try {
    await p;
  } catch (err) {
    return err as Rejected;
  }
  throw new Error('expected a rejection');
}
