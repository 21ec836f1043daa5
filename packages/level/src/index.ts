// Public entry of @lsm/level: LsmLevel, an abstract-level database over @lsm/engine, and
// the error class it uses for LEVEL_* codes.

export { LsmLevel, type LsmLevelOptions, type LsmEngineOptions } from './lsm-level.js';
export { LsmSnapshot } from './lsm-snapshot.js';
export { LevelError } from './errors.js';
