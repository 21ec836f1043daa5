// Comparing what the store returned with what the oracle expects, and describing the first
// difference precisely enough to debug from the failure message alone.

import { StressFailure } from './failure.js';
import { sameValue } from './oracle.js';

/** A key as the oracle spells it (the stress tool's keys are ASCII). */
export function keyText(k: Uint8Array): string {
  return Buffer.from(k.buffer, k.byteOffset, k.length).toString('latin1');
}

/** "absent", or "<len> bytes 0a1b2c..." for messages. */
export function showValue(v: Uint8Array | undefined): string {
  if (v === undefined) return 'absent';
  const hex = Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
  return `${v.length} bytes ${hex.length > 24 ? `${hex.slice(0, 24)}...` : hex}`;
}

/** Throws (a wrong-value failure) unless a point read returned the expected value. */
export function expectValue(got: Uint8Array | undefined, want: Uint8Array | undefined, what: string): void {
  if (!sameValue(got, want)) throw new StressFailure(`${what}: got ${showValue(got)}, expected ${showValue(want)}`, 0, true);
}

/**
 * Checks one step of a scan: the i-th pair returned must be the i-th expected pair. Used
 * incrementally so that a scan that throws half-way has still been checked up to there.
 */
export function expectPair(got: [Uint8Array, Uint8Array], want: [string, Uint8Array] | undefined, i: number, what: string): void {
  const k = keyText(got[0]);
  if (want === undefined) throw new StressFailure(`${what}: item ${i} is ${k}=${showValue(got[1])}, expected the end`, 0, true);
  if (k !== want[0] || !sameValue(got[1], want[1])) {
    throw new StressFailure(`${what}: item ${i} is ${k}=${showValue(got[1])}, expected ${want[0]}=${showValue(want[1])}`, 0, true);
  }
}

/** Throws unless a finished scan returned exactly `want.length` items. */
export function expectEnd(count: number, want: readonly [string, Uint8Array][], what: string): void {
  if (count !== want.length) {
    const next = want[count];
    throw new StressFailure(`${what}: ended after ${count} items, expected ${want.length} (next expected: ${next?.[0]}=${showValue(next?.[1])})`, 0, true);
  }
}

/** Consumes `it` (closing it whatever happens), checking every pair against `want`. Returns the count. */
export function checkScan(it: IterableIterator<[Uint8Array, Uint8Array]> & { close?: () => void }, want: readonly [string, Uint8Array][], what: string): number {
  let i = 0;
  try {
    for (;;) {
      const r = it.next();
      if (r.done === true) break;
      expectPair(r.value, want[i], i, what);
      i++;
    }
  } finally {
    if (typeof it.close === 'function') it.close();
    else it.return?.();
  }
  expectEnd(i, want, what);
  return i;
}
