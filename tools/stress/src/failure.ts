// The one error a check throws when the store broke a promise. Anything else escaping a
// run is either an error the store should not have thrown (turned into a StressFailure by
// the runner) or a bug in the stress tool itself.

/**
 * A broken promise of the store, found by a check. `lost` counts acknowledged writes it
 * lost; `wrongValue` is set when a read returned a value the oracle says is wrong.
 */
export class StressFailure extends Error {
  constructor(
    message: string,
    readonly lost = 0,
    readonly wrongValue = false,
  ) {
    super(message);
    this.name = 'StressFailure';
  }
}

/** A short description of any thrown value: class, LSM code, message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`;
  }
  return String(err);
}
