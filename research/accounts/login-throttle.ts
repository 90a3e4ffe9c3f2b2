/**
 * Slows down repeated failed attempts (logins, member-check responses). After a few free attempts, each
 * further failure for the same key doubles the wait before the next attempt is even checked, up to a cap
 * short enough that someone guessing at an account delays its owner rather than locking them out.
 *
 * An attempt is counted when it starts (`begin`), before the slow password check, so parallel guesses
 * cannot all slip in while the first ones are still being checked: only `freeAttempts` run at once.
 * Kept in memory: a restart forgives, which is acceptable for a workbench run by a research team.
 */
export class LoginThrottle {
  private readonly entries = new Map<
    string,
    { failures: number; inFlight: number; blockedUntil: number }
  >();

  constructor(
    private readonly freeAttempts = 3,
    private readonly baseDelayMs = 1000,
    private readonly maxDelayMs = 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before this key may try again (0 when it may try now). */
  retryAfterMs(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const blocked = Math.max(0, entry.blockedUntil - this.now());
    if (blocked > 0) return blocked;
    // Attempts still being checked count against the free ones.
    return entry.failures + entry.inFlight >= this.freeAttempts && entry.inFlight > 0
      ? this.delayFor(entry.failures + entry.inFlight)
      : 0;
  }

  /**
   * Starts an attempt: 0 when it may go ahead (and it is counted now), otherwise how long to wait. Every
   * attempt that went ahead must end with `recordFailure` or `recordSuccess`.
   */
  begin(key: string): number {
    const wait = this.retryAfterMs(key);
    if (wait > 0) return wait;
    const entry = this.entries.get(key) ?? { failures: 0, inFlight: 0, blockedUntil: 0 };
    entry.inFlight += 1;
    this.entries.set(key, entry);
    if (this.entries.size > 10_000) this.forgetOldest();
    return 0;
  }

  recordFailure(key: string): void {
    const entry = this.entries.get(key) ?? { failures: 0, inFlight: 0, blockedUntil: 0 };
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    entry.failures += 1;
    if (entry.failures >= this.freeAttempts)
      entry.blockedUntil = this.now() + this.delayFor(entry.failures);
    this.entries.set(key, entry);
    if (this.entries.size > 10_000) this.forgetOldest();
  }

  recordSuccess(key: string): void {
    this.entries.delete(key);
  }

  private delayFor(failures: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - this.freeAttempts));
  }

  private forgetOldest(): void {
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
