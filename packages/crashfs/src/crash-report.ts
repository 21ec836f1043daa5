// Turns a crashTest report into text a person reads: a summary line, then each failing
// crash point with its error and the operations that led to it. It promises nothing about
// the format beyond being stable for a given report (tests may snapshot it).

import type { CrashTestReport } from './crash-test.js';

/** A message for an error of any type. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]}`;
  return String(error);
}

/**
 * The report as text: `N crash points checked (of M), F failed`, then for each failure the
 * point, its variant, the operation it followed, the error, and (unless `traces` is false)
 * the numbered operations up to it.
 */
export function formatCrashReport(report: CrashTestReport<unknown>, options?: { traces?: boolean }): string {
  const lines = [`${report.points} crash points checked (of ${report.totalPoints}), ${report.failures.length} failed`];
  for (const f of report.failures) {
    lines.push(`crash after #${f.point} ${f.op} [${f.variant}]: ${describe(f.error)}`);
    if (options?.traces !== false) for (const t of f.trace) lines.push(`    ${t}`);
  }
  return lines.join('\n');
}
