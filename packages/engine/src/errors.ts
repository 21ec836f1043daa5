// The engine's errors: @lsm/base's LsmError family (re-exported so users need
// one import), plus the codes only a store can raise: closed, locked, read-only, not found.

import { LsmError } from '@lsm/base';

export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
  NoSpaceError,
  NotSupportedError,
  isLsmError,
  type LsmErrorCode,
} from '@lsm/base';

/** The store (or a snapshot, iterator or batch of it) was used after close. */
export class ClosedError extends LsmError {
  constructor(what: string) {
    super('LSM_CLOSED', `${what} is closed`);
    this.name = 'ClosedError';
  }
}

/** Another Tree (in this process or another) has the directory open. */
export class LockedError extends LsmError {
  constructor(dir: string) {
    super('LSM_LOCKED', `the store at ${dir} is already open (its LOCK is held)`);
    this.name = 'LockedError';
  }
}

/** A write (or flush, compact, sync) on a store opened with `readOnly: true`. */
export class ReadOnlyError extends LsmError {
  constructor(what: string, dir: string) {
    super('LSM_READ_ONLY', `${what} is not allowed: the store at ${dir} is open read-only`);
    this.name = 'ReadOnlyError';
  }
}

/** A read-only open of a directory that holds no store (a read-only open never creates one). */
export class NotFoundError extends LsmError {
  constructor(dir: string) {
    super('LSM_NOT_FOUND', `no store at ${dir} (a read-only open never creates one)`);
    this.name = 'NotFoundError';
  }
}

/**
 * changesSince(seqno) asked for changes at or below the store's history horizon: compaction
 * has dropped deletions up to that seqno, so the answer could miss some.
 */
export class HistoryGoneError extends LsmError {
  constructor(
    readonly seqno: number,
    readonly horizon: number,
  ) {
    super(
      'LSM_HISTORY_GONE',
      `changesSince(${seqno}): compaction has dropped deletions up to seqno ${horizon}, so the changes after ${seqno} are no longer complete; ` +
        `ask from seqno ${horizon} or later (a full copy first), or keep more history with the keepHistorySeqnos option`,
    );
    this.name = 'HistoryGoneError';
  }
}
