/** Outcome of anything that parses untrusted input: a value, or a reason that names the field or byte. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Wraps a successful value. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wraps a failure; `reason` should say which field or byte was wrong and what was expected. */
export function fail<T = never>(reason: string): Result<T> {
  return { ok: false, reason };
}
