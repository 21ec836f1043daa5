// The fallback: zstd 1.5.7 compiled to WebAssembly (wasm/build.sh), the same zstd as the
// native binding, so the bytes written and the dictionaries accepted are the same. The
// module is compiled and instantiated synchronously on first use (Node compiles
// WebAssembly synchronously off the browser main thread), so the synchronous API stays
// synchronous. Inputs are copied into the module's memory, outputs copied out; zstd
// contexts and dictionaries live in that memory and are freed when their JS owner is
// garbage-collected.

import { NotSupportedError } from '@lsm/base';
import { ZSTD_WASM_BASE64 } from './wasm/zstd-wasm-binary.js';
import { BackendBase } from './backend-base.js';
import { ZstdParam, type ZstdBackend, type ZstdDictionaryCompressor, type ZstdDictionaryDecompressor, type ZstdFrameFormat } from './zstd-backend.js';

/** The part of the WebAssembly global used here (the ES2022 lib declares none of it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The functions wasm/build.sh exports. Pointers and size_t are 32-bit. */
interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  malloc(n: number): number;
  free(p: number): void;
  ZSTD_versionNumber(): number;
  ZSTD_isError(code: number): number;
  ZSTD_getErrorName(code: number): number;
  ZSTD_minCLevel(): number;
  ZSTD_maxCLevel(): number;
  ZSTD_createCCtx(): number;
  ZSTD_freeCCtx(cctx: number): number;
  ZSTD_compressCCtx(cctx: number, dst: number, cap: number, src: number, n: number, level: number): number;
  ZSTD_CCtx_setParameter(cctx: number, param: number, value: number): number;
  ZSTD_CCtx_loadDictionary(cctx: number, dict: number, n: number): number;
  ZSTD_compress2(cctx: number, dst: number, cap: number, src: number, n: number): number;
  ZSTD_createDCtx(): number;
  ZSTD_decompressDCtx(dctx: number, dst: number, cap: number, src: number, n: number): number;
  ZSTD_DCtx_setParameter(dctx: number, param: number, value: number): number;
  ZSTD_createDDict(dict: number, n: number): number;
  ZSTD_freeDDict(ddict: number): number;
  ZSTD_getDictID_fromDDict(ddict: number): number;
  ZSTD_decompress_usingDDict(dctx: number, dst: number, cap: number, src: number, n: number, ddict: number): number;
}

/** Scratch areas above this size are given back after the call that needed them. */
const KEEP_SCRATCH = 16 << 20;

let loaded: WasmZstd | undefined;

/** The WebAssembly backend, compiled and instantiated (synchronously) the first time. */
export function loadWasmZstd(): ZstdBackend {
  loaded ??= new WasmZstd();
  return loaded;
}

class WasmZstd extends BackendBase<number> implements ZstdBackend {
  private readonly x: Exports;
  private heap: Uint8Array;
  private readonly scratch = { in: { ptr: 0, cap: 0 }, out: { ptr: 0, cap: 0 } };
  private cctx = 0;
  private dctx = 0;
  private readonly finalizer = new FinalizationRegistry<() => void>((release) => release());

  constructor() {
    const module = new Wasm.Module(Buffer.from(ZSTD_WASM_BASE64, 'base64'));
    const x = new Wasm.Instance(module, {}).exports as Exports;
    x._initialize();
    super('wasm', x.ZSTD_versionNumber(), x.ZSTD_minCLevel(), x.ZSTD_maxCLevel());
    this.x = x;
    this.heap = new Uint8Array(x.memory.buffer);
  }

  compress(dst: Uint8Array, src: Uint8Array, level: number): number {
    if (this.cctx === 0) this.cctx = this.must(this.x.ZSTD_createCCtx(), 'a compression context');
    const cctx = this.cctx;
    return this.run(dst, src, (d, cap, s, n) => this.x.ZSTD_compressCCtx(cctx, d, cap, s, n, level));
  }

  decompress(dst: Uint8Array, src: Uint8Array): number {
    if (this.dctx === 0) this.dctx = this.must(this.x.ZSTD_createDCtx(), 'a decompression context');
    const dctx = this.dctx;
    return this.run(dst, src, (d, cap, s, n) => this.x.ZSTD_decompressDCtx(dctx, d, cap, s, n));
  }

  dictionaryCompressor(dict: Uint8Array, level: number, format: ZstdFrameFormat): ZstdDictionaryCompressor {
    const x = this.x;
    const cctx = this.must(x.ZSTD_createCCtx(), 'a compression context');
    try {
      this.check(x.ZSTD_CCtx_setParameter(cctx, ZstdParam.compressionLevel, level));
      this.check(x.ZSTD_CCtx_setParameter(cctx, ZstdParam.contentSizeFlag, format.contentSize ? 1 : 0));
      this.check(x.ZSTD_CCtx_setParameter(cctx, ZstdParam.checksumFlag, format.checksum ? 1 : 0));
      this.check(x.ZSTD_CCtx_setParameter(cctx, ZstdParam.dictIdFlag, format.dictionaryId ? 1 : 0));
      if (format.magicless) this.check(x.ZSTD_CCtx_setParameter(cctx, ZstdParam.cFormat, ZstdParam.magicless));
      this.withCopy(dict, (p, n) => this.check(x.ZSTD_CCtx_loadDictionary(cctx, p, n))); // zstd copies it
    } catch (err) {
      x.ZSTD_freeCCtx(cctx);
      throw err;
    }
    const owner: ZstdDictionaryCompressor = {
      compress: (dst, src) => this.run(dst, src, (d, cap, s, n) => x.ZSTD_compress2(cctx, d, cap, s, n)),
    };
    this.finalizer.register(owner, () => x.ZSTD_freeCCtx(cctx));
    return owner;
  }

  dictionaryDecompressor(dict: Uint8Array, format: { readonly magicless: boolean }): ZstdDictionaryDecompressor {
    const x = this.x;
    const ddict = this.withCopy(dict, (p, n) => x.ZSTD_createDDict(p, n)); // zstd copies it
    if (ddict === 0) throw new Error('zstd refused the dictionary (ZSTD_createDDict failed)');
    const dctx = this.dictionaryContext(format.magicless);
    const owner: ZstdDictionaryDecompressor = {
      dictionaryId: x.ZSTD_getDictID_fromDDict(ddict) >>> 0,
      decompress: (dst, frame) => this.run(dst, frame, (d, cap, s, n) => x.ZSTD_decompress_usingDDict(dctx, d, cap, s, n, ddict)),
    };
    this.finalizer.register(owner, () => x.ZSTD_freeDDict(ddict));
    return owner;
  }

  protected newDictionaryContext(magicless: boolean): number {
    const d = this.must(this.x.ZSTD_createDCtx(), 'a decompression context');
    if (magicless) this.check(this.x.ZSTD_DCtx_setParameter(d, ZstdParam.dFormat, ZstdParam.magicless));
    return d;
  }

  /**
   * Copies `src` in, calls `op(dstPtr, dstCap, srcPtr, srcLen)` with an output area of
   * `dst.length` bytes, copies the result out; returns its size (zstd's errors throw).
   */
  private run(dst: Uint8Array, src: Uint8Array, op: (d: number, cap: number, s: number, n: number) => number): number {
    const s = this.area('in', src.length);
    const d = this.area('out', dst.length);
    this.view().set(src, s);
    const n = this.check(op(d, dst.length, s, src.length));
    dst.set(this.view().subarray(d, d + n));
    this.shrink();
    return n;
  }

  /** Calls `op` with a temporary copy of `bytes` in the module's memory. */
  private withCopy<T>(bytes: Uint8Array, op: (p: number, n: number) => T): T {
    const p = this.must(this.x.malloc(Math.max(1, bytes.length)), `${bytes.length} bytes`);
    try {
      this.view().set(bytes, p);
      return op(p, bytes.length);
    } finally {
      this.x.free(p);
    }
  }

  private area(which: 'in' | 'out', size: number): number {
    const a = this.scratch[which];
    if (a.cap < size) {
      if (a.ptr !== 0) this.x.free(a.ptr);
      a.ptr = 0;
      a.cap = 0;
      const cap = Math.max(size, 64 << 10);
      a.ptr = this.must(this.x.malloc(cap), `${cap} bytes`);
      a.cap = cap;
    }
    return a.ptr;
  }

  private shrink(): void {
    for (const a of [this.scratch.in, this.scratch.out]) {
      if (a.cap > KEEP_SCRATCH) {
        this.x.free(a.ptr);
        a.ptr = 0;
        a.cap = 0;
      }
    }
  }

  /** The module's memory (a new view after zstd or malloc grew it). */
  private view(): Uint8Array {
    if (this.heap.buffer !== this.x.memory.buffer) this.heap = new Uint8Array(this.x.memory.buffer);
    return this.heap;
  }

  /** Returns a size_t result, throwing zstd's error name when it is an error code. */
  private check(code: number): number {
    if (this.x.ZSTD_isError(code) !== 0) {
      const p = this.x.ZSTD_getErrorName(code);
      const heap = this.view();
      let end = p;
      while (heap[end] !== 0) end++;
      throw new Error(Buffer.from(heap.subarray(p, end)).toString('latin1'));
    }
    return code >>> 0;
  }

  /** A pointer malloc or zstd returned; 0 (out of the module's memory, at most 4 GiB) is LSM_NOT_SUPPORTED. */
  private must(ptr: number, what: string): number {
    if (ptr === 0) throw new NotSupportedError(`zstd in WebAssembly could not allocate ${what} (its memory holds at most 4 GiB; zstd-napi's native binding has no such limit)`);
    return ptr;
  }
}
