/** The two limits of auto-registration (seed: Gateway auto-registration), as counts on the current connection. */
export class AdmissionLimits {
  /** Devices counted on the current connection (the service counts from zero on each). */
  readonly counted = new Set<string>();
  /** Devices granted a pending slot whose probe is not sent yet: they will count when it is. */
  readonly reserved = new Set<string>();
  /** Registrations pending now, and the most there were at once. */
  pending = 0;
  peakPending = 0;
  /** The service said the gateway is at its device limit on this connection. */
  capReached = false;

  constructor(private readonly max: { maxPending: number; maxActive: number }) {}

  /** Room under the cap for one more device on this connection (slots reserved for probes count). */
  hasRoom(): boolean {
    return !this.capReached && this.counted.size + this.reserved.size < this.max.maxActive;
  }

  /** A pending registration slot is free. */
  slotFree(): boolean {
    return this.pending < this.max.maxPending;
  }

  takeSlot(): void {
    this.pending++;
    this.peakPending = Math.max(this.peakPending, this.pending);
  }

  freeSlot(): void {
    this.pending = Math.max(0, this.pending - 1);
  }

  /** A new connection: nothing is counted, and the cap is the service's to tell again. */
  newConnection(): void {
    this.counted.clear();
    this.capReached = false;
  }
}
