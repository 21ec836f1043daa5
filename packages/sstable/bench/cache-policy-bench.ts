// Benchmark (not a test): block-cache hit ratios of today's CLOCK (the real BlockCache)
// against LRU and S3-FIFO (Yang et al., SOSP 2023; the modelled engine's cache) on
// block-id traces shaped like db-bench's: 1M keys of 16 B + 100 B values in about 29,000
// 4 KiB data blocks, a cache of about half of them (64 MiB: 15,300 blocks). Hit ratios
// only, no timing: the figures are exact for the trace and seed, whatever else the machine
// runs. Every block has the same charge, so capacities are in blocks.
//
//   pnpm --filter @lsm/sstable exec tsc -p tsconfig.bench.json && node dist-bench/bench/cache-policy-bench.js

import { BlockCache } from '../src/block-cache.js';

const BLOCKS = Number(process.env['BENCH_BLOCKS'] ?? 29_000);
const CAPACITY = Number(process.env['BENCH_CAPACITY'] ?? 15_300);
const ACCESSES = Number(process.env['BENCH_ACCESSES'] ?? 3_000_000);
const KEYS_PER_BLOCK = 34;

/** A cache policy under test: true on a hit; a miss inserts the block. */
interface Policy {
  readonly name: string;
  access(block: number): boolean;
}

/** The engine's cache itself (CLOCK, second chance), each block charged 1. */
function clock(capacity: number): Policy {
  const cache = new BlockCache(capacity);
  return {
    name: 'CLOCK (BlockCache)',
    access(block) {
      if (cache.get(1, block) !== undefined) return true;
      cache.insert(1, block, block, 1);
      return false;
    },
  };
}

/** Least recently used: a Map's insertion order is its recency order. */
function lru(capacity: number): Policy {
  const m = new Map<number, true>();
  return {
    name: 'LRU',
    access(block) {
      if (m.delete(block)) {
        m.set(block, true);
        return true;
      }
      m.set(block, true);
      if (m.size > capacity) m.delete(m.keys().next().value as number);
      return false;
    },
  };
}

/**
 * S3-FIFO: a small FIFO (10% of the capacity) that new blocks enter, a main FIFO, and a
 * ghost FIFO of keys recently evicted from the small one. A hit raises a 2-bit frequency.
 * The small queue's tail moves to main if it was hit since it came in, else its key goes to
 * the ghost; a miss on a ghost key enters main directly. Main's tail is reinserted with its
 * frequency lowered while that is above 0, else evicted.
 */
function s3fifo(capacity: number): Policy {
  const smallCap = Math.max(1, Math.floor(capacity / 10));
  const mainCap = capacity - smallCap;
  const freq = new Map<number, number>();
  const small: number[] = [];
  let smallHead = 0;
  const main: number[] = [];
  let mainHead = 0;
  const ghost = new Map<number, true>();
  let mainSize = 0;
  let smallSize = 0;
  const evictMain = (): void => {
    for (;;) {
      const t = main[mainHead++]!;
      const f = freq.get(t)!;
      if (f > 0) {
        freq.set(t, f - 1);
        main.push(t);
      } else {
        freq.delete(t);
        mainSize--;
        return;
      }
    }
  };
  const evictSmall = (): void => {
    const t = small[smallHead++]!;
    smallSize--;
    if (freq.get(t)! > 0) {
      freq.set(t, 0);
      if (mainSize >= mainCap) evictMain();
      main.push(t);
      mainSize++;
    } else {
      freq.delete(t);
      ghost.set(t, true);
      if (ghost.size > mainCap) ghost.delete(ghost.keys().next().value as number);
    }
  };
  return {
    name: 'S3-FIFO',
    access(block) {
      const f = freq.get(block);
      if (f !== undefined) {
        if (f < 3) freq.set(block, f + 1);
        return true;
      }
      if (ghost.delete(block)) {
        if (mainSize >= mainCap) evictMain();
        main.push(block);
        mainSize++;
      } else {
        if (smallSize >= smallCap) evictSmall();
        small.push(block);
        smallSize++;
      }
      freq.set(block, 0);
      // Keep the queues' arrays from growing without bound.
      if (mainHead > 1 << 20) {
        main.splice(0, mainHead);
        mainHead = 0;
      }
      if (smallHead > 1 << 20) {
        small.splice(0, smallHead);
        smallHead = 0;
      }
      return false;
    },
  };
}

let seed = 0x2545f491;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

/** Zipf(theta) ranks over n items (Gray et al.'s generator, as YCSB), scattered over the key space. */
function zipf(n: number, theta: number): () => number {
  const zeta = (m: number): number => {
    let s = 0;
    for (let i = 1; i <= m; i++) s += 1 / i ** theta;
    return s;
  };
  const zetan = zeta(n);
  const alpha = 1 / (1 - theta);
  const eta = (1 - (2 / n) ** (1 - theta)) / (1 - zeta(2) / zetan);
  return () => {
    const u = rand();
    const uz = u * zetan;
    const rank = uz < 1 ? 0 : uz < 1 + 0.5 ** theta ? 1 : Math.floor(n * (eta * u - eta + 1) ** alpha);
    // Scatter ranks over the keys (hot keys are not neighbours), as YCSB's scrambled zipfian.
    return Math.imul(rank + 1, 0x9e3779b1) >>> 0;
  };
}

type Trace = (emit: (block: number) => void) => void;

const keys = BLOCKS * KEYS_PER_BLOCK;
const traces: Record<string, Trace> = {
  'uniform (readrandom)': (emit) => {
    for (let i = 0; i < ACCESSES; i++) emit(Math.floor((rand() * keys) / KEYS_PER_BLOCK));
  },
  'zipfian 0.99 (YCSB)': (emit) => {
    const z = zipf(keys, 0.99);
    for (let i = 0; i < ACCESSES; i++) emit(Math.floor((z() % keys) / KEYS_PER_BLOCK));
  },
  'zipfian 0.99 + a scan of 20% of the store every 100k gets': (emit) => {
    const z = zipf(keys, 0.99);
    for (let i = 0; i < ACCESSES; i++) {
      emit(Math.floor((z() % keys) / KEYS_PER_BLOCK));
      if (i % 100_000 === 99_999) {
        const from = Math.floor(rand() * BLOCKS * 0.8);
        for (let b = from; b < from + BLOCKS * 0.2; b++) emit(b);
      }
    }
  },
  'zipfian 0.8': (emit) => {
    const z = zipf(keys, 0.8);
    for (let i = 0; i < ACCESSES; i++) emit(Math.floor((z() % keys) / KEYS_PER_BLOCK));
  },
};

console.log(`${BLOCKS} blocks, cache of ${CAPACITY} (${((100 * CAPACITY) / BLOCKS).toFixed(1)}%), ${ACCESSES} point reads per trace`);
console.log('| trace | CLOCK (BlockCache) | LRU | S3-FIFO |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, trace] of Object.entries(traces)) {
  const cells: string[] = [];
  for (const make of [clock, lru, s3fifo]) {
    seed = 0x2545f491;
    const p = make(CAPACITY);
    let hits = 0;
    let n = 0;
    trace((b) => {
      n++;
      if (p.access(b)) hits++;
    });
    cells.push(`${((100 * hits) / n).toFixed(1)}%`);
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
