// What a store costs on disk: the size of its directory, and the bytes this process has
// written according to the kernel, over all of its threads (so a native engine's
// background flushes and compactions count): /proc/self/io write_bytes counts bytes sent
// to storage at the time a page-cache page turns dirty (a page rewritten while still
// dirty counts once), wchar the bytes handed to write system calls.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Apparent and allocated bytes of every file under `dir` (0, 0 if it does not exist). */
export function dirSize(dir: string): { apparent: number; allocated: number } {
  let apparent = 0;
  let allocated = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { apparent, allocated };
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (st.isDirectory()) {
      const sub = dirSize(p);
      apparent += sub.apparent;
      allocated += sub.allocated;
    } else {
      apparent += st.size;
      allocated += st.blocks * 512;
    }
  }
  return { apparent, allocated };
}

/** Write counters of /proc/self/io. */
export interface ProcessWrites {
  /** Bytes this process caused to be sent to storage (counted when pages turn dirty). */
  writeBytes: number;
  /** Bytes passed to write-like system calls (pwrite, writev...), whatever the page cache did with them. */
  wchar: number;
}

/** The write counters of /proc/self/io, or null where the kernel does not provide them. */
export function processWrites(): ProcessWrites | null {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const wb = /^write_bytes:\s*(\d+)$/m.exec(text);
    const wc = /^wchar:\s*(\d+)$/m.exec(text);
    return wb === null || wc === null ? null : { writeBytes: Number(wb[1]), wchar: Number(wc[1]) };
  } catch {
    return null;
  }
}

/**
 * Waits until this process has written nothing for `quietMs` (polling every 50 ms), at
 * most `maxMs`: a native engine's background flushes and compactions are then done.
 * Returns the seconds waited; returns at once where /proc/self/io is missing.
 */
export async function waitForQuiet(quietMs = 500, maxMs = 60_000): Promise<number> {
  const start = Date.now();
  let last = processWrites();
  if (last === null) return 0;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    const now = processWrites();
    if (now === null) break;
    if (now.writeBytes !== last.writeBytes || now.wchar !== last.wchar) quietSince = Date.now();
    last = now;
  }
  return (Date.now() - start) / 1000;
}
