// LsmLevel: the abstract-level (v3) database over @lsm/engine, constructed like
// classic-level: `new LsmLevel(location, options)`. Every private method is a synchronous
// engine call wrapped in a promise; abstract-level supplies encodings, deferred open,
// sublevels, events, hooks and argument checks on top.
//
// Promises: reads see the store as of the call (point reads are synchronous, so they
// read an implicit snapshot); iterators read the store as of their creation, through
// their own engine snapshot, also after seek(); explicit snapshots pin an engine
// snapshot until closed; storage failures surface with LEVEL_* codes (errors.ts).

import { AbstractLevel } from 'abstract-level';
import type { AbstractDatabaseOptions } from 'abstract-level';
import { InvalidArgumentError, NotSupportedError, type Snapshot, Tree, type TreeOptions, bytewiseComparator } from '@lsm/engine';
import { NodeFs } from '@lsm/fs';
import { LsmChainedBatch } from './chained-batch.js';
import { clearRange } from './clear-range.js';
import { LevelError, engineCall, openError } from './errors.js';
import { LsmEntryIterator, LsmKeyIterator, LsmValueIterator, type PrivateIteratorOptions } from './iterators.js';
import { type EncodedRangeOptions, resolveRange } from './key-range.js';
import { LsmSnapshot } from './lsm-snapshot.js';
import { type Encoded, toFormatOrUndefined } from './output-format.js';
import { ScratchEncoder } from './scratch-encoder.js';
import { SnapshotCursor } from './snapshot-cursor.js';

/** Engine options LsmLevel passes to `Tree.open` (createIfMissing and errorIfExists come from open()). */
export type LsmEngineOptions = Omit<TreeOptions, 'createIfMissing' | 'errorIfExists'>;

/** Options of `new LsmLevel(location, options)`: abstract-level's, plus the engine's. */
export interface LsmLevelOptions<K = string, V = string> extends AbstractDatabaseOptions<K, V> {
  /** Passed to `Tree.open` (fs, memtableBytes, blockCacheBytes, compression, syncWrites, ...). */
  engine?: LsmEngineOptions;
}

interface OpenOptions {
  createIfMissing: boolean;
  errorIfExists: boolean;
}

interface ReadOptions {
  keyEncoding: string;
  valueEncoding: string;
  snapshot?: unknown;
}

interface WriteOptions {
  sync?: boolean;
}

interface BatchOperation {
  type: 'put' | 'del';
  key: Encoded;
  value?: Encoded;
}

interface ClearOptions extends EncodedRangeOptions {
  reverse: boolean;
  limit: number;
  snapshot?: unknown;
}

type IteratorOptions = PrivateIteratorOptions & EncodedRangeOptions & { snapshot?: unknown };

/** The abstract-level manifest: what this database supports, truthfully. */
function manifest(permanent: boolean) {
  return {
    // Native formats; abstract-level transcodes every other encoding (json, hex, ...) to these.
    encodings: { buffer: true, view: true, utf8: true },
    // Point reads are synchronous (they read the store as of the call); iterators take an
    // engine snapshot synchronously when created.
    implicitSnapshots: true,
    explicitSnapshots: true,
    has: true,
    getSync: true,
    seek: true,
    permanence: permanent,
    createIfMissing: true,
    errorIfExists: true,
    // Reads finish synchronously inside the call, so there is no read in progress for a
    // signal to abort; abstract-level still rejects reads after an abort.
    signals: { iterators: false },
  };
}

/** An abstract-level database stored in an @lsm/engine Tree at `location`. */
export class LsmLevel<K = string, V = string> extends AbstractLevel<Uint8Array | string, K, V> {
  private readonly dir: string;
  private readonly engineOptions: LsmEngineOptions;
  private tree: Tree | null = null;
  /** Scratch encoders for string keys and values (the engine copies what it keeps). */
  private readonly keyScratch = new ScratchEncoder();
  private readonly valueScratch = new ScratchEncoder();

  /**
   * A database at directory `location` (created on open unless `createIfMissing: false`).
   * `options.engine` is passed to `Tree.open`; the other options are abstract-level's
   * (keyEncoding, valueEncoding, createIfMissing, errorIfExists, passive).
   */
  constructor(location: string, options?: LsmLevelOptions<K, V>) {
    if (typeof location !== 'string' || location.length === 0) {
      throw new InvalidArgumentError(`location must be a non-empty string, got ${location === '' ? 'an empty string' : typeof location}`);
    }
    const engine = options?.engine ?? {};
    if (typeof engine !== 'object' || engine === null) throw new InvalidArgumentError('option engine must be an object');
    if (engine.comparator !== undefined && engine.comparator !== bytewiseComparator) {
      // abstract-level promises byte order (sublevels and ranges rely on it).
      throw new NotSupportedError('option engine.comparator: abstract-level needs the bytewise key order');
    }
    const { engine: _, ...levelOptions } = options ?? {};
    // Data outlives the process only on the real disk (the engine's default fs).
    super(manifest(engine.fs === undefined || engine.fs instanceof NodeFs), levelOptions as AbstractDatabaseOptions<K, V>);
    this.dir = location;
    this.engineOptions = engine;
  }

  /** The directory the store lives in. */
  get location(): string {
    return this.dir;
  }

  /** The engine store while the database is open (for stats(), flush(), compact()); throws otherwise. */
  get engine(): Tree {
    return this.open_();
  }

  /** The open engine store. abstract-level calls private methods only while open. */
  private open_(): Tree {
    if (this.tree === null) throw new LevelError(`the database at ${this.dir} is not open`, 'LEVEL_DATABASE_NOT_OPEN');
    return this.tree;
  }

  /** The engine snapshot behind `snapshot`, refusing snapshots of another database. */
  private engineSnapshot(snapshot: unknown): Snapshot | undefined {
    if (snapshot === undefined || snapshot === null) return undefined;
    if (!(snapshot instanceof LsmSnapshot) || snapshot.tree !== this.tree) {
      throw new InvalidArgumentError('option snapshot must be a snapshot of this database (from db.snapshot())');
    }
    return snapshot.engineSnapshot;
  }

  async _open(options: OpenOptions): Promise<void> {
    try {
      this.tree = Tree.open(this.dir, { ...this.engineOptions, createIfMissing: options.createIfMissing, errorIfExists: options.errorIfExists });
    } catch (err) {
      throw openError(err, this.dir, options.createIfMissing);
    }
  }

  async _close(): Promise<void> {
    const tree = this.tree;
    if (tree === null) return;
    // A failed close leaves the engine closed anyway and abstract-level 'open': keep the
    // closed Tree so calls report LEVEL_DATABASE_NOT_OPEN; the next close() (idempotent
    // in the engine) completes.
    engineCall(() => tree.close());
    this.tree = null;
  }

  _getSync(key: Encoded, options: ReadOptions): Encoded | undefined {
    const tree = this.open_();
    const snapshot = this.engineSnapshot(options.snapshot);
    return toFormatOrUndefined(
      engineCall(() => tree.get(this.keyScratch.bytes(key), { snapshot })),
      options.valueEncoding,
    );
  }

  async _get(key: Encoded, options: ReadOptions): Promise<Encoded | undefined> {
    return this._getSync(key, options);
  }

  async _getMany(keys: Encoded[], options: ReadOptions): Promise<(Encoded | undefined)[]> {
    const tree = this.open_();
    const snapshot = this.engineSnapshot(options.snapshot);
    const values = engineCall(() => tree.multiGet(keys, { snapshot }));
    return values.map((v) => toFormatOrUndefined(v, options.valueEncoding));
  }

  async _has(key: Encoded, options: { snapshot?: unknown }): Promise<boolean> {
    const tree = this.open_();
    const snapshot = this.engineSnapshot(options.snapshot);
    return engineCall(() => tree.get(this.keyScratch.bytes(key), { snapshot })) !== undefined;
  }

  async _hasMany(keys: Encoded[], options: { snapshot?: unknown }): Promise<boolean[]> {
    const tree = this.open_();
    const snapshot = this.engineSnapshot(options.snapshot);
    return engineCall(() => tree.multiGet(keys, { snapshot })).map((v) => v !== undefined);
  }

  async _put(key: Encoded, value: Encoded, options: WriteOptions): Promise<void> {
    const tree = this.open_();
    engineCall(() => tree.put(this.keyScratch.bytes(key), this.valueScratch.bytes(value), syncOption(options)));
  }

  async _del(key: Encoded, options: WriteOptions): Promise<void> {
    const tree = this.open_();
    engineCall(() => tree.delete(this.keyScratch.bytes(key), syncOption(options)));
  }

  async _batch(operations: BatchOperation[], options: WriteOptions): Promise<void> {
    const tree = this.open_();
    engineCall(() => {
      const batch = tree.batch();
      for (const op of operations) {
        if (op.type === 'put') batch.put(this.keyScratch.bytes(op.key), this.valueScratch.bytes(op.value!));
        else batch.delete(this.keyScratch.bytes(op.key));
      }
      batch.commit(syncOption(options));
    });
  }

  _chainedBatch(): LsmChainedBatch {
    return new LsmChainedBatch(this, this.open_());
  }

  async _clear(options: ClearOptions): Promise<void> {
    const snapshot = this.engineSnapshot(options.snapshot);
    clearRange(this.open_(), { range: resolveRange(options), reverse: options.reverse, limit: options.limit, snapshot });
  }

  _snapshot(options: object): LsmSnapshot {
    const tree = this.open_();
    return new LsmSnapshot(options, tree, engineCall(() => tree.snapshot()));
  }

  /** A cursor over the iterator's explicit snapshot, or over a new implicit one. */
  private cursor(options: IteratorOptions): SnapshotCursor {
    const explicit = this.engineSnapshot(options.snapshot);
    const tree = this.open_();
    const snapshot = explicit ?? engineCall(() => tree.snapshot());
    return new SnapshotCursor(snapshot, explicit === undefined, resolveRange(options), options.reverse);
  }

  _iterator(options: IteratorOptions): LsmEntryIterator {
    return new LsmEntryIterator(this, options, this.cursor(options));
  }

  _keys(options: IteratorOptions): LsmKeyIterator {
    return new LsmKeyIterator(this, options, this.cursor(options));
  }

  _values(options: IteratorOptions): LsmValueIterator {
    return new LsmValueIterator(this, options, this.cursor(options));
  }
}

/** The engine's write options for abstract-level's (only `sync` means something here). */
function syncOption(options: WriteOptions): { sync: boolean } | undefined {
  return options.sync === undefined ? undefined : { sync: options.sync };
}
