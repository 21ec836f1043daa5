// What the two zstd backends share: their identity (name, zstd version, level range as the
// library reports it) and one dictionary decompression context per frame format, made on
// first use and reused by every dictionary of that backend.

import type { ZstdBackendName } from './zstd-backend.js';

/** Base of NativeZstd and WasmZstd; `D` is the backend's decompression context handle. */
export abstract class BackendBase<D> {
  private readonly dictionaryContexts = new Map<boolean, D>();

  constructor(
    readonly name: ZstdBackendName,
    /** ZSTD_versionNumber(): 10507 for 1.5.7. */
    readonly versionNumber: number,
    /** ZSTD_minCLevel() / ZSTD_maxCLevel() as the library reports them. */
    readonly minLevel: number,
    readonly maxLevel: number,
  ) {}

  /** The decompression context for dictionary frames in this format (magicless or not). */
  protected dictionaryContext(magicless: boolean): D {
    let d = this.dictionaryContexts.get(magicless);
    if (d === undefined) {
      d = this.newDictionaryContext(magicless);
      this.dictionaryContexts.set(magicless, d);
    }
    return d;
  }

  /** A new decompression context set to the format. */
  protected abstract newDictionaryContext(magicless: boolean): D;
}
