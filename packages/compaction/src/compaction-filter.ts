// Compaction filters: a user callback that compaction asks about each value it keeps and
// that no snapshot can see, answering keep, remove, or a changed value (RocksDB's
// CompactionFilter). Typical uses: expiring values (ttlFilter below), dropping keys of a
// deleted tenant, rewriting a value format lazily. Promises: the filter is called only
// where the answer cannot change what an open snapshot reads (see GcIterator's rule 6),
// "remove" never uncovers an older version, and a filter that throws aborts the
// compaction with its own error (nothing is changed).

import { InvalidArgumentError, shownValue } from '@lsm/base';

/** What the filter is told about the entry besides key and value. */
export interface CompactionFilterInfo {
  /** The level the compaction writes into. */
  readonly level: number;
  /** The entry's sequence number. */
  readonly seqno: number;
}

/** A filter's answer: keep the value, remove the key, or replace the value. */
export type CompactionFilterDecision = 'keep' | 'remove' | { readonly change: Uint8Array };

/** A user callback consulted by compaction for the newest value of each key (see GcIterator rule 6). */
export interface CompactionFilter {
  /** For logs and stats. */
  readonly name: string;
  /**
   * Decides about one value. `key` and `value` are views valid only during the call (copy
   * them to keep them). Must be deterministic enough that running it again on the same
   * entry is harmless: a failed compaction is retried. May throw: the compaction fails
   * with that error and nothing is changed.
   */
  filter(key: Uint8Array, value: Uint8Array, info: CompactionFilterInfo): CompactionFilterDecision;
}

/** Checks that `f` looks like a CompactionFilter; throws LSM_INVALID_ARGUMENT naming `what`. */
export function checkCompactionFilter(f: unknown, what: string): CompactionFilter {
  const o = f as Partial<CompactionFilter> | null;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`${what} must be an object with name and filter()`);
  if (typeof o.name !== 'string' || o.name.length === 0) throw new InvalidArgumentError(`${what}.name must be a non-empty string`);
  if (typeof o.filter !== 'function') throw new InvalidArgumentError(`${what}.filter must be a function`);
  return o as CompactionFilter;
}

/** Validates a filter's answer; throws LSM_INVALID_ARGUMENT naming the filter otherwise. */
export function checkDecision(d: unknown, filterName: string): CompactionFilterDecision {
  if (d === 'keep' || d === 'remove') return d;
  if (typeof d === 'object' && d !== null && (d as { change?: unknown }).change instanceof Uint8Array) return d as { change: Uint8Array };
  throw new InvalidArgumentError(`compaction filter ${filterName} returned ${describe(d)}; expected 'keep', 'remove' or { change: Uint8Array }`);
}

function describe(d: unknown): string {
  if (typeof d === 'string') return JSON.stringify(d);
  if (typeof d === 'object' && d !== null) return 'an object without a Uint8Array `change`';
  return String(d);
}

/** Bytes of the expiry prefix of a TTL value. */
export const TTL_PREFIX_BYTES = 8;

/**
 * A value that expires: 8 bytes of big-endian expiry time (ms since the epoch, a safe
 * integer >= 0), then the payload. The format ttlFilter understands.
 */
export function encodeTtlValue(expiresAtMs: number, payload: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs < 0) {
    throw new InvalidArgumentError(`expiresAtMs must be a safe integer >= 0, got ${shownValue(expiresAtMs)}`);
  }
  const out = new Uint8Array(TTL_PREFIX_BYTES + payload.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(expiresAtMs), false);
  out.set(payload, TTL_PREFIX_BYTES);
  return out;
}

/** Splits a TTL value into expiry and payload (a view). Throws LSM_INVALID_ARGUMENT for a value shorter than the prefix. */
export function decodeTtlValue(value: Uint8Array): { expiresAtMs: number; payload: Uint8Array } {
  if (value.length < TTL_PREFIX_BYTES) {
    throw new InvalidArgumentError(`a TTL value starts with an ${TTL_PREFIX_BYTES}-byte expiry time, got ${value.length} bytes`);
  }
  const t = new DataView(value.buffer, value.byteOffset, TTL_PREFIX_BYTES).getBigUint64(0, false);
  return { expiresAtMs: Number(t), payload: value.subarray(TTL_PREFIX_BYTES) };
}

/**
 * A compaction filter that removes values whose expiry time (see encodeTtlValue) is at or
 * before `now()`. Values shorter than the prefix are kept (they are not TTL values). Reads
 * still return an expired value until a compaction meets it, so readers check the expiry
 * too (decodeTtlValue); the filter only reclaims the space.
 */
export function ttlFilter(options: { now?: () => number } = {}): CompactionFilter {
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidArgumentError('ttlFilter: now must be a function');
  return Object.freeze({
    name: 'lsm.ttl.u64be-prefix',
    filter(_key: Uint8Array, value: Uint8Array): CompactionFilterDecision {
      if (value.length < TTL_PREFIX_BYTES) return 'keep';
      return decodeTtlValue(value).expiresAtMs <= now() ? 'remove' : 'keep';
    },
  });
}
