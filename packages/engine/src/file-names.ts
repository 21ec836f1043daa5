// Names of the files in a store's directory. Every file but LOCK and CURRENT carries a
// file number from one counter, so names never repeat within a store's life, and
// recovery can tell live files from orphans left by an interrupted flush or compaction.

/** The kinds of file a store directory holds. */
export type FileKind = 'log' | 'table' | 'manifest' | 'current' | 'lock' | 'temp' | 'blob';

/** A parsed file name. */
export interface ParsedName {
  kind: FileKind;
  number: number;
}

const pad = (n: number): string => String(n).padStart(6, '0');

/** `000012.log`: a write-ahead log. */
export const logFileName = (n: number): string => `${pad(n)}.log`;
/** `000013.sst`: a table. */
export const tableFileName = (n: number): string => `${pad(n)}.sst`;
/** `000016.blob`: a blob file (separated values, K/V separation). */
export const blobFileName = (n: number): string => `${pad(n)}.blob`;
/** `MANIFEST-000014`: a manifest (a log of version edits). */
export const manifestFileName = (n: number): string => `MANIFEST-${pad(n)}`;
/** `CURRENT`: names the live manifest. */
export const CURRENT = 'CURRENT';
/** `LOCK`: held exclusively while the store is open. */
export const LOCK = 'LOCK';
/**
 * `CHECKPOINT-INCOMPLETE`: in a checkpoint's directory while it is being written (the
 * first file written, the last removed); a store holding it does not open.
 */
export const CHECKPOINT_MARKER = 'CHECKPOINT-INCOMPLETE';
// `000015.tmp` names (kind 'temp') are still recognised, and deleted as obsolete, though
// no code writes them any more.

/** Parses a name from the store directory; undefined for files that are not ours. */
export function parseFileName(name: string): ParsedName | undefined {
  if (name === CURRENT) return { kind: 'current', number: 0 };
  if (name === LOCK) return { kind: 'lock', number: 0 };
  let m = /^MANIFEST-(\d{6,16})$/.exec(name);
  if (m) return { kind: 'manifest', number: Number(m[1]) };
  m = /^(\d{6,16})\.(log|sst|tmp|blob)$/.exec(name);
  if (m) {
    const kind = m[2] === 'log' ? 'log' : m[2] === 'sst' ? 'table' : m[2] === 'blob' ? 'blob' : 'temp';
    return { kind, number: Number(m[1]) };
  }
  return undefined;
}
