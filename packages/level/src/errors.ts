// Errors at the abstract-level boundary. abstract-level users branch on LEVEL_* codes
// (LEVEL_LOCKED, LEVEL_CORRUPTION, LEVEL_IO_ERROR, ...), so storage failures of the engine
// are re-thrown as a LevelError with that code and the engine's LsmError (with its stable
// LSM_* code, file and offset) as `cause`. Bad input keeps the engine's
// InvalidArgumentError (LSM_INVALID_ARGUMENT) as is: abstract-level reserves LEVEL_*
// codes for conditions a program handles, not for programming mistakes.

import { InvalidArgumentError, isLsmError } from '@lsm/engine';

/** An error with an abstract-level code (`LEVEL_*`); `cause` holds the engine's error. */
export class LevelError extends Error {
  /** The abstract-level error code. */
  readonly code: string;

  constructor(message: string, code: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LevelError';
    this.code = code;
  }
}

/** LSM_* codes of storage conditions and the abstract-level code each becomes. */
const LEVEL_CODE: Record<string, string> = {
  LSM_CORRUPTION: 'LEVEL_CORRUPTION',
  LSM_IO: 'LEVEL_IO_ERROR',
  // A full disk is an I/O failure to abstract-level users; the cause says which.
  LSM_NO_SPACE: 'LEVEL_IO_ERROR',
  LSM_READ_ONLY: 'LEVEL_READ_ONLY',
  LSM_NOT_FOUND: 'LEVEL_DATABASE_NOT_OPEN',
  LSM_LOCKED: 'LEVEL_LOCKED',
  LSM_NOT_SUPPORTED: 'LEVEL_NOT_SUPPORTED',
  LSM_CLOSED: 'LEVEL_DATABASE_NOT_OPEN',
};

/**
 * The error to surface for `err`, thrown by the engine: storage conditions become a
 * LevelError with the matching LEVEL_* code (the engine error is its `cause`); anything
 * else (bad input, errors that are not the engine's) is returned unchanged.
 */
export function toLevelError(err: unknown): unknown {
  if (!isLsmError(err)) return err;
  const code = LEVEL_CODE[err.code];
  return code === undefined ? err : new LevelError(err.message, code, err);
}

/**
 * Runs a synchronous engine call, converting what it throws with toLevelError. Keeps the
 * conversion in one place so every private method reports errors the same way.
 */
export function engineCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toLevelError(err);
  }
}

/**
 * The error `Tree.open` threw, phrased the way abstract-level's suite and classic-level
 * users expect: a missing store "does not exist". The engine's own error stays the cause.
 */
export function openError(err: unknown, location: string, createIfMissing: boolean): unknown {
  if (isLsmError(err, 'LSM_INVALID_ARGUMENT') && !createIfMissing && err.message.includes('createIfMissing')) {
    return new InvalidArgumentError(`the store at ${location} does not exist (createIfMissing is false)`, { cause: err });
  }
  return toLevelError(err);
}
