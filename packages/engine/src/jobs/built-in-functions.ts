// The user functions a worker can load by name: the built-in merge operators, prefix
// extractors and the TTL compaction filter. A store whose merge operator and compaction
// filter are built-in (or absent) can run compactions on a worker; any other merge
// operator or compaction filter (or a custom comparator) keeps them on the caller's
// thread, and any other prefix extractor keeps every job there. A prefix extractor or a
// filter counts as built-in only when this package's factory made it (for the filter:
// without a `now` of the caller's, which is a closure): an object that merely takes a
// built-in's name is custom.

import { type CompactionFilter, type MergeOperator, appendWithSeparator, counterAdd, ttlFilter as compactionTtlFilter } from '@lsm/compaction';
import { type PrefixExtractor, fixedPrefixExtractor as sstableFixedPrefixExtractor } from '@lsm/sstable';

const APPEND = /^lsm\.append\(sep=([0-9a-f]*)\)$/;

/** Whether a worker can load the merge operator of this name. */
export function isBuiltInMergeOperator(name: string): boolean {
  return name === counterAdd.name || APPEND.test(name);
}

/** The built-in merge operator of that name (undefined for no name); throws for another name. */
export function builtInMergeOperator(name: string | undefined): MergeOperator | undefined {
  if (name === undefined) return undefined;
  if (name === counterAdd.name) return counterAdd;
  const m = APPEND.exec(name);
  if (m !== null) return appendWithSeparator(Buffer.from(m[1]!, 'hex'));
  throw new Error(`merge operator ${name} is not a built-in`);
}

const FIXED = /^lsm\.fixed:([0-9]+)$/;
const builtInExtractors = new WeakSet<PrefixExtractor>();

/**
 * The prefix extractor that maps a key to its first `n` bytes (keys shorter than `n` have
 * no prefix), for the prefixExtractor option. Named `lsm.fixed:<n>`; a worker thread can
 * load it. `n` must be an integer in [1, 65535] (else LSM_INVALID_ARGUMENT).
 */
export function fixedPrefixExtractor(n: number): PrefixExtractor {
  const e = sstableFixedPrefixExtractor(n);
  builtInExtractors.add(e);
  return e;
}

/** Whether a worker can load this prefix extractor (fixedPrefixExtractor made it). */
export function isBuiltInPrefixExtractor(e: PrefixExtractor): boolean {
  return builtInExtractors.has(e) && FIXED.test(e.name);
}

/** The built-in prefix extractor of that name (undefined for no name); throws for another name. */
export function builtInPrefixExtractor(name: string | undefined): PrefixExtractor | undefined {
  if (name === undefined) return undefined;
  const m = FIXED.exec(name);
  if (m === null) throw new Error(`prefix extractor ${name} is not a built-in`);
  return sstableFixedPrefixExtractor(Number(m[1]));
}

const TTL_FILTER_NAME = compactionTtlFilter().name;
const builtInFilters = new WeakSet<CompactionFilter>();

/**
 * The TTL compaction filter: removes a value whose first 8 bytes (encodeTtlValue's
 * big-endian expiry time in ms since the epoch) are at or before `now()`; values shorter
 * than 8 bytes are kept. `now` defaults to Date.now, and then a worker thread can run it
 * (its own Date.now reads the same clock); a `now` of the caller's runs compactions on
 * the caller's thread.
 */
export function ttlFilter(options: { now?: () => number } = {}): CompactionFilter {
  const f = compactionTtlFilter(options);
  if (options.now === undefined) builtInFilters.add(f);
  return f;
}

/** Whether a worker can load this compaction filter (ttlFilter made it with the default clock). */
export function isBuiltInCompactionFilter(f: CompactionFilter): boolean {
  return builtInFilters.has(f);
}

/** The built-in compaction filter of that name (undefined for no name); throws for another name. */
export function builtInCompactionFilter(name: string | undefined): CompactionFilter | undefined {
  if (name === undefined) return undefined;
  if (name === TTL_FILTER_NAME) return compactionTtlFilter();
  throw new Error(`compaction filter ${name} is not a built-in`);
}
