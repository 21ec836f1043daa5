// What the library tests share: the two kinds of failure a check reports (acknowledged
// data lost; state the library cannot read), and the counts the README quotes per library.

import type { CrashTestReport } from '@lsm/crashfs';

/** Thrown by a check when something acknowledged as written is not in the image. */
export class LostAcknowledged extends Error {
  override readonly name = 'LostAcknowledged';
}

/** Thrown by a check when the library cannot read the image (or reads garbage). */
export class Unreadable extends Error {
  override readonly name = 'Unreadable';
}

/** The counts a library's README section reports. */
export interface Verdict {
  /** Crash points checked (clean and torn variants). */
  points: number;
  /** Points whose image lost acknowledged data. */
  lost: number;
  /** Points whose image the library could not read. */
  unreadable: number;
  /** Points that failed in any other way (a bug in the test, if ever non-zero). */
  other: number;
}

/** Counts a report's failures by kind. */
export function verdict(report: CrashTestReport<unknown>): Verdict {
  const count = (cls: new (m: string) => Error): number => report.failures.filter((f) => f.error instanceof cls).length;
  const lost = count(LostAcknowledged);
  const unreadable = count(Unreadable);
  return { points: report.points, lost, unreadable, other: report.failures.length - lost - unreadable };
}

/** The first failure whose error is of class `cls`, for a minimal reproduction. */
export function firstOf(report: CrashTestReport<unknown>, cls: new (m: string) => Error): CrashTestReport<unknown>['failures'][number] | undefined {
  return report.failures.find((f) => f.error instanceof cls);
}
