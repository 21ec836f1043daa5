// The CommonJS build's WORKER_SCRIPT (see worker-script.ts): the CommonJS job worker beside
// this file, dist/cjs/jobs/job-worker.js.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const WORKER_SCRIPT: URL = pathToFileURL(join(__dirname, 'job-worker.js'));
