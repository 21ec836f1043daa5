// The CommonJS build's packageRequire (see package-require.ts): the module's own require.

export const packageRequire: NodeJS.Require = require;
