// HoldBack: the table entries a BlobJob holds back while it samples the first values of a
// new blob file to train that file's zstd dictionary. A blob file stores its dictionary
// before its first record, and a value's pointer (offset and size) is only known once the
// value is written compressed with it; so from the first value of a new blob file until
// the sample is complete, every entry the job's table writers receive -- pointers to be
// and plain entries alike -- waits here, in arrival order, and is replayed into the
// tables afterwards (tables must receive entries in key order). Keys and values are
// copied: compaction reuses its buffers. Memory is bounded: the job releases the hold
// once the sampled values reach sampleBytes, or the other held entries reach as much
// (or MAX_HELD_ENTRIES entries), whichever comes first.

import { type ValueType, copyOf } from '@lsm/base';

/** Entries held at most, whatever their size (per-entry overhead bounds memory too). */
export const MAX_HELD_ENTRIES = 100_000;
/** Bytes a held pointer entry is counted as in its table's size estimate (key aside). */
const POINTER_ESTIMATE = 16;

/** One held entry of table writer `W`: a value waiting for its blob pointer, or a plain entry. */
export interface HeldEntry<W> {
  readonly writer: W;
  readonly key: Uint8Array;
  readonly seqno: number;
  /** For a plain entry: its type. For a value to separate: undefined. */
  readonly type: ValueType | undefined;
  readonly value: Uint8Array;
}

/** The entries held while one blob file's dictionary sample is gathered. */
export class HoldBack<W> {
  readonly entries: HeldEntry<W>[] = [];
  /** Bytes of the values to separate (the training sample). */
  sampleBytes = 0;
  /** Bytes of every other held entry. */
  otherBytes = 0;
  private readonly perWriter = new Map<W, number>();

  constructor(private readonly limit: number) {}

  /** Holds a value that goes to the blob file (its pointer entry follows once written). */
  holdValue(writer: W, key: Uint8Array, seqno: number, value: Uint8Array): void {
    this.entries.push({ writer, key: copyOf(key), seqno, type: undefined, value: copyOf(value) });
    this.sampleBytes += value.length;
    this.count(writer, key.length + POINTER_ESTIMATE);
  }

  /** Holds a plain entry (it must not overtake the pointers held before it). */
  holdEntry(writer: W, key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): void {
    this.entries.push({ writer, key: copyOf(key), seqno, type, value: copyOf(value) });
    this.otherBytes += key.length + value.length;
    this.count(writer, key.length + value.length + 8);
  }

  /** Whether the hold should be released now. */
  get full(): boolean {
    return this.sampleBytes >= this.limit || this.otherBytes >= this.limit || this.entries.length >= MAX_HELD_ENTRIES;
  }

  /** The values held for the blob file, in order: the training sample. */
  samples(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const e of this.entries) if (e.type === undefined) out.push(e.value);
    return out;
  }

  /** Bytes held for `writer`'s table, as it will roughly grow by them (for its size estimate). */
  heldFor(writer: W): number {
    return this.perWriter.get(writer) ?? 0;
  }

  /** Forgets the entries of an abandoned table writer. */
  drop(writer: W): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.writer !== writer) continue;
      if (e.type === undefined) this.sampleBytes -= e.value.length;
      else this.otherBytes -= e.key.length + e.value.length;
      this.entries.splice(i, 1);
    }
    this.perWriter.delete(writer);
  }

  private count(writer: W, n: number): void {
    this.perWriter.set(writer, (this.perWriter.get(writer) ?? 0) + n);
  }
}
