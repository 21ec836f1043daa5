// Checksums for every stored byte: XXH32 per block and footer, XXH64 over the whole file
// (recorded in the properties block). The hashes run on xxhash-wasm's WebAssembly module,
// instantiated synchronously on first use (xxhash.ts): every function here is synchronous,
// and importing or requiring @lsm/base waits for nothing.

import { xxhashWasm } from './xxhash.js';

/** XXH32 of `data` with `seed` (default 0). */
export function xxh32(data: Uint8Array, seed = 0): number {
  return xxhashWasm().h32(data, seed >>> 0);
}

/** XXH64 of `data` with seed 0, as a bigint. */
export function xxh64(data: Uint8Array): bigint {
  return xxhashWasm().h64(data);
}

const BLOCK_SEED_SALT = 0x5ea1ab1e;

/**
 * The seed a block's checksum uses: derived from the block's file offset, so a block
 * that is intact but found at the wrong place (a damaged handle that happens to point
 * at another block) still fails its check.
 */
export function blockChecksumSeed(offset: number): number {
  return ((offset >>> 0) ^ Math.floor(offset / 0x100000000) ^ BLOCK_SEED_SALT) >>> 0;
}

/** Checksum of a block's payload plus the first 4 trailer bytes (contiguous on disk). */
export function blockChecksum(payloadAndTrailerHead: Uint8Array, offset: number): number {
  return xxhashWasm().h32(payloadAndTrailerHead, blockChecksumSeed(offset));
}

/** Incremental XXH64 (seed 0) over a stream of writes: the whole-file checksum. */
export class FileHasher {
  private readonly state = xxhashWasm().init64();
  private length = 0;

  update(data: Uint8Array): void {
    if (data.length === 0) return;
    xxhashWasm().update64(this.state, data);
    this.length += data.length;
  }

  /** Bytes hashed so far. */
  get bytesHashed(): number {
    return this.length;
  }

  /** The digest as 16 lowercase hex digits. */
  digestHex(): string {
    return xxhashWasm().digest64(this.state).toString(16).padStart(16, '0');
  }
}

/** XXH64 of `data` as 16 lowercase hex digits (matches FileHasher.digestHex()). */
export function xxh64Hex(data: Uint8Array): string {
  return xxhashWasm().h64(data).toString(16).padStart(16, '0');
}
