// The fast path: zstd-napi's native binding, loaded on first use with require inside
// a try (never at module load), so that a missing or unloadable binding (pnpm 10 without
// approved builds, --ignore-scripts, no C++ toolchain, Bun) is an answer, not a crash.
// Adapts the binding to ZstdBackend with one reused context per kind of call.

import type * as Napi from 'zstd-napi/binding.js';
import { BackendBase } from './backend-base.js';
import { packageRequire } from './package-require.js';
import { ZstdParam, type ZstdBackend, type ZstdDictionaryCompressor, type ZstdDictionaryDecompressor, type ZstdFrameFormat } from './zstd-backend.js';

type Binding = typeof Napi;

let loaded: ZstdBackend | undefined;
let failure: Error | undefined;

/**
 * The native backend, loading zstd-napi's binding the first time. Throws (the loader's
 * error, the same one every later call) when the package or its built binding is missing.
 */
export function loadNativeZstd(): ZstdBackend {
  if (loaded !== undefined) return loaded;
  if (failure !== undefined) throw failure;
  try {
    const binding = packageRequire('zstd-napi/binding.js') as Binding;
    loaded = new NativeZstd(binding);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw failure;
  }
  return loaded;
}

class NativeZstd extends BackendBase<InstanceType<Binding['DCtx']>> implements ZstdBackend {
  private cctx: InstanceType<Binding['CCtx']> | undefined;
  private dctx: InstanceType<Binding['DCtx']> | undefined;

  constructor(private readonly z: Binding) {
    super('native', z.versionNumber(), z.minCLevel(), z.maxCLevel());
  }

  compress(dst: Uint8Array, src: Uint8Array, level: number): number {
    this.cctx ??= new this.z.CCtx();
    return this.cctx.compress(dst, src, level);
  }

  decompress(dst: Uint8Array, src: Uint8Array): number {
    this.dctx ??= new this.z.DCtx();
    return this.dctx.decompress(dst, src);
  }

  dictionaryCompressor(dict: Uint8Array, level: number, format: ZstdFrameFormat): ZstdDictionaryCompressor {
    const c = new this.z.CCtx();
    c.setParameter(ZstdParam.compressionLevel as Napi.CParameter, level);
    c.setParameter(ZstdParam.contentSizeFlag as Napi.CParameter, format.contentSize ? 1 : 0);
    c.setParameter(ZstdParam.checksumFlag as Napi.CParameter, format.checksum ? 1 : 0);
    c.setParameter(ZstdParam.dictIdFlag as Napi.CParameter, format.dictionaryId ? 1 : 0);
    if (format.magicless) c.setParameter(ZstdParam.cFormat as Napi.CParameter, ZstdParam.magicless);
    c.loadDictionary(dict);
    return { compress: (dst, src) => c.compress2(dst, src) };
  }

  dictionaryDecompressor(dict: Uint8Array, format: { readonly magicless: boolean }): ZstdDictionaryDecompressor {
    const ddict = new this.z.DDict(dict);
    const magicless = format.magicless;
    return {
      dictionaryId: ddict.getDictID(),
      decompress: (dst, frame) => this.dictionaryContext(magicless).decompressUsingDDict(dst, frame, ddict),
    };
  }

  protected newDictionaryContext(magicless: boolean): InstanceType<Binding['DCtx']> {
    const d = new this.z.DCtx();
    if (magicless) d.setParameter(ZstdParam.dFormat as Napi.DParameter, ZstdParam.magicless);
    return d;
  }
}
