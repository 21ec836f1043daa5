// The engine's errors: @lsm/base's LsmError family (re-exported so users need
// one import), plus the two codes only a store can raise: closed and locked.

import { LsmError } from '@lsm/base';

export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
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
