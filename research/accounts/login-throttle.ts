/**
 * Slows down repeated failed logins. After a few free attempts, each further failure for the same key
 * (account and client address) doubles the wait before the next attempt is even checked, up to 15 minutes.
 * Kept in memory: a restart forgives, which is acceptable for a workbench run by a research team.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; blockedUntil: number }>();

  constructor(
    private readonly freeAttempts = 3,
    private readonly baseDelayMs = 1000,
    private readonly maxDelayMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before this key may try again (0 when it may try now). */
  retryAfterMs(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.blockedUntil - this.now());
  }

  recordFailure(key: string): void {
    const entry = this.failures.get(key) ?? { count: 0, blockedUntil: 0 };
    entry.count += 1;
    if (entry.count >= this.freeAttempts) {
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (entry.count - this.freeAttempts));
      entry.blockedUntil = this.now() + delay;
    }
    this.failures.set(key, entry);
    if (this.failures.size > 10_000) this.forgetOldest();
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  private forgetOldest(): void {
    const oldest = this.failures.keys().next().value;
    if (oldest !== undefined) this.failures.delete(oldest);
  }
}
