/**
 * Per-client rate limit: a fixed one-minute window per client key (the API key id when the
 * request carries a well-formed one, else the address). In memory, per instance: with several
 * instances behind a balancer the effective limit is per instance, which errs on the side of
 * letting victims through.
 */
export class RateLimiter {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** null when allowed; otherwise the seconds until the window resets (for Retry-After). */
  take(client: string, now = Date.now()): number | null {
    if (!this.enabled) return null;
    const w = Math.floor(now / 60_000);
    if (w !== this.window) {
      this.window = w;
      this.counts = new Map();
    }
    const n = (this.counts.get(client) ?? 0) + 1;
    this.counts.set(client, n);
    if (n <= this.perMinute) return null;
    return Math.max(1, Math.ceil(((w + 1) * 60_000 - now) / 1000));
  }
}
