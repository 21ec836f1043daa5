// The one error type @lsm/fs throws. It carries node's errno-style code so callers can
// branch on `err.code === 'ENOENT'` whatever the backend, and keeps the cause from node.

/** Error codes an Fs may throw (node's names). */
export type FsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EBADF'
  | 'EINVAL'
  | 'EPERM'
  | 'EACCES'
  | 'EIO'
  | 'ENOSPC'
  | 'EXDEV'
  | 'EBUSY'
  | (string & {});

/** An I/O error with node's errno-style `code`, the operation and the path. */
export class FsError extends Error {
  readonly code: FsErrorCode;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(code: FsErrorCode, syscall: string, path?: string, options?: { cause?: unknown; detail?: string }) {
    const where = path === undefined ? '' : ` '${path}'`;
    const detail = options?.detail ? `: ${options.detail}` : '';
    super(`${code}: ${syscall}${where}${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FsError';
    this.code = code;
    this.syscall = syscall;
    this.path = path;
  }
}

/** True when `err` is an FsError (or any error) carrying the given code. */
export function isFsErrorCode(err: unknown, code: FsErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
