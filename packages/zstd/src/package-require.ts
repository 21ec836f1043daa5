// require() for the optional native binding, resolved from this package's files. In the ES
// module build it is made from import.meta.url; the CommonJS build takes the module's own
// require instead (package-require.cjs.ts, swapped in by build-cjs).

import { createRequire } from 'node:module';

export const packageRequire: NodeJS.Require = createRequire(import.meta.url);
