// Number formatting for the tables: fixed, readable, and the same in the terminal, the
// README and the chart.

/** 1234567 -> "1,234,567". */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A latency in microseconds with 3 significant digits (at least 2 decimals below 1). */
export function micros(us: number): string {
  if (us >= 100) return Math.round(us).toLocaleString('en-US');
  if (us >= 10) return us.toFixed(1);
  return us.toFixed(2);
}

/** A ratio as "1.23x". */
export function ratio(r: number | null): string {
  return r === null ? 'n/a' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/** Bytes as MB (10^6) with one decimal. */
export function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
