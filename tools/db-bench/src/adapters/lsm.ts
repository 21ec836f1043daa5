// @lsm/engine under test: the synchronous API as a user calls it. Writes are one
// `batch().put()...commit()` per batch, without sync (the log is written, not fsynced);
// reads are `get`; scans and seeks are `range({ gte, reverse, limit })` iterators.
// Settle after the load: `flush()` (the memtable goes to a table), then `compact()`
// is not called: compactions the load started run on the engine's worker thread, and the
// runner waits until the process has stopped writing, as for the peers. `lsm-kvsep` is the same
// engine opened with K/V separation (values >= --min-value-size go to blob files).

import { dirname } from 'node:path';
import { Tree, type TreeOptions } from '@lsm/engine';
import { NodeFs } from '@lsm/fs';
import type { RunSettings } from '../args.js';
import type { Adapter, AdapterFactory, EngineWriteCounters, ScanSpec, Visit, WriteBatchView } from './adapter.js';
import { packageVersion } from './package-version.js';

/** The options a run opens @lsm/engine with. */
export function lsmOptions(s: RunSettings): TreeOptions {
  if (s.defaults === 'own') return { wal: true, syncWrites: false };
  return {
    wal: true,
    syncWrites: false,
    memtableBytes: s.writeBufferSize,
    blockCacheBytes: s.cacheSize,
    blockSize: s.blockSize,
    compression: s.compression,
    filter: s.bloomBits > 0 ? { bitsPerKey: s.bloomBits } : false,
  };
}

/** The options of the `lsm-kvsep` engine: `lsmOptions` plus K/V separation. */
export function lsmKvSepOptions(s: RunSettings): TreeOptions {
  return { ...lsmOptions(s), kvSeparation: { minValueSize: s.minValueSize } };
}

class LsmAdapter implements Adapter {
  readonly engine: 'lsm' | 'lsm-kvsep';
  readonly label: string;
  readonly api = { writes: 'sync', reads: 'sync', scans: 'sync' } as const;
  readonly notes: readonly string[];
  private tree: Tree | undefined;

  constructor(
    private readonly dir: string,
    private readonly settings: RunSettings,
    private readonly kvSeparation = false,
  ) {
    this.engine = kvSeparation ? 'lsm-kvsep' : 'lsm';
    this.label = `@lsm/engine ${packageVersion('@lsm/engine')}${kvSeparation ? ' (K/V separation)' : ''}`;
    const filter = settings.bloomBits > 0 ? `BuRR filter ${settings.bloomBits} bits/key` : 'no filter';
    const kv = kvSeparation ? `, K/V separation: values >= ${settings.minValueSize} B in blob files` : '';
    this.notes = [
      settings.defaults === 'own'
        ? `WAL on, no fsync; its own default options${kv}; flushes and compactions on its background worker threads (default backgroundThreads: 2, flushes apart from compactions)`
        : `WAL on, no fsync; memtable ${settings.writeBufferSize} B, block cache ${settings.cacheSize} B, ${filter}, compression ${settings.compression}${kv}; flushes and compactions on its background worker threads`,
    ];
  }

  private get t(): Tree {
    if (this.tree === undefined) throw new Error('lsm: store not open');
    return this.tree;
  }

  async open(): Promise<void> {
    // Confined to the run's root (the store's parent, which db-bench made or was given with --db).
    const fs = new NodeFs({ root: dirname(this.dir) });
    this.tree = Tree.open(this.dir, { ...(this.kvSeparation ? lsmKvSepOptions(this.settings) : lsmOptions(this.settings)), fs });
  }

  async close(): Promise<void> {
    this.tree?.close();
    this.tree = undefined;
  }

  async settle(): Promise<void> {
    this.t.flush();
  }

  write(b: WriteBatchView): void {
    const batch = this.t.batch();
    const { keys, values, length } = b;
    if (values === undefined) for (let i = 0; i < length; i++) batch.delete(keys[i]!);
    else for (let i = 0; i < length; i++) batch.put(keys[i]!, values[i]!);
    batch.commit();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.t.get(key);
  }

  scan(spec: ScanSpec, visit: Visit): number {
    let n = 0;
    const it = spec.from === undefined ? this.t.range({ reverse: spec.reverse, limit: spec.limit }) : this.t.range({ gte: spec.from, reverse: spec.reverse, limit: spec.limit });
    for (const [k, v] of it) {
      visit(k, v);
      n++;
    }
    return n;
  }

  writeCounters(): EngineWriteCounters {
    const s = this.t.stats();
    // Blob files are table data moved aside: counted with the tables.
    return { userBytes: s.userBytesWritten, walBytes: s.walBytesWritten, tableBytes: s.tableBytesWritten + s.blobs.bytesWritten };
  }
}

/** Opens nothing yet: `open()` does. */
export const createLsm: AdapterFactory = async (dir, settings) => new LsmAdapter(dir, settings);

/** @lsm/engine with K/V separation. */
export const createLsmKvSep: AdapterFactory = async (dir, settings) => new LsmAdapter(dir, settings, true);
