// The one error type @lsm/filter-burr throws on purpose. Callers branch on the stable
// `code`: 'LSM_CORRUPTION' when serialized bytes are malformed (the message names the
// field and its byte offset), 'LSM_INVALID_ARGUMENT' when build options or inputs are bad.

/** Error codes a FilterError carries (a subset of the engine-wide error contract). */
export type FilterErrorCode = 'LSM_CORRUPTION' | 'LSM_INVALID_ARGUMENT';

/** Typed error: bad serialized bytes (`LSM_CORRUPTION`) or bad options (`LSM_INVALID_ARGUMENT`). */
export class FilterError extends Error {
  readonly code: FilterErrorCode;
  /** Byte offset inside the serialized filter that was found wrong, when there is one. */
  readonly offset: number | undefined;

  constructor(code: FilterErrorCode, message: string, offset?: number) {
    super(offset === undefined ? `${code}: ${message}` : `${code}: ${message} (at byte offset ${offset})`);
    this.name = 'FilterError';
    this.code = code;
    this.offset = offset;
  }
}

/** Throws an LSM_CORRUPTION FilterError naming what was wrong and where. */
export function corrupt(message: string, offset?: number): never {
  throw new FilterError('LSM_CORRUPTION', message, offset);
}

/** Throws an LSM_INVALID_ARGUMENT FilterError. */
export function invalidArgument(message: string): never {
  throw new FilterError('LSM_INVALID_ARGUMENT', message);
}
