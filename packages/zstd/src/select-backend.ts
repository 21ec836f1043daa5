// Which zstd runs in this thread. Nothing is loaded until the first call that needs zstd;
// then zstd-napi's native binding is tried and, when it is missing or fails to load, the
// WebAssembly build takes over (same zstd, same bytes). LSM_ZSTD=native|wasm|auto in the
// environment (read once, at that first use; worker threads inherit it) or
// setZstdBackend() forces a choice, so tests and benchmarks can run the fallback where
// the native binding is built.

import { InvalidArgumentError, NotSupportedError } from '@lsm/base';
import { loadNativeZstd } from './native-backend.js';
import { loadWasmZstd } from './wasm-backend.js';
import type { ZstdBackend, ZstdBackendName } from './zstd-backend.js';

/** A backend choice: one of the two, or 'auto' (native when it loads, else wasm). */
export type ZstdBackendChoice = ZstdBackendName | 'auto';

/** What to install to get the native fast path (the message of every "native missing" error). */
export const NATIVE_ZSTD_ADVICE =
  "zstd-napi's native binding is not built: install zstd-napi with its install script allowed " +
  '(pnpm: `pnpm approve-builds`, or "onlyBuiltDependencies": ["zstd-napi"]; npm: no --ignore-scripts) and a C++ toolchain where no prebuilt binary exists';

let chosen: ZstdBackendChoice | undefined;
let current: ZstdBackend | undefined;
let nativeFailure: Error | undefined;

/** The zstd backend of this thread, choosing (and loading) it on the first call. */
export function zstd(): ZstdBackend {
  return current ?? choose();
}

/** Which backend this thread uses, loading it if nothing has needed zstd yet. */
export function zstdBackend(): ZstdBackendName {
  return zstd().name;
}

/** Which backend this thread has loaded, or undefined when nothing has needed zstd yet. Loads nothing. */
export function zstdBackendInUse(): ZstdBackendName | undefined {
  return current?.name;
}

/**
 * Why the native binding did not load (its loader's message), when 'auto' fell back to
 * WebAssembly in this thread; undefined otherwise.
 */
export function zstdNativeFailure(): string | undefined {
  return nativeFailure?.message;
}

/**
 * Forces the backend of this thread from now on (contexts and dictionaries made before
 * keep theirs); 'auto' returns to the default choice. 'native' throws
 * LSM_NOT_SUPPORTED when the binding cannot be loaded. For tests and benchmarks;
 * worker threads do not see it (set LSM_ZSTD before they start instead).
 */
export function setZstdBackend(choice: ZstdBackendChoice): void {
  checkChoice(choice, 'setZstdBackend');
  chosen = choice;
  current = undefined;
  if (choice !== 'auto') zstd();
}

function choose(): ZstdBackend {
  chosen ??= fromEnvironment();
  if (chosen === 'wasm') return (current = loadWasm());
  try {
    current = loadNativeZstd();
  } catch (err) {
    if (chosen === 'native') throw new NotSupportedError(`zstd backend 'native' was asked for, but ${NATIVE_ZSTD_ADVICE} (${String((err as Error).message)})`, { cause: err });
    nativeFailure = err as Error;
    current = loadWasm();
  }
  return current;
}

/** The WebAssembly backend; a runtime without WebAssembly gets LSM_NOT_SUPPORTED saying what is missing. */
function loadWasm(): ZstdBackend {
  try {
    return loadWasmZstd();
  } catch (err) {
    const native = nativeFailure === undefined ? '' : `, and ${NATIVE_ZSTD_ADVICE} (${nativeFailure.message})`;
    throw new NotSupportedError(`zstd is not available: its WebAssembly build does not run here (${String((err as Error).message)})${native}`, { cause: err });
  }
}

function fromEnvironment(): ZstdBackendChoice {
  const v = (typeof process === 'object' ? process.env['LSM_ZSTD'] : undefined) ?? '';
  if (v === '') return 'auto';
  checkChoice(v, 'environment variable LSM_ZSTD');
  return v as ZstdBackendChoice;
}

function checkChoice(v: unknown, where: string): void {
  if (v !== 'native' && v !== 'wasm' && v !== 'auto') {
    throw new InvalidArgumentError(`${where} must be 'native', 'wasm' or 'auto', got ${JSON.stringify(v)}`);
  }
}
