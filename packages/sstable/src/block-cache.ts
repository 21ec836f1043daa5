// A block cache shared by all open tables: decoded (uncompressed, checksum-verified)
// data blocks, and index/filter blocks when a table is opened with
// cacheIndexAndFilterBlocks. Capacity is in bytes (each entry is charged its approximate
// memory). Eviction is CLOCK (second chance): a hit only sets a reference bit on the
// entry it already holds, where LRU would relink list neighbours -- extra cache misses
// on the lookup path of a large cache. Keys are (caller-provided table id, block
// offset), so two tables never collide as long as their ids differ. Cached values are
// immutable; by default evicting one only drops the cache's reference, so views handed
// out earlier stay valid. With `recycleBlocks` (the engine's setting) an evicted data
// block that no reader pins goes back to the cache's BlockPool and its buffer is reused:
// views into a block (values from Table.get, an iterator's key and value) are then valid
// only until the next read through this cache, and a caller keeping one must copy it.

import { InvalidArgumentError, shownValue } from '@lsm/base';
import { BlockPool } from './block-pool.js';
import { Block } from './block-reader.js';

/** Options of a BlockCache. */
export interface BlockCacheOptions {
  /**
   * Reuse the buffers of evicted data blocks (see BlockPool). Views handed out by reads
   * through the cache are then valid only until the next read. Default false.
   */
  recycleBlocks?: boolean;
}

/** Counters, for tools and benchmarks. */
export interface BlockCacheStats {
  readonly capacity: number;
  readonly usage: number;
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly inserts: number;
  readonly evictions: number;
  /** Blocks decoded into a recycled buffer instead of a new one (0 without recycleBlocks). */
  readonly recycled: number;
}

/**
 * One cached value and its place in the CLOCK list. Entries of evicted values are kept
 * for reuse (BlockCache.spare): on a store larger than its cache every miss inserts one
 * and evicts one, and a fresh entry per miss lived just long enough to be promoted out
 * of the young generation, to die there later.
 */
class Entry {
  prev: Entry = this;
  next: Entry = this;
  /** CLOCK reference bit: set on a hit, cleared when the hand passes. */
  ref = 0;
  constructor(
    public shard: CacheShard | undefined,
    public key: number,
    public value: unknown,
    public charge: number,
    /** Index in shard.slots, or -1. */
    public slot: number,
  ) {}
}

/** Evicted entries kept for reuse, at most. */
const MAX_SPARE_ENTRIES = 256;

/**
 * The entries of one table. A Table keeps its shard, and finds its data blocks by block
 * number: `slots[i]` holds the cached value itself and `refs[i]` its CLOCK bit, so a hit
 * is one array load and no Map probe or Entry hop (on a cache much larger than the CPU
 * caches, each avoided pointer is a ~80 ns memory stall). Entries inserted with a slot
 * live only there (`slotEntries[i]` is the Entry, for eviction): a miss on a store larger
 * than its cache inserts one block and evicts another, and two Map operations per miss
 * were a third of the insert's time (perf, 2026-12-03). `map`, keyed by block offset,
 * holds the entries inserted without a slot (index and filter blocks, BlockCache.insert).
 * @internal
 */
export class CacheShard {
  readonly map = new Map<number, Entry>();
  readonly slots: unknown[] = [];
  readonly slotEntries: (Entry | undefined)[] = [];
  refs = new Uint8Array(16);
  /** Set when eraseTable dropped the shard; an insert re-registers it. */
  erased = false;
  constructor(readonly tableId: number) {}
}

export class BlockCache {
  private readonly shards = new Map<number, CacheShard>();
  /** Sentinel of the circular entry list. New entries go just behind the hand. */
  private readonly head = new Entry(undefined, -1, undefined, 0, -1);
  /** The CLOCK hand: the next entry to consider for eviction (head when the list is empty). */
  private hand: Entry = this.head;
  /** Evicted entries, unlinked and referenced from nowhere else, for reuse by insertInto. */
  private readonly spare: Entry[] = [];
  private cap: number;
  private used = 0;
  private count = 0;
  hits = 0;
  misses = 0;
  inserts = 0;
  evictions = 0;

  /** Where evicted data blocks' buffers go for reuse (with `recycleBlocks`), else undefined. */
  readonly pool: BlockPool | undefined;

  /** `capacity` in bytes; 0 makes a cache that keeps nothing (but still counts misses). */
  constructor(capacity: number, options: BlockCacheOptions = {}) {
    checkCapacity(capacity);
    this.cap = capacity;
    // A few MiB of idle buffers absorb the imbalance between size classes evicted and read.
    if (options.recycleBlocks === true) this.pool = new BlockPool(Math.min(4 << 20, Math.max(64 << 10, Math.ceil(capacity / 16))));
  }

  get capacity(): number {
    return this.cap;
  }

  /** Bytes currently charged. */
  get usage(): number {
    return this.used;
  }

  /** Changes the capacity, evicting as needed. */
  setCapacity(capacity: number): void {
    checkCapacity(capacity);
    this.cap = capacity;
    this.evict();
  }

  /** Returns the cached value for (tableId, offset), or undefined; counts a hit or miss. */
  get(tableId: number, offset: number): unknown {
    const shard = this.shards.get(tableId);
    if (shard === undefined) {
      this.misses++;
      return undefined;
    }
    return this.lookup(shard, offset);
  }

  /** Caches `value` for (tableId, offset), charged `charge` bytes. Values larger than the capacity are not kept. */
  insert(tableId: number, offset: number, value: unknown, charge: number): void {
    this.insertInto(this.shard(tableId), offset, value, charge);
  }

  /** @internal The shard of a table (created on first use), for Table's one-probe fast path. */
  shard(tableId: number): CacheShard {
    let s = this.shards.get(tableId);
    if (s === undefined) {
      s = new CacheShard(tableId);
      this.shards.set(tableId, s);
    }
    return s;
  }

  /** @internal get() on a shard obtained from shard(). */
  lookup(shard: CacheShard, offset: number): unknown {
    const e = shard.map.get(offset);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (e.slot >= 0) shard.refs[e.slot] = 1;
    else e.ref = 1;
    return e.value;
  }

  /** @internal get() by slot number (a data block's index in its table) on a shard. */
  lookupSlot(shard: CacheShard, slot: number): unknown {
    const v = shard.slots[slot];
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    shard.refs[slot] = 1;
    return v;
  }

  /**
   * @internal insert() on a shard obtained from shard(); with `slot` >= 0 the entry is
   * found with lookupSlot (only: not by offset).
   */
  insertInto(shard: CacheShard, offset: number, value: unknown, charge: number, slot = -1): void {
    if (charge > this.cap) return;
    if (shard.erased) {
      // The table was erased but is still in use: register its shard again.
      shard.erased = false;
      const current = this.shards.get(shard.tableId);
      if (current !== undefined && current !== shard) {
        this.insertInto(current, offset, value, charge, slot);
        return;
      }
      this.shards.set(shard.tableId, shard);
    }
    // The old entry's map or slot place is overwritten below.
    const old = slot >= 0 ? shard.slotEntries[slot] : shard.map.get(offset);
    if (old !== undefined) this.unlinkFromList(old);
    let e = this.spare.pop();
    if (e === undefined) {
      e = new Entry(shard, offset, value, charge, slot);
    } else {
      e.shard = shard;
      e.key = offset;
      e.value = value;
      e.charge = charge;
      e.slot = slot;
      e.ref = 0;
    }
    if (slot < 0) {
      shard.map.set(offset, e);
    } else {
      while (shard.slots.length < slot) {
        shard.slots.push(undefined);
        shard.slotEntries.push(undefined);
      }
      shard.slots[slot] = value;
      shard.slotEntries[slot] = e;
      if (slot >= shard.refs.length) {
        let n = shard.refs.length * 2;
        while (n <= slot) n *= 2;
        const grown = new Uint8Array(n);
        grown.set(shard.refs);
        shard.refs = grown;
      }
      shard.refs[slot] = 0;
    }
    // Insert just behind the hand: the newest entry is the last one the hand reaches.
    const h = this.hand;
    e.next = h;
    e.prev = h.prev;
    h.prev.next = e;
    h.prev = e;
    this.used += charge;
    this.count++;
    this.inserts++;
    this.evict(e);
  }

  /** Drops every entry of a table (call when its file is deleted). Returns how many. */
  eraseTable(tableId: number): number {
    const shard = this.shards.get(tableId);
    if (shard === undefined) return 0;
    let n = shard.map.size;
    for (const e of shard.map.values()) this.unlinkFromList(e);
    for (const e of shard.slotEntries) {
      if (e === undefined) continue;
      this.unlinkFromList(e);
      n++;
    }
    shard.map.clear();
    shard.slots.length = 0;
    shard.slotEntries.length = 0;
    shard.erased = true;
    this.shards.delete(tableId);
    return n;
  }

  /** Drops everything (counters are kept). */
  clear(): void {
    for (const s of this.shards.values()) {
      s.map.clear();
      s.slots.length = 0;
      s.slotEntries.length = 0;
      s.erased = true;
    }
    this.shards.clear();
    this.head.next = this.head;
    this.head.prev = this.head;
    this.hand = this.head;
    this.used = 0;
    this.count = 0;
  }

  stats(): BlockCacheStats {
    return {
      capacity: this.cap,
      usage: this.used,
      entries: this.count,
      hits: this.hits,
      misses: this.misses,
      inserts: this.inserts,
      evictions: this.evictions,
      recycled: this.pool?.reused ?? 0,
    };
  }

  resetStats(): void {
    this.hits = 0;
    this.misses = 0;
    this.inserts = 0;
    this.evictions = 0;
  }

  /**
   * CLOCK sweep: referenced entries get a second chance (their bit is cleared), the first
   * unreferenced one goes. `keep` (the entry being inserted) is never chosen.
   */
  private evict(keep?: Entry): void {
    const head = this.head;
    while (this.used > this.cap && this.count > 0) {
      let e = this.hand;
      if (e === head) e = head.next;
      const shard = e.shard!;
      const referenced = e.slot >= 0 ? shard.refs[e.slot]! : e.ref;
      if (referenced !== 0 || e === keep) {
        if (e.slot >= 0) shard.refs[e.slot] = 0;
        else e.ref = 0;
        this.hand = e.next;
        continue;
      }
      this.hand = e.next;
      if (e.slot >= 0) {
        shard.slots[e.slot] = undefined;
        shard.slotEntries[e.slot] = undefined;
      } else {
        shard.map.delete(e.key);
      }
      this.unlinkFromList(e);
      this.evictions++;
      const v = e.value;
      // `pooled` was settled when the block was made (BlockPool.tookLast): no second check.
      if (this.pool !== undefined && v instanceof Block && v.pooled && v.pins === 0) this.pool.recycle(v.data);
      if (this.spare.length < MAX_SPARE_ENTRIES) {
        e.value = undefined;
        e.shard = undefined;
        this.spare.push(e);
      }
    }
  }

  private unlinkFromList(e: Entry): void {
    if (this.hand === e) this.hand = e.next;
    e.prev.next = e.next;
    e.next.prev = e.prev;
    e.prev = e;
    e.next = e;
    this.used -= e.charge;
    this.count--;
  }
}

function checkCapacity(capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new InvalidArgumentError(`block cache capacity must be a safe integer >= 0, got ${shownValue(capacity)}`);
  }
}
