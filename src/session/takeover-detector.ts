/**
 * Spots a client-id conflict: connections that the broker closes soon after CONNACK, again and again,
 * are what a second client with the same id causes (each connection takes over the other). Times are on the
 * monotonic clock (src/clock.ts): NTP stepping the wall clock would make a connection look long- or short-lived.
 */
export class TakeoverDetector {
  private closes: number[] = [];

  constructor(
    readonly windowMs = 60_000,
    readonly threshold = 3,
    readonly shortLivedMs = 15_000,
  ) {}

  /** Records a broker-side close (both times monotonic ms); returns true when the pattern says "conflict". */
  record(connectedAt: number, closedAt: number): boolean {
    if (closedAt - connectedAt > this.shortLivedMs) {
      this.closes = [];
      return false;
    }
    this.closes = this.closes.filter((at) => closedAt - at <= this.windowMs);
    this.closes.push(closedAt);
    return this.closes.length >= this.threshold;
  }

  /** Short-lived closes within the window. */
  get count(): number {
    return this.closes.length;
  }
}
