// This package's fuzz tests use the shared harness (decoder contract checks, mutations,
// counters): see packages/fuzz-kit.

export * from '@lsm/fuzz-kit';
