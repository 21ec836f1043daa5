// LMDB through lmdb-js 3 (a B+tree over a memory map; a native binding). Everything here
// is synchronous: a batch is one `transactionSync` with a `putSync` / `removeSync` per
// entry (one write transaction per batch, like one batch() call for the LSM engines; the
// async `db.batch()` path measured the same here), reads are `get`, scans and seeks are
// `getRange({ start, reverse, limit })`. Keys and values are raw bytes (keyEncoding and
// encoding 'binary'); `noSync: true` so a commit does not fsync (the others do not fsync
// per write either). LMDB has no block compression (lmdb-js's optional LZ4 value
// compression only touches values over 1000 bytes by default; it stays off), no write
// buffer, no block cache (reads go through the OS page cache) and no filter. Settle after
// the load: nothing (there is no memtable).

import type { RootDatabase } from 'lmdb';
import type { RunSettings } from '../args.js';
import type { Adapter, AdapterFactory, ScanSpec, Visit, WriteBatchView } from './adapter.js';
import { packageVersion } from './package-version.js';

type Db = RootDatabase<Uint8Array, Uint8Array>;
type OpenFn = typeof import('lmdb').open;

class LmdbAdapter implements Adapter {
  readonly engine = 'lmdb' as const;
  readonly label = `lmdb ${packageVersion('lmdb')}`;
  readonly api = { writes: 'sync', reads: 'sync', scans: 'sync' } as const;
  readonly notes: readonly string[];
  private db: Db | undefined;

  constructor(
    private readonly openFn: OpenFn,
    private readonly dir: string,
    settings: RunSettings,
  ) {
    this.notes = [`transactionSync per batch, get, getRange; noSync; binary keys and values; no compression${settings.compression === 'none' ? '' : ' (lmdb has none: --compression ignored)'}`];
  }

  private get d(): Db {
    if (this.db === undefined) throw new Error('lmdb: store not open');
    return this.db;
  }

  async open(): Promise<void> {
    this.db = this.openFn<Uint8Array, Uint8Array>({ path: this.dir, keyEncoding: 'binary', encoding: 'binary', noSync: true, compression: false });
  }

  async close(): Promise<void> {
    await this.db?.close();
    this.db = undefined;
  }

  async settle(): Promise<void> {
    // Nothing: see the top of the file.
  }

  write(b: WriteBatchView): void {
    const db = this.d;
    const { keys, values, length } = b;
    db.transactionSync(() => {
      if (values === undefined) for (let i = 0; i < length; i++) db.removeSync(keys[i]!);
      else for (let i = 0; i < length; i++) db.putSync(keys[i]!, values[i]!);
    });
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.d.get(key);
  }

  scan(spec: ScanSpec, visit: Visit): number {
    let n = 0;
    const options: { reverse: boolean; start?: Uint8Array; limit?: number } = { reverse: spec.reverse };
    if (spec.from !== undefined) options.start = spec.from;
    if (spec.limit !== Number.POSITIVE_INFINITY) options.limit = spec.limit;
    for (const { key, value } of this.d.getRange(options)) {
      visit(key, value);
      n++;
    }
    return n;
  }
}

/** Loads lmdb (a devDependency) and returns an adapter for `dir`. */
export const createLmdb: AdapterFactory = async (dir, settings) => {
  const { open } = await import('lmdb');
  return new LmdbAdapter(open, dir, settings);
};
