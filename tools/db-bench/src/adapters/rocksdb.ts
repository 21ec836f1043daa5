// RocksDB through the `rocksdb` binding 5.2 (RocksDB 6.17, leveldown-style API). It has
// no synchronous call at all: writes are one chained batch per batch
// (`db.batch().put(k, v)...write(cb)`, measured faster here than the array form), point reads are
// async `db.get` (one in flight at a time, as a single-threaded reader would), scans and
// seeks are async iterators (`next(cb)`; the binding fetches entries in chunks internally).
// --compression zstd turns on Snappy (the only codec the binding can select); none turns
// it off. The binding fixes a 10-bit Bloom filter and leaves RocksDB's default two
// background jobs for flushes and compactions. Settle after the load: nothing of its own
// (the uniform close + reopen flushes its memtable, the binding has no flush(); the worker
// then waits until its background compactions are done).

import { createRequire } from 'node:module';
import type { RunSettings } from '../args.js';
import type { Adapter, AdapterFactory, ScanSpec, Visit, WriteBatchView } from './adapter.js';
import { packageVersion } from './package-version.js';

type Cb = (err: Error | null | undefined) => void;
type GetCb = (err: Error | null | undefined, value?: Buffer) => void;
type NextCb = (err: Error | null | undefined, key?: Buffer, value?: Buffer) => void;

/** The part of the leveldown-style API this adapter uses (the package ships no types). */
interface RocksIterator {
  next(cb: NextCb): void;
  end(cb: Cb): void;
}
interface RocksChainedBatch {
  put(key: Buffer, value: Buffer): RocksChainedBatch;
  del(key: Buffer): RocksChainedBatch;
  write(options: { sync: boolean }, cb: Cb): void;
}
interface RocksDb {
  open(options: Record<string, unknown>, cb: Cb): void;
  close(cb: Cb): void;
  batch(): RocksChainedBatch;
  get(key: Buffer, options: { asBuffer: boolean; fillCache: boolean }, cb: GetCb): void;
  iterator(options: Record<string, unknown>): RocksIterator;
}
type RocksCtor = (location: string) => RocksDb;

const GET_OPTIONS = { asBuffer: true, fillCache: true };

/** A Buffer over the same memory as `u` (the binding only accepts Buffers; no copy). */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

class RocksDbAdapter implements Adapter {
  readonly engine = 'rocksdb' as const;
  readonly label = `rocksdb ${packageVersion('rocksdb')} (RocksDB 6.17)`;
  readonly api = { writes: 'async', reads: 'async', scans: 'async' } as const;
  readonly notes: readonly string[];
  private db: RocksDb | undefined;

  constructor(
    private readonly ctor: RocksCtor,
    private readonly dir: string,
    private readonly settings: RunSettings,
  ) {
    this.notes = [
      `async only (no sync get or iterator in the binding): chained batch, get and iterators are awaited; ${settings.defaults === 'own' ? 'its own default options (Snappy on, its own write buffer and cache sizes)' : `snappy ${settings.compression === 'none' ? 'off' : 'on'}; writeBufferSize ${settings.writeBufferSize} B, cacheSize ${settings.cacheSize} B, Bloom 10 bits/key (fixed)`}`,
    ];
  }

  private get d(): RocksDb {
    if (this.db === undefined) throw new Error('rocksdb: store not open');
    return this.db;
  }

  open(): Promise<void> {
    const s = this.settings;
    const db = this.ctor(this.dir);
    return new Promise((resolve, reject) => {
      db.open(
        s.defaults === 'own'
          ? { createIfMissing: true }
          : { createIfMissing: true, compression: s.compression !== 'none', cacheSize: s.cacheSize, writeBufferSize: s.writeBufferSize, blockSize: s.blockSize },
        (err) => {
          if (err) reject(err);
          else {
            this.db = db;
            resolve();
          }
        },
      );
    });
  }

  close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
  }

  async settle(): Promise<void> {
    // Nothing of its own: see the top of the file.
  }

  write(b: WriteBatchView): Promise<void> {
    const { keys, values, length } = b;
    const batch = this.d.batch();
    if (values === undefined) for (let i = 0; i < length; i++) batch.del(asBuffer(keys[i]!));
    else for (let i = 0; i < length; i++) batch.put(asBuffer(keys[i]!), asBuffer(values[i]!));
    return new Promise((resolve, reject) => batch.write({ sync: false }, (err) => (err ? reject(err) : resolve())));
  }

  getAsync(key: Uint8Array): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) =>
      this.d.get(asBuffer(key), GET_OPTIONS, (err, value) => {
        if (err) {
          if (/NotFound/i.test(err.message)) resolve(undefined);
          else reject(err);
        } else resolve(value);
      }),
    );
  }

  scanAsync(spec: ScanSpec, visit: Visit): Promise<number> {
    const options: Record<string, unknown> = { reverse: spec.reverse, keyAsBuffer: true, valueAsBuffer: true };
    if (spec.limit !== Number.POSITIVE_INFINITY) options['limit'] = spec.limit;
    if (spec.from !== undefined) options['gte'] = asBuffer(spec.from);
    const it = this.d.iterator(options);
    return new Promise((resolve, reject) => {
      let n = 0;
      const step: NextCb = (err, key, value) => {
        if (err) {
          it.end(() => reject(err));
          return;
        }
        if (key === undefined || value === undefined) {
          it.end((e) => (e ? reject(e) : resolve(n)));
          return;
        }
        visit(key, value);
        n++;
        it.next(step);
      };
      it.next(step);
    });
  }
}

/** Loads the rocksdb binding (a devDependency, CommonJS) and returns an adapter for `dir`. */
export const createRocksDb: AdapterFactory = async (dir, settings) => {
  const ctor = createRequire(import.meta.url)('rocksdb') as RocksCtor;
  return new RocksDbAdapter(ctor, dir, settings);
};
