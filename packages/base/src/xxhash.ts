// XXH32 and XXH64 on xxhash-wasm's WebAssembly module (embedded by wasm/embed-xxhash.mjs),
// compiled and instantiated synchronously the first time a hash is asked for: nothing
// runs at import, and no top-level await is needed (xxhash-wasm's own factory is async).
// The calls mirror xxhash-wasm's: input copied to the start of the module's memory, the
// streaming XXH64 state (88 bytes) kept here and copied in before each step. Same module,
// same bytes out: every checksum on disk stays as it was.

import { XXHASH_WASM_BASE64 } from './xxhash-wasm-binary.js';

/** The part of the WebAssembly global used here (the ES2022 lib declares none of it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the module exports. Pointers and lengths are 32-bit; 64-bit values are bigints. */
interface Exports {
  readonly mem: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  xxh32(ptr: number, len: number, seed: number): number;
  xxh64(ptr: number, len: number, seed: bigint): bigint;
  init64(state: number, seed: bigint): void;
  update64(state: number, ptr: number, len: number): void;
  digest64(state: number): bigint;
}

/** Bytes of a streaming XXH64 state in the module's memory. */
const STATE64 = 88;
const PAGE = 65536;

/** One instance of the module, with its memory viewed as bytes. */
export class XxHashWasm {
  private readonly x: Exports;
  private heap: Uint8Array;
  /** The export called per block checksum, held here rather than looked up on the frozen exports object per call. */
  private readonly xxh32: Exports['xxh32'];

  constructor() {
    const module = new Wasm.Module(Buffer.from(XXHASH_WASM_BASE64, 'base64'));
    this.x = new Wasm.Instance(module, {}).exports as Exports;
    this.xxh32 = this.x.xxh32;
    this.heap = new Uint8Array(this.x.mem.buffer);
  }

  /**
   * Grows the memory to at least `bytes` (growing detaches the old view). Only this class
   * grows the memory, so `heap` always spans all of it: its length is checked instead of
   * `mem.buffer`, whose getter is a runtime call (1.4% of a cache-missing point read).
   */
  private reserve(bytes: number): void {
    const have = this.heap.byteLength;
    if (have >= bytes) return;
    this.x.mem.grow(Math.ceil((bytes - have) / PAGE));
    this.heap = new Uint8Array(this.x.mem.buffer);
  }

  h32(data: Uint8Array, seed: number): number {
    this.reserve(data.byteLength);
    this.heap.set(data);
    return this.xxh32(0, data.byteLength, seed) >>> 0;
  }

  h64(data: Uint8Array): bigint {
    this.reserve(data.byteLength);
    this.heap.set(data);
    return BigInt.asUintN(64, this.x.xxh64(0, data.byteLength, 0n));
  }

  /** A fresh XXH64 state (seed 0). init64 sets the accumulators only: the rest starts zeroed. */
  init64(): Uint8Array {
    this.reserve(STATE64);
    this.heap.fill(0, 0, STATE64);
    this.x.init64(0, 0n);
    return this.heap.slice(0, STATE64);
  }

  /** Feeds `data` to `state` (updated in place). */
  update64(state: Uint8Array, data: Uint8Array): void {
    this.reserve(STATE64 + data.byteLength);
    this.heap.set(state);
    this.heap.set(data, STATE64);
    this.x.update64(0, STATE64, data.byteLength);
    state.set(this.heap.subarray(0, STATE64));
  }

  digest64(state: Uint8Array): bigint {
    this.heap.set(state);
    return BigInt.asUintN(64, this.x.digest64(0));
  }
}

let instance: XxHashWasm | undefined;

/** The module's instance, created on first use. */
export function xxhashWasm(): XxHashWasm {
  instance ??= new XxHashWasm();
  return instance;
}
