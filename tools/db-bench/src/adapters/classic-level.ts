// LevelDB through classic-level 3 (LevelDB 1.20, a native binding). Writes are one
// chained batch per batch (`db.batch().put(k, v)...write()`: async only, one await per
// batch; measured faster here than the array form `db.batch(ops)`), without sync; point reads
// use the synchronous `getSync`; scans and seeks use async iterators read with
// `nextv(1000)` (classic-level has no synchronous iterator). --compression zstd turns on
// LevelDB's Snappy (the only codec it has); none turns it off. Its Bloom filter is fixed at
// 10 bits per key by the binding. Settle after the load: nothing of its own (the uniform
// close + reopen writes its log to a level-0 table, and the worker then waits until the
// compactions on LevelDB's background thread are done).

import type { ClassicLevel } from 'classic-level';
import type { RunSettings } from '../args.js';
import type { Adapter, AdapterFactory, ScanSpec, Visit, WriteBatchView } from './adapter.js';
import { packageVersion } from './package-version.js';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

class ClassicLevelAdapter implements Adapter {
  readonly engine = 'classic-level' as const;
  readonly label = `classic-level ${packageVersion('classic-level')} (LevelDB 1.20)`;
  readonly api = { writes: 'async', reads: 'sync', scans: 'async' } as const;
  readonly notes: readonly string[];
  private db: Db | undefined;

  constructor(
    private readonly Ctor: typeof ClassicLevel,
    private readonly dir: string,
    private readonly settings: RunSettings,
  ) {
    this.notes = [
      `chained batch, async (awaited per batch), getSync for reads, async iterators (nextv) for scans; ${settings.defaults === 'own' ? 'its own default options (Snappy on, its own write buffer and cache sizes)' : `snappy ${settings.compression === 'none' ? 'off' : 'on'}; writeBufferSize ${settings.writeBufferSize} B, cacheSize ${settings.cacheSize} B, Bloom 10 bits/key (fixed)`}`,
    ];
  }

  private get d(): Db {
    if (this.db === undefined) throw new Error('classic-level: store not open');
    return this.db;
  }

  async open(): Promise<void> {
    const s = this.settings;
    const sized = s.defaults === 'own' ? {} : { compression: s.compression !== 'none', cacheSize: s.cacheSize, writeBufferSize: s.writeBufferSize, blockSize: s.blockSize };
    const db = new this.Ctor<Uint8Array, Uint8Array>(this.dir, { keyEncoding: 'view', valueEncoding: 'view', ...sized });
    await db.open();
    this.db = db;
  }

  async close(): Promise<void> {
    await this.db?.close();
    this.db = undefined;
  }

  async settle(): Promise<void> {
    // Nothing of its own: see the top of the file.
  }

  write(b: WriteBatchView): Promise<void> {
    const { keys, values, length } = b;
    const batch = this.d.batch();
    if (values === undefined) for (let i = 0; i < length; i++) batch.del(keys[i]!);
    else for (let i = 0; i < length; i++) batch.put(keys[i]!, values[i]!);
    return batch.write({ sync: false });
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.d.getSync(key);
  }

  async scanAsync(spec: ScanSpec, visit: Visit): Promise<number> {
    const limit = spec.limit === Number.POSITIVE_INFINITY ? -1 : spec.limit;
    const it = spec.from === undefined ? this.d.iterator({ reverse: spec.reverse, limit }) : this.d.iterator({ gte: spec.from, reverse: spec.reverse, limit });
    const chunk = limit < 0 ? 1000 : Math.min(1000, limit);
    let n = 0;
    try {
      for (;;) {
        const entries = await it.nextv(chunk);
        if (entries.length === 0) break;
        for (const [k, v] of entries) visit(k, v);
        n += entries.length;
        // At the limit: stop here rather than pay one more round trip to learn it.
        if (limit >= 0 && n >= limit) break;
      }
    } finally {
      await it.close();
    }
    return n;
  }
}

/** Loads classic-level (a devDependency) and returns an adapter for `dir`. */
export const createClassicLevel: AdapterFactory = async (dir, settings) => {
  const { ClassicLevel: Ctor } = await import('classic-level');
  return new ClassicLevelAdapter(Ctor, dir, settings);
};
