/** A readable one-line reason for the user; never a stack trace. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
