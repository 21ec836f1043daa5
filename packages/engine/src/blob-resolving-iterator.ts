// An InternalIterator that shows Indirection entries as the plain values they point at,
// so everything above it (the user iterator, snapshots, merges) sees values only. The
// blob is read lazily, the first time value() is called at a position, and kept until
// the iterator moves: an entry whose value is never asked for costs no blob read.

import { type InternalIterator, ValueType } from '@lsm/sstable';
import type { BlobStore } from './blob-store.js';

/** Resolves blob pointers of the iterator it wraps. */
export class BlobResolvingIterator implements InternalIterator {
  private resolved: Uint8Array | undefined;

  constructor(
    private readonly it: InternalIterator,
    private readonly blobs: Pick<BlobStore, 'read'>,
  ) {}

  valid(): boolean {
    return this.it.valid();
  }
  seekToFirst(): void {
    this.resolved = undefined;
    this.it.seekToFirst();
  }
  seekToLast(): void {
    this.resolved = undefined;
    this.it.seekToLast();
  }
  seek(userKey: Uint8Array, seqno?: number): void {
    this.resolved = undefined;
    this.it.seek(userKey, seqno);
  }
  seekForPrev(userKey: Uint8Array, seqno?: number): void {
    this.resolved = undefined;
    this.it.seekForPrev(userKey, seqno);
  }
  next(): void {
    this.resolved = undefined;
    this.it.next();
  }
  prev(): void {
    this.resolved = undefined;
    this.it.prev();
  }
  userKey(): Uint8Array {
    return this.it.userKey();
  }
  seqno(): number {
    return this.it.seqno();
  }
  type(): ValueType {
    const t = this.it.type();
    return t === ValueType.Indirection ? ValueType.Value : t;
  }
  value(): Uint8Array {
    if (this.it.type() !== ValueType.Indirection) return this.it.value();
    this.resolved ??= this.blobs.read(this.it.value(), this.it.userKey(), 'an iterated table');
    return this.resolved;
  }
  close(): void {
    this.it.close();
  }
}
