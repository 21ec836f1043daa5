// The typed errors every @lsm package throws across its boundary (ARCHITECTURE.md, "Error
// contract"). Each has a stable string `code`; callers branch on the code (or instanceof).
// The engine re-exports these and adds its own LsmError subclasses (closed, locked).

import { FsError } from '@lsm/fs';

/** The stable error codes of the @lsm packages. */
export type LsmErrorCode =
  | 'LSM_CORRUPTION'
  | 'LSM_INVALID_ARGUMENT'
  | 'LSM_CLOSED'
  | 'LSM_LOCKED'
  | 'LSM_IO'
  | 'LSM_NOT_SUPPORTED'
  | 'LSM_READ_ONLY'
  | 'LSM_NOT_FOUND'
  | 'LSM_NO_SPACE'
  | 'LSM_HISTORY_GONE';

/** Base class of every error the storage engine throws on purpose. */
export class LsmError extends Error {
  readonly code: LsmErrorCode;

  constructor(code: LsmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LsmError';
    this.code = code;
  }
}

/**
 * Stored bytes are damaged or not what the format allows (checksum mismatch, bad magic,
 * malformed block, a block the index names but the file does not hold). The message
 * names the file and the byte offset of the damaged structure.
 */
export class CorruptionError extends LsmError {
  /** The file the damage is in. */
  readonly file: string;
  /** Byte offset (in the file) of the structure found damaged. */
  readonly offset: number;

  constructor(file: string, offset: number, detail: string, options?: { cause?: unknown }) {
    super('LSM_CORRUPTION', `corruption in ${file} at offset ${offset}: ${detail}`, options);
    this.name = 'CorruptionError';
    this.file = file;
    this.offset = offset;
  }
}

/** The caller passed something the API does not accept (out-of-order key, oversize value, ...). */
export class InvalidArgumentError extends LsmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LSM_INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** The data is well-formed but needs a feature this build does not have (a newer format version, ...). */
export class NotSupportedError extends LsmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LSM_NOT_SUPPORTED', message, options);
    this.name = 'NotSupportedError';
  }
}

/** The filesystem failed. The FsError from @lsm/fs (with node's errno code) is the `cause`. */
export class IoError extends LsmError {
  constructor(message: string, cause: unknown) {
    super('LSM_IO', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'IoError';
  }
}

/**
 * The filesystem is full (ENOSPC, or a quota: EDQUOT): what failed needs space to be freed,
 * not a repair. The FsError is the `cause`, as for IoError.
 */
export class NoSpaceError extends LsmError {
  constructor(message: string, cause: unknown) {
    super('LSM_NO_SPACE', `${message}: no space left (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'NoSpaceError';
  }
}

/** True for the errno codes of a full disk. */
function isNoSpaceCode(code: unknown): boolean {
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Error for use of a closed/finished object; the engine's ClosedError shares this code. */
export function closedError(what: string): LsmError {
  return new LsmError('LSM_CLOSED', `${what} is closed`);
}

/** True when `err` is an LsmError with the given code. */
export function isLsmError(err: unknown, code?: LsmErrorCode): err is LsmError {
  return err instanceof LsmError && (code === undefined || err.code === code);
}

/**
 * Turns an error thrown by the Fs (an FsError, or anything carrying an errno-style code
 * such as 'EIO') into an IoError describing `what` failed, or a NoSpaceError when the
 * code says the disk is full. Our own errors and anything else (a bug) pass through unchanged.
 */
export function toIoError(err: unknown, what: string): unknown {
  if (err instanceof LsmError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (isNoSpaceCode(code) && (err instanceof FsError || typeof code === 'string')) return new NoSpaceError(what, err);
  if (err instanceof FsError) return new IoError(what, err);
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return new IoError(what, err);
  return err;
}
