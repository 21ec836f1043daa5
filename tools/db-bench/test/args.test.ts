// Command-line parsing and validation: defaults, the --quick preset, every kind of bad
// input (a UsageError naming the flag), and the exit code 64 the CLI turns it into.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINES, QUICK_NUM, UsageError, WORKLOADS, parseArgs } from '../src/args.js';

const OUT = '/tmp/db-bench-default-out';
const parse = (...argv: string[]) => parseArgs(argv, OUT);

describe('parseArgs', () => {
  it('has db_bench-like defaults', () => {
    const o = parse();
    expect(o.settings).toEqual({
      num: 1_000_000,
      reads: 1_000_000,
      keySize: 16,
      valueDist: { kind: 'fixed', size: 100 },
      batch: 1000,
      compression: 'none',
      seed: 1,
      writeBufferSize: 32 << 20,
      cacheSize: 64 << 20,
      blockSize: 4096,
      bloomBits: 10,
      minValueSize: 4096,
      defaults: 'shared',
      warm: false,
    });
    expect(o.engines).toEqual([...ENGINES]);
    expect(o.workloads).toEqual([...WORKLOADS]);
    expect(o.out).toBe(OUT);
    expect(o.timeoutMs).toBe(900_000);
    expect(o.quick).toBe(false);
    expect(o.repeat).toBe(1);
  });

  it('--defaults own opens every engine on its own defaults and refuses the sizing flags', () => {
    expect(parse('--defaults', 'own').settings.defaults).toBe('own');
    expect(() => parse('--defaults', 'own', '--compression', 'zstd')).toThrow(/drop --compression/);
    expect(() => parse('--defaults', 'own', '--write-buffer-size', '1048576')).toThrow(/drop --write-buffer-size/);
    expect(() => parse('--defaults', 'mine')).toThrow(/--defaults must be shared or own/);
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const o = parse('--num', '5_000', '--reads=700', '--key-size', '24', '--value-size', '400', '--batch=10', '--compression', 'zstd', '--seed', '42', '--timeout', '1.5', '--engines', 'lmdb, lsm', '--workloads', 'readseq,fillseq', '--out', 'rel/dir', '--bloom-bits', '0', '--cpu-prof', '--repeat', '3');
    expect(o.settings).toMatchObject({ num: 5000, reads: 700, keySize: 24, valueDist: { kind: 'fixed', size: 400 }, batch: 10, compression: 'zstd', seed: 42, bloomBits: 0 });
    expect(o.timeoutMs).toBe(1500);
    // Canonical order, whatever order they were given in.
    expect(o.engines).toEqual(['lsm', 'lmdb']);
    expect(o.workloads).toEqual(['fillseq', 'readseq']);
    expect(o.out).toMatch(/\/rel\/dir$/);
    expect(o.cpuProf).toBe(true);
    expect(o.repeat).toBe(3);
  });

  it('parses value distributions', () => {
    expect(parse('--value-dist', 'uniform').settings.valueDist).toEqual({ kind: 'uniform', min: 50, max: 150 });
    expect(parse('--value-dist', 'uniform', '--value-size', '10').settings.valueDist).toEqual({ kind: 'uniform', min: 5, max: 15 });
    expect(parse('--value-dist', 'uniform:20,80').settings.valueDist).toEqual({ kind: 'uniform', min: 20, max: 80 });
    expect(parse('--value-dist', 'uniform[1,2]').settings.valueDist).toEqual({ kind: 'uniform', min: 1, max: 2 });
  });

  it('--quick is exactly 100,000 keys, every workload, every engine', () => {
    const o = parse('--quick');
    expect(o.quick).toBe(true);
    expect(o.settings.num).toBe(QUICK_NUM);
    expect(o.settings.reads).toBe(QUICK_NUM);
    expect(o.engines).toEqual([...ENGINES]);
    expect(o.workloads).toEqual([...WORKLOADS]);
    for (const f of ['--num=10', '--reads=10', '--engines=lsm', '--workloads=fillseq']) {
      expect(() => parse('--quick', f)).toThrow(/--quick means/);
    }
    expect(parse('--quick', '--value-size', '64').settings.valueDist).toEqual({ kind: 'fixed', size: 64 });
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['fillseq'], /unexpected argument/],
    [['--num'], /--num needs a value/],
    [['--num', '--quick'], /--num needs a value/],
    [['--num', '0'], /--num must be an integer/],
    [['--num', '1e6'], /--num must be an integer/],
    [['--num', '-5'], /--num must be an integer/],
    [['--num', '1', '--num', '2'], /given twice/],
    [['--key-size', '4'], /--key-size must be an integer in \[8, 1,024\]/],
    [['--batch', 'x'], /--batch must be an integer/],
    [['--compression', 'lz4'], /--compression must be none or zstd/],
    [['--engines', 'sqlite'], /unknown name "sqlite"/],
    [['--engines', ','], /needs at least one name/],
    [['--workloads', 'fillseq,readall'], /unknown name "readall"/],
    [['--value-dist', 'normal'], /--value-dist must be/],
    [['--value-dist', 'uniform:9,3'], /MIN <= MAX/],
    [['--value-dist', 'uniform:1,9', '--value-size', '5'], /not both/],
    [['--timeout', '0'], /--timeout must be/],
    [['--timeout', 'soon'], /--timeout must be/],
    [['--quick=yes'], /takes no value/],
    [['--repeat', '0'], /--repeat must be an integer in \[1, 100\]/],
  ])('rejects %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });
});

describe('the CLI on bad command lines', () => {
  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

  it('prints the reason and the usage, and exits with 64', () => {
    const r = spawnSync(process.execPath, [cli, '--num', 'lots'], { encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--num must be an integer');
    expect(r.stderr).toContain('usage: db-bench');
    expect(r.stdout).toBe('');
  });

  it('prints the usage with --help and exits with 0', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--value-dist');
  });
});
