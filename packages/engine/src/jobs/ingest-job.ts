// The worker's side of a bulk ingestion: one session at a time (an ingest worker belongs
// to one Tree.ingest call), fed chunk by chunk. Like every job it never throws: a failure
// becomes a JobFailure, after the session's files are removed; chunks of a failed or
// aborted session fail without doing anything, so the store's thread sees the first error
// and nothing after it writes a file.

import { toIoError } from '@lsm/base';
import { IngestSession, type IngestSessionFiles } from '../ops/ingest-session.js';
import type { JobEnv } from './job-env.js';
import type { IngestJobSpec, JobResult } from './job-types.js';
import { jobError } from './run-job.js';

const NO_BLOB = { bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 };

/** The worker's current ingestion session. */
export class IngestWorkerSession {
  private session: { writer: IngestSession; close(): void } | undefined;
  /** Why the session ended early (a failed chunk), if it did. */
  private failed: string | undefined;

  constructor(private readonly openEnv: () => { env: JobEnv; close(): void }) {}

  /** Runs one job of the session. */
  run(spec: IngestJobSpec): JobResult {
    const started = performance.now();
    if (spec.kind === 'ingest-abort') {
      this.end(true);
      this.failed = undefined;
      return { id: spec.id, ok: true, tables: [], blobFiles: [], tableBytes: 0, blob: NO_BLOB, merge: undefined, millis: performance.now() - started };
    }
    try {
      if (spec.first) {
        this.end(true);
        this.failed = undefined;
        const { env, close } = this.openEnv();
        this.session = { writer: new IngestSession(env, spec.seqno, spec.tableBytes, spec.compression), close };
      }
      const s = this.session;
      if (s === undefined) throw new Error(this.failed ?? 'ingest chunk without a session');
      s.writer.addPacked(spec.chunk, spec.count, spec.numbers);
      let files: IngestSessionFiles = { blobFiles: [], blob: NO_BLOB };
      if (spec.last) files = s.writer.finish();
      const tables = s.writer.takeFinished();
      if (spec.last) this.end(false);
      return { id: spec.id, ok: true, tables, blobFiles: files.blobFiles, tableBytes: tables.reduce((n, t) => n + t.size, 0), blob: files.blob, merge: undefined, millis: performance.now() - started };
    } catch (err) {
      const e = toIoError(err, 'ingest(): writing its tables');
      this.end(true);
      this.failed = `an earlier chunk of this ingest failed: ${e instanceof Error ? e.message : String(e)}`;
      return { id: spec.id, ok: false, error: jobError(e), millis: performance.now() - started };
    }
  }

  /** Ends the session; `abandon`: its files are removed first. */
  private end(abandon: boolean): void {
    const s = this.session;
    this.session = undefined;
    if (s === undefined) return;
    if (abandon) s.writer.abandon();
    s.close();
  }
}
