// The fuzzing harness the @lsm packages' fuzz tests share. `Fuzzed.decode` runs a decoder
// on one input and enforces the decoder contract: it returns (the caller then checks the
// result is right) or throws an error whose stable code is LSM_CORRUPTION (naming the
// file in its `file` field and message, when a file name is given); LSM_NOT_SUPPORTED
// only where a decoder documents it (a
// well-formed, checksum-valid structure using a newer feature). Anything else -- another
// error, a call slower than a hang limit, or a burst of ArrayBuffer memory out of
// proportion with the input -- fails the test, naming the input. Each decoder's counters
// are printed as one summary line at the end (the counts recorded in tools/stress/README.md).
// Errors are recognised by their stable `code` (ARCHITECTURE.md's error contract), so the
// harness depends on no @lsm package.
// FUZZ_RUNS=<n> raises every property's run count to at least n, for long runs;
// FUZZ_HANG_MS=<ms> raises the hang limit.

import fc from 'fast-check';

/** The error contract's stable code of an error, if it has one. */
function codeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Runs for a property: its default, or FUZZ_RUNS when larger. */
export function runs(defaultRuns: number): number {
  const env = Number(process.env['FUZZ_RUNS'] ?? '');
  return Number.isInteger(env) && env > defaultRuns ? env : defaultRuns;
}

/**
 * fast-check parameters: fixed seed (FUZZ_SEED overrides) so CI runs replay; FUZZ_PATH (the
 * `path` a failure prints) replays one failing input directly.
 */
export function params(defaultRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env['FUZZ_SEED'] ?? '20261124');
  const path = process.env['FUZZ_PATH'];
  return { numRuns: runs(defaultRuns), seed, endOnFailure: true, ...(path === undefined || path === '' ? {} : { path, numRuns: 1 }) };
}

/**
 * Per-test timeout of the fuzz tests (they run many inputs; vitest's default is 5 s): five
 * minutes in CI, a day when FUZZ_RUNS asks for a long run (a million inputs of a slow
 * decoder take tens of minutes).
 */
export const FUZZ_TIMEOUT = process.env['FUZZ_RUNS'] !== undefined ? 86_400_000 : 300_000;

/**
 * A call slower than this is treated as a hang: 2 s, or FUZZ_HANG_MS (a long run on a
 * machine shared with other work, or paused with SIGSTOP, raises it so that a wait for
 * the CPU is not reported as a hang; a real hang, an endless loop, still trips it).
 */
export function hangLimitMs(): number {
  const env = Number(process.env['FUZZ_HANG_MS'] ?? '');
  return Number.isInteger(env) && env > 0 ? env : 2000;
}
const HANG_MS = hangLimitMs();
/** ArrayBuffer growth allowed per call beyond 64x the input size. */
const ALLOC_SLACK = 8 << 20;

/** Counters of one decoder under fuzzing. */
export class Fuzzed {
  inputs = 0;
  accepted = 0;
  corrupt = 0;
  notSupported = 0;
  maxMs = 0;
  maxAlloc = 0;

  constructor(readonly name: string) {}

  /**
   * Decodes one input (`size` bytes). Returns the value, or undefined when the decoder
   * threw LSM_CORRUPTION (or, with `notSupported`, LSM_NOT_SUPPORTED). Throws (failing
   * the property) on any other outcome. With `file`, a CorruptionError must name it.
   * With `damaged`, the input is known to be damaged in a way the decoder's contract says
   * it detects: only LSM_CORRUPTION passes, and a value fails the property.
   */
  decode<T>(size: number, fn: () => T, opts: { notSupported?: boolean; file?: string; damaged?: boolean } = {}): T | undefined {
    this.inputs++;
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    let value: T | undefined;
    let failure: unknown;
    let accepted = false;
    try {
      value = fn();
      accepted = true;
      this.accepted++;
    } catch (err) {
      const code = codeOf(err);
      if (err instanceof Error && code === 'LSM_CORRUPTION') {
        this.corrupt++;
        if (opts.file !== undefined && !((err as { file?: unknown }).file === opts.file && err.message.includes(opts.file))) {
          failure = new Error(`LSM_CORRUPTION that does not name ${opts.file}: ${err.message}`);
        }
      } else if (opts.notSupported === true && err instanceof Error && code === 'LSM_NOT_SUPPORTED') this.notSupported++;
      else failure = err;
    }
    const ms = performance.now() - t0;
    const grew = process.memoryUsage().arrayBuffers - before;
    this.maxMs = Math.max(this.maxMs, ms);
    this.maxAlloc = Math.max(this.maxAlloc, grew);
    if (opts.damaged === true && accepted) {
      throw new Error(`${this.name}: accepted an input whose damage it must detect (expected LSM_CORRUPTION)`);
    }
    if (failure !== undefined) {
      throw new Error(`${this.name}: threw ${failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure)} (expected a value or LSM_CORRUPTION)\n${failure instanceof Error ? failure.stack : ''}`, { cause: failure });
    }
    if (ms > HANG_MS) throw new Error(`${this.name}: one call took ${ms.toFixed(0)} ms on ${size} bytes (a hang?)`);
    if (grew > 64 * size + ALLOC_SLACK) throw new Error(`${this.name}: ${grew} bytes of ArrayBuffers allocated for a ${size}-byte input`);
    return value;
  }

  /** The summary line. */
  summary(): string {
    const ns = this.notSupported > 0 ? `, ${this.notSupported} LSM_NOT_SUPPORTED` : '';
    return `fuzz ${this.name}: ${this.inputs} inputs (${this.accepted} accepted and checked, ${this.corrupt} LSM_CORRUPTION${ns}), slowest ${this.maxMs.toFixed(1)} ms, max ArrayBuffer growth ${this.maxAlloc} B`;
  }
}

/** How a valid encoding is damaged: bit flips, byte overwrites, truncation, extension, splices. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'zero'; at: number; len: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

/**
 * A uniform fraction of [0, 1). Not fc.double: it draws uniformly over the bit patterns of
 * the doubles, so over nine in ten of its draws in [0, 1) are below 1e-6 (a position at
 * byte 0 of any input). And without fast-check's bias, which sends a share of integer
 * draws to the ends of their range (another 11% at byte 0).
 */
export const fraction = fc.noBias(fc.integer({ min: 0, max: 0xffff_ffff })).map((n) => n / 2 ** 32);

/** Where a mutation lands, as a fraction of the input's length: anywhere, 7 times in 8; else the first or the last byte. */
export const position = fc.oneof({ weight: 7, arbitrary: fraction }, { weight: 1, arbitrary: fc.constantFrom(0, 1 - 2 ** -32) });

/** One to four mutations; positions are fractions of the length, so they fit any input. */
export const mutations = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('zero' as const), at: position, len: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('splice' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Applies `ms` to a copy of `input`. */
export function mutate(input: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of ms) {
    const at = 'at' in m ? Math.floor(m.at * b.length) : 0;
    if (m.kind === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
    else if (m.kind === 'set' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'extend') {
      const n = new Uint8Array(b.length + m.bytes.length);
      n.set(b);
      n.set(m.bytes, b.length);
      b = n;
    } else if (m.kind === 'zero') b.fill(0, at, at + m.len);
    else if (m.kind === 'splice') {
      const n = new Uint8Array(b.length + m.bytes.length);
      n.set(b.subarray(0, at));
      n.set(m.bytes, at);
      n.set(b.subarray(at), at + m.bytes.length);
      b = n;
    }
  }
  return b;
}

/** True when two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
