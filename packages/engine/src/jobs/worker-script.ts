// Where the job worker's entry is, for new Worker(). In the ES module build (and in tests,
// which run src/ under vitest) it is dist/jobs/job-worker.js, found from src/jobs and
// dist/jobs alike; the CommonJS build points at its own CommonJS worker instead
// (worker-script.cjs.ts, swapped in by build-cjs).

export const WORKER_SCRIPT: URL = new URL('../../dist/jobs/job-worker.js', import.meta.url);
