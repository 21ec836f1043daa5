// The three abstract-level iterator kinds (entries, keys, values) over a SnapshotCursor.
// Reads are synchronous engine calls; the async methods only wrap them. abstract-level
// enforces `limit` for next() and nextv(); _all() stops at the limit itself, as the
// abstract-level contract asks.

import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from 'abstract-level';
import type { SnapshotCursor } from './snapshot-cursor.js';
import { type Encoded, toBytes, toFormat } from './output-format.js';

/** What the private iterator constructors receive (abstract-level's normalized options). */
export interface PrivateIteratorOptions {
  keyEncoding: string;
  valueEncoding: string;
  keys?: boolean;
  values?: boolean;
  limit: number;
  reverse: boolean;
  [key: string]: unknown;
}

// abstract-level's types describe the public options; the private constructors must get
// the exact object abstract-level passed to _iterator() (it carries symbols it reads back).
type PublicOptions = never;

/** Calls `read` until it returns undefined or `size` items are collected. */
function readMany<T>(size: number, read: () => T | undefined): T[] {
  const out: T[] = [];
  while (out.length < size) {
    const x = read();
    if (x === undefined) break;
    out.push(x);
  }
  return out;
}

/** Entries (`[key, value]`) in the requested formats. */
export class LsmEntryIterator extends AbstractIterator<unknown, Encoded | undefined, Encoded | undefined> {
  private readonly keyFormat: string;
  private readonly valueFormat: string;
  private readonly wantKeys: boolean;
  private readonly wantValues: boolean;

  constructor(
    db: unknown,
    options: PrivateIteratorOptions,
    private readonly cursor: SnapshotCursor,
  ) {
    super(db, options as PublicOptions);
    this.keyFormat = options.keyEncoding;
    this.valueFormat = options.valueEncoding;
    this.wantKeys = options.keys !== false;
    this.wantValues = options.values !== false;
  }

  private read(): [Encoded | undefined, Encoded | undefined] | undefined {
    const e = this.cursor.next();
    if (e === undefined) return undefined;
    return [this.wantKeys ? toFormat(e[0], this.keyFormat) : undefined, this.wantValues ? toFormat(e[1], this.valueFormat) : undefined];
  }

  async _next(): Promise<[Encoded | undefined, Encoded | undefined] | undefined> {
    return this.read();
  }

  async _nextv(size: number): Promise<[Encoded | undefined, Encoded | undefined][]> {
    return readMany(size, () => this.read());
  }

  async _all(): Promise<[Encoded | undefined, Encoded | undefined][]> {
    return readMany(this.limit - this.count, () => this.read());
  }

  _seek(target: Encoded): void {
    this.cursor.seek(toBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

/** Keys only, in the requested format. */
export class LsmKeyIterator extends AbstractKeyIterator<unknown, Encoded> {
  private readonly keyFormat: string;

  constructor(
    db: unknown,
    options: PrivateIteratorOptions,
    private readonly cursor: SnapshotCursor,
  ) {
    super(db, options as PublicOptions);
    this.keyFormat = options.keyEncoding;
  }

  private read(): Encoded | undefined {
    const e = this.cursor.next();
    return e === undefined ? undefined : toFormat(e[0], this.keyFormat);
  }

  async _next(): Promise<Encoded | undefined> {
    return this.read();
  }

  async _nextv(size: number): Promise<Encoded[]> {
    return readMany(size, () => this.read());
  }

  async _all(): Promise<Encoded[]> {
    return readMany(this.limit - this.count, () => this.read());
  }

  _seek(target: Encoded): void {
    this.cursor.seek(toBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

/** Values only, in the requested format. */
export class LsmValueIterator extends AbstractValueIterator<unknown, Encoded, Encoded> {
  private readonly valueFormat: string;

  constructor(
    db: unknown,
    options: PrivateIteratorOptions,
    private readonly cursor: SnapshotCursor,
  ) {
    super(db, options as PublicOptions);
    this.valueFormat = options.valueEncoding;
  }

  private read(): Encoded | undefined {
    const e = this.cursor.next();
    return e === undefined ? undefined : toFormat(e[1], this.valueFormat);
  }

  async _next(): Promise<Encoded | undefined> {
    return this.read();
  }

  async _nextv(size: number): Promise<Encoded[]> {
    return readMany(size, () => this.read());
  }

  async _all(): Promise<Encoded[]> {
    return readMany(this.limit - this.count, () => this.read());
  }

  _seek(target: Encoded): void {
    this.cursor.seek(toBytes(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}
