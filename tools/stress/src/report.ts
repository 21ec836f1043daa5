// Counters of a stress run and the report line printed at the end. The line is the tool's
// verdict: it always states how many acknowledged writes were lost (the answer must be 0).

/** What a run did and found. Every field is a count. */
export interface Stats {
  /** Operations executed (including ones skipped because a fault window was open). */
  ops: number;
  /** Runs (seed x config) completed. */
  runs: number;
  /** Power losses simulated (CrashFs.crash()). */
  crashes: number;
  /** Of those, how many were a kill rule firing inside a store call (the rest: between calls). */
  kills: number;
  /** Reopens after a crash that passed every recovery check. */
  recoveries: number;
  /** Clean close + reopen cycles that passed the recovery checks. */
  reopens: number;
  /** Memtable flushes and compactions the stores ran (from Tree.stats()). */
  flushes: number;
  compactions: number;
  /** Acknowledged write calls holding a range deletion (deleteRange or deletePrefix), and merge operands acknowledged. */
  rangeDeletions: number;
  merges: number;
  /** ingest() calls made (acknowledged or not). */
  ingests: number;
  /** Checkpoints opened and checked against the oracle (returned, or found complete after a crash), and checkpoints found incomplete (marker or no file) after a failure. */
  checkpoints: number;
  checkpointsIncomplete: number;
  /** changesSince calls checked against the oracle's history, records they returned, and calls refused with LSM_HISTORY_GONE as expected. */
  changeScans: number;
  changeRecords: number;
  historyGone: number;
  /** Values read through blob pointers, blob values moved by GC, and blob files deleted (from Tree.stats().blobs). */
  blobReads: number;
  blobGcValues: number;
  blobFilesDeleted: number;
  /** FIFO: times the inferred watermark moved up (drops of the oldest tables seen by reads). */
  fifoWatermarkMoves: number;
  /** Faults FaultFs injected (errors, short writes, corrupt reads, kills). */
  faultsInjected: number;
  /** Store calls that failed with LSM_IO (or LSM_NO_SPACE) while a fault or kill was armed. */
  ioErrors: number;
  /** Table or blob file bytes flipped on disk, or table or blob file reads corrupted, that were exercised. */
  corruptionsInjected: number;
  /** Of those, how many were in blob files. */
  blobCorruptionsInjected: number;
  /** Of those, how many some read reported as LSM_CORRUPTION (the rest were never read back wrong either). */
  corruptionsDetected: number;
  /** Reads whose answers were compared with the oracle (gets, scans, iterator steps). */
  readsChecked: number;
  /** Writes whose call failed with LSM_IO after taking seqnos (may or may not reappear). */
  failedWrites: number;
  /** Reads that returned a value the oracle says is wrong (must be 0). */
  wrongValues: number;
  /** Acknowledged writes missing after a recovery (must be 0). */
  acknowledgedLost: number;
  /** Runs that failed a check. */
  failures: number;
}

/** All counters at zero. */
export function emptyStats(): Stats {
  return {
    ops: 0,
    runs: 0,
    crashes: 0,
    kills: 0,
    recoveries: 0,
    reopens: 0,
    flushes: 0,
    compactions: 0,
    rangeDeletions: 0,
    merges: 0,
    ingests: 0,
    checkpoints: 0,
    checkpointsIncomplete: 0,
    changeScans: 0,
    changeRecords: 0,
    historyGone: 0,
    blobReads: 0,
    blobGcValues: 0,
    blobFilesDeleted: 0,
    fifoWatermarkMoves: 0,
    faultsInjected: 0,
    ioErrors: 0,
    corruptionsInjected: 0,
    corruptionsDetected: 0,
    blobCorruptionsInjected: 0,
    readsChecked: 0,
    failedWrites: 0,
    wrongValues: 0,
    acknowledgedLost: 0,
    failures: 0,
  };
}

/** Adds `b` into `a`. */
export function addStats(a: Stats, b: Stats): void {
  for (const k of Object.keys(a) as (keyof Stats)[]) a[k] += b[k];
}

/** The final report line. */
export function reportLine(s: Stats, seconds: number): string {
  const verdict = s.failures === 0 && s.acknowledgedLost === 0 && s.wrongValues === 0 ? 'OK' : 'FAILED';
  return (
    `lsm-stress ${verdict}: ${s.ops} operations in ${s.runs} runs, ${seconds.toFixed(0)} s; ` +
    `${s.crashes} crashes (${s.kills} inside a store call), ${s.recoveries} recoveries, ${s.reopens} clean reopens; ` +
    `${s.flushes} flushes, ${s.compactions} compactions; ` +
    `${s.rangeDeletions} range deletions, ${s.merges} merges, ${s.ingests} ingest calls; ${s.checkpoints} checkpoints checked (${s.checkpointsIncomplete} incomplete after a failure); ${s.changeScans} changesSince calls checked (${s.changeRecords} records, ${s.historyGone} LSM_HISTORY_GONE); ${s.blobReads} blob reads, ${s.blobGcValues} values moved by blob GC, ${s.blobFilesDeleted} blob files deleted; ${s.fifoWatermarkMoves} FIFO watermark moves; ` +
    `${s.faultsInjected} faults injected, ${s.ioErrors} reported as LSM_IO or LSM_NO_SPACE, ${s.failedWrites} failed writes; ` +
    `${s.corruptionsInjected} corruptions injected (${s.blobCorruptionsInjected} in blob files), ${s.corruptionsDetected} detected as LSM_CORRUPTION; ` +
    `${s.readsChecked} reads checked, ${s.wrongValues} wrong values; acknowledged writes lost: ${s.acknowledgedLost}`
  );
}
