// Command-line parsing for `lsm`: positional arguments plus `--flag` / `--flag value`
// options, with a clear usage error (exit code 64) for anything unknown.

/** Thrown for bad command lines; the CLI prints it with the usage text. */
export class UsageError extends Error {}

/** Parsed arguments: positionals in order, options by name. */
export interface Args {
  positional: string[];
  options: Map<string, string | true>;
}

/** Splits argv into positionals and options; `valued` lists the options that take a value. */
export function parseArgs(argv: readonly string[], valued: ReadonlySet<string>, flags: ReadonlySet<string>): Args {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (valued.has(name)) {
        const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
        options.set(name, value);
      } else if (flags.has(name)) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        options.set(name, true);
      } else {
        throw new UsageError(`unknown option --${name}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, options };
}

/** An integer option, or `def` when absent. */
export function intOption(args: Args, name: string, def: number, min = 0): number {
  const v = args.options.get(name);
  if (v === undefined) return def;
  const n = typeof v === 'string' && /^\d+$/.test(v.replace(/_/g, '')) ? Number(v.replace(/_/g, '')) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`option --${name} must be an integer >= ${min}, got ${String(v)}`);
  return n;
}

/** A string option, or undefined. */
export function stringOption(args: Args, name: string): string | undefined {
  const v = args.options.get(name);
  return typeof v === 'string' ? v : undefined;
}
