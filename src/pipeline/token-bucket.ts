/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. The service's plans cap
 * messages per second; above the rate, events wait in the queue instead of getting the gateway
 * disconnected. An infinite rate never waits.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = Math.max(1, ratePerSecond),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get unlimited(): boolean {
    return !Number.isFinite(this.ratePerSecond);
  }

  /** True when a message may go now (call `take` when it does). */
  ready(): boolean {
    if (this.unlimited) return true;
    this.refill();
    return this.tokens >= 1;
  }

  take(): void {
    if (!this.unlimited) this.tokens -= 1;
  }

  /** Milliseconds until the next token. */
  msUntilReady(): number {
    if (this.unlimited) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}
