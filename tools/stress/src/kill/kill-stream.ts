// The write stream of a SIGKILL run: the write with seqno s is a pure function of (seed,
// s), so the parent can replay exactly what the child wrote up to any seqno without
// hearing from it, and a child restarted on a recovered store continues the same stream
// from the store's seqno. One write per seqno (a put or a delete), every tenth or so with
// { sync: true }.

/** One write of the stream. */
export interface StreamWrite {
  key: string;
  /** undefined: a delete. */
  value: string | undefined;
  sync: boolean;
}

/** Keys the stream writes to (so overwrites and deletes of live keys are common). */
export const KEY_SPACE = 5000;

/** A 32-bit mix of (seed, s, salt): splitmix-style, the same on every platform. */
function mix(seed: number, s: number, salt: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(s + salt * 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The write with seqno `s` (s >= 1). */
export function streamWrite(seed: number, s: number): StreamWrite {
  const k = mix(seed, s, 1) % KEY_SPACE;
  const r = mix(seed, s, 2);
  const key = `key-${String(k).padStart(6, '0')}`;
  if (r % 8 === 0) return { key, value: undefined, sync: r % 3 === 0 };
  // 20-400 bytes, some of it repeated so that compression has work.
  const len = 20 + (mix(seed, s, 3) % 380);
  const head = `${s}:${k}:`;
  return { key, value: (head + 'v'.repeat(len)).slice(0, Math.max(head.length, len)), sync: r % 10 === 1 };
}

/** The store's contents after the writes 1..r: key -> value. */
export function contentsAt(seed: number, r: number): Map<string, string> {
  const m = new Map<string, string>();
  for (let s = 1; s <= r; s++) {
    const w = streamWrite(seed, s);
    if (w.value === undefined) m.delete(w.key);
    else m.set(w.key, w.value);
  }
  return m;
}
