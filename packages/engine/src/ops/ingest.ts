// Bulk ingestion (Tree.ingest): sorted [key, value] pairs written straight into tables
// (no log, no memtable) with one seqno, then made visible by one manifest edit. This file
// holds the parts that do not need the store itself: writing the tables, the overlap
// checks, and the choice of level. Tree.ingest puts them together (see its comment for
// the order of the steps and why each is needed).
//
// Placement. An LSM read takes, per key, the first version it meets walking memtables,
// L0 newest first, then L1, L2, ...; so data may sit at level L only if nothing above L
// (memtables, L0 .. L-1) holds an older version of one of its keys, or an older range
// deletion over them. The ingested data is newer than everything, so:
// - into L0, always correct once no memtable holds a key (or a range deletion) in the
//   ingested range: L0 is ordered by largest seqno, and the ingested tables' seqno is the
//   newest (a flush in flight of an older memtable lands below them);
// - into L > 0 (the leveled strategy only, whose levels below L0 are sorted runs), when no
//   table of L0 .. L overlaps the range, and no compaction in flight writes into L over a
//   span that overlaps it (its outputs would overlap the new tables in L). A compaction in
//   flight into a level above L holds no key of the range (its inputs overlap nothing
//   above L), so its outputs cannot hide the new tables; one into a level below L writes
//   older data below. The deepest such level is taken (RocksDB's rule), so ingesting
//   into a free key range is never compacted again on its way down.
// Other strategies read L0 as their runs' age order (size-tiered) or drop from the
// deepest level first (FIFO): with them ingested tables always go to L0.

import { type CompactionPlan, type CompactionStrategy, type KeyRange, type TableMeta, overlappingInSortedLevel, rangeOf, rangesOverlap } from '@lsm/compaction';
import { type Comparator, InvalidArgumentError, copyOf } from '@lsm/base';
import { type Bytes, toKey, toValue } from '../coerce.js';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import { blobFileName, tableFileName } from '../file-names.js';
import type { JobEnv } from '../jobs/job-env.js';
import type { BlobJobCounts, FileNumberRange, TableCompression } from '../jobs/job-types.js';
import type { WorkerRunner } from '../jobs/worker-runner.js';
import { removeQuietly } from '../remove-quietly.js';
import { ChunkPacker } from './ingest-chunk.js';
import { RemoteIngest } from './ingest-remote.js';
import { IngestSession } from './ingest-session.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Version } from '../versions/version.js';

/** What writing the ingested tables produced (durable, in no version yet). */
export interface IngestOutput {
  /** The tables, in key order, disjoint. Empty when the input was empty. */
  tables: TableMeta[];
  blobFiles: BlobFileMeta[];
  blob: BlobJobCounts;
  /** Entries written, and their key and value bytes. */
  entries: number;
  userBytes: number;
  tableBytes: number;
  /** Whether a worker thread wrote the tables. */
  onWorker: boolean;
  /** The ingested key range (undefined when empty). */
  range: KeyRange | undefined;
  /** Removes every file written (the ingest failed after the tables were finished). Never throws. */
  abandon(): void;
}

/** The size at which ingested tables are cut: the strategy's target table size, else the memtable size (what a flush writes). */
export function ingestTableBytes(strategy: CompactionStrategy, memtableBytes: number): number {
  const t = (strategy as { options?: { targetTableSize?: unknown } }).options?.targetTableSize;
  return typeof t === 'number' && Number.isSafeInteger(t) && t > 0 && t < Number.MAX_SAFE_INTEGER ? t : memtableBytes;
}

/**
 * Input bytes packed before an ingestion goes to a worker: smaller inputs are written on
 * the caller's thread (starting a worker costs more than it saves), larger ones in chunks
 * of this size.
 */
export const INGEST_CHUNK_BYTES = 4 << 20;

/** File numbers reserved for an ingestion as it goes (kept reserved until it ends). */
export interface IngestNumbers {
  next(): number;
  take(count: number): FileNumberRange;
}

/**
 * Writes `entries` (strictly ascending keys) as tables at `seqno`, cut near `tableBytes`,
 * compressed with `compression`,
 * fsynced, with their names made durable. Values are separated into blob files as a
 * flush would (K/V separation). Throws LSM_INVALID_ARGUMENT for an entry out of order, a
 * repeated key or a malformed entry, after removing every file it wrote; rethrows what
 * the iterable throws, likewise.
 *
 * Every entry is checked on the caller's thread. With `worker` (a store on the real disk
 * with background threads), an input larger than INGEST_CHUNK_BYTES is packed in chunks
 * for a worker of its own, which writes the tables while the caller reads and checks the
 * next chunk; `worker()` returning undefined (no worker to be had) keeps it all here.
 */
export function writeIngestTables(
  env: JobEnv,
  entries: Iterable<readonly [Bytes, Bytes]>,
  seqno: number,
  tableBytes: number,
  numbers: IngestNumbers,
  compression: TableCompression,
  worker?: () => WorkerRunner | undefined,
): IngestOutput {
  const cmp = env.comparator;
  const here = (): IngestSession => new IngestSession(env, seqno, tableBytes, compression, () => numbers.next());
  let local = worker === undefined ? here() : undefined;
  let packer = worker === undefined ? undefined : new ChunkPacker(INGEST_CHUNK_BYTES);
  let remote: RemoteIngest | undefined;
  let count = 0;
  let userBytes = 0;
  let prev: Uint8Array | undefined;
  try {
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new InvalidArgumentError(`ingest(): entry ${count} must be a [key, value] pair, got ${describeEntry(entry)}`);
      }
      const key = toKey(entry[0], `ingest(): the key of entry ${count}`);
      const value = toValue(entry[1], `ingest(): the value of entry ${count}`);
      if (prev !== undefined) {
        const c = cmp.compare(prev, key);
        if (c >= 0) {
          throw new InvalidArgumentError(
            c === 0
              ? `ingest(): entry ${count} repeats the key of entry ${count - 1} (${showKey(key)}); keys must be strictly ascending`
              : `ingest(): entry ${count} (key ${showKey(key)}) sorts before entry ${count - 1} (key ${showKey(prev)}); keys must be strictly ascending in the store's order (${cmp.name})`,
          );
        }
      }
      count++;
      userBytes += key.length + value.length;
      if (packer === undefined) {
        local!.add(key, value);
        // The caller may reuse its buffers: keep a copy of the key to compare with the next
        // (a key encoded from a string is ours already).
        prev = entry[0] instanceof Uint8Array ? copyOf(key) : key;
        continue;
      }
      // The key's copy in the chunk serves for the next comparison.
      prev = packer.add(key, value);
      if (!packer.full) continue;
      if (remote === undefined) {
        const runner = worker!();
        if (runner === undefined) {
          local = here();
          const c = packer.take();
          local.addPacked(c.chunk, c.count);
          packer = undefined;
          continue;
        }
        remote = new RemoteIngest(runner, seqno, tableBytes, compression, (n) => numbers.take(n), env.kvSeparation);
      }
      // The chunk's buffer goes to the worker: the last key must outlive it.
      prev = copyOf(prev);
      const c = packer.take();
      remote.send(c.chunk, c.count, false);
    }
    let written: { tables: TableMeta[]; blobFiles: BlobFileMeta[]; blob: BlobJobCounts };
    if (remote !== undefined) {
      const c = packer!.take();
      remote.send(c.chunk, c.count, true);
      written = remote.finish();
    } else {
      if (packer !== undefined) {
        // Smaller than a chunk: written here.
        local = here();
        const c = packer.take();
        local.addPacked(c.chunk, c.count);
      }
      local ??= here();
      const files = local.finish();
      written = { tables: local.takeFinished(), ...files };
    }
    const { tables, blobFiles, blob } = written;
    const session = local;
    return {
      tables,
      blobFiles,
      blob,
      entries: count,
      userBytes,
      tableBytes: tables.reduce((n, t) => n + t.size, 0),
      range: tables.length === 0 ? undefined : rangeOf(cmp, tables),
      onWorker: remote !== undefined,
      abandon: () => (session !== undefined ? session.abandon() : removeFiles(env, tables, blobFiles)),
    };
  } catch (err) {
    local?.abandon();
    remote?.abort();
    throw err;
  } finally {
    remote?.close();
  }
}

/** Removes the files of finished ingested tables and blob files. Never throws. */
function removeFiles(env: JobEnv, tables: readonly TableMeta[], blobFiles: readonly BlobFileMeta[]): void {
  for (const t of tables) removeQuietly(env.fs, `${env.dir}/${tableFileName(t.id)}`);
  for (const b of blobFiles) removeQuietly(env.fs, `${env.dir}/${blobFileName(b.id)}`);
}

/** True when `mem` holds a key in `range`, or a range deletion overlapping it. */
export function memtableOverlaps(cmp: Comparator, mem: Memtable, range: KeyRange): boolean {
  for (const t of mem.rangeTombstones) {
    // [start, end) against [smallest, largest]
    if (cmp.compare(t.start, range.largest) <= 0 && cmp.compare(t.end, range.smallest) > 0) return true;
  }
  if (mem.size === 0) return false;
  const it = mem.iterator();
  try {
    it.seek(range.smallest);
    return it.valid() && cmp.compare(it.userKey(), range.largest) <= 0;
  } finally {
    it.close();
  }
}

/**
 * The level the ingested tables (`range`, disjoint tables) go to: see the top of this
 * file. `inFlight` is the compaction started and not yet installed, if any.
 */
export function pickIngestLevel(
  cmp: Comparator,
  strategy: CompactionStrategy,
  version: Version,
  range: KeyRange,
  inFlight: CompactionPlan | undefined,
): number {
  const deepest = leveledDeepestLevel(strategy, version.levels.length);
  if (deepest === 0) return 0;
  const levels = version.levels;
  if (levels[0]!.some((t) => rangesOverlap(cmp, t, range))) return 0;
  let level = 0;
  for (let l = 1; l <= deepest; l++) {
    if (overlappingInSortedLevel(cmp, levels[l]!, range).length > 0) break;
    level = l;
  }
  if (level > 0 && inFlight !== undefined && inFlight.outputLevel === level) {
    const tables = inFlight.inputs.flatMap((g) => g.tables);
    if (tables.length > 0 && rangesOverlap(cmp, rangeOf(cmp, tables), range)) level--;
  }
  return level;
}

/** The deepest level ingest may use: 0 unless the strategy is the leveled one. */
function leveledDeepestLevel(strategy: CompactionStrategy, numLevels: number): number {
  if (strategy.name !== 'leveled') return 0;
  const n = (strategy as { options?: { numLevels?: unknown } }).options?.numLevels;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 2) return 0;
  return Math.min(n, numLevels) - 1;
}

function describeEntry(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : typeof x;
}

/** A key for an error message: text when it is printable ASCII, else hex; at most 64 bytes. */
export function showKey(k: Uint8Array): string {
  const part = k.subarray(0, 64);
  const more = k.length > 64 ? `... (${k.length} bytes)` : '';
  if (part.every((b) => b >= 0x20 && b < 0x7f)) return JSON.stringify(String.fromCharCode(...part)) + more;
  return `0x${Array.from(part, (b) => b.toString(16).padStart(2, '0')).join('')}${more}`;
}
