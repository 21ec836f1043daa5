// How an error message shows a bad argument or option value. `String(v)` makes the
// string '7' and the number 7 read alike ("got 7"), so a user who passed a string is
// told the number was refused. Every @lsm package that names a bad value in a message
// shows it with this.

/** A bad value as a message shows it: a string quoted, null as null, an object or function by its type, anything else as itself. */
export function shownValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') return typeof v;
  return String(v);
}
