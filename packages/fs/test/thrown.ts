// Test helper: the FsError a call throws (failing the test when it throws anything else,
// or nothing), so a test can check its code, syscall, path and message.
import { expect } from 'vitest';
import { FsError } from '../src/index.js';

/** The FsError `run` throws. */
export function thrown(run: () => unknown): FsError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return err as FsError;
  }
  throw new Error('expected an FsError, nothing was thrown');
}
