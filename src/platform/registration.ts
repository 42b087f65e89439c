import { monotonicNow } from '../clock.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { isoTime } from '../protocol/iso-time.js';
import { MAX_PENDING_REGISTRATIONS } from '../protocol/limits.js';

/** Why a registration did not happen. */
export type RegistrationFailure = 'org-device-limit' | 'registration-failed';

/** A device the platform knows: registered directly or through a gateway. */
export interface RegisteredDevice extends DeviceRef {
  registeredAt: string;
  /** Client id of the gateway that registered it, if any. */
  registeredBy?: string;
}

/** Settings for auto-registration (seed: Gateway auto-registration). */
export interface RegistrationOptions {
  /** Registrations a gateway may have pending at once; the rest wait their turn. */
  maxPending: number;
  /** Simulated time a registration takes, in ms. */
  delayMs: number;
  /** Devices the organization may hold in all. */
  maxOrgDevices: number;
  /** How long a device whose registration failed is refused before another try, in ms. */
  retryAfterMs: number;
}

export const DEFAULT_REGISTRATION: RegistrationOptions = {
  maxPending: MAX_PENDING_REGISTRATIONS,
  delayMs: 0,
  maxOrgDevices: Number.POSITIVE_INFINITY,
  retryAfterMs: 30_000,
};

/**
 * The organization's device registry with gateway auto-registration: at most `maxPending`
 * registrations in flight per gateway (others queue: a delay, not a drop), a failed device
 * refused for `retryAfterMs`, and the same registration shared by concurrent requests.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, RegisteredDevice>();
  private readonly inProgress = new Map<string, Promise<RegistrationFailure | undefined>>();
  /** Until when a device that failed to register is refused (monotonic ms, src/clock.ts). */
  private readonly failedUntil = new Map<string, number>();
  private readonly injectedFailures = new Map<string, number>();
  private readonly queues = new Map<string, PendingQueue>();
  private peakPending = 0;

  constructor(private readonly options: RegistrationOptions) {}

  /** Registers a device directly (no gateway, no delay). */
  add(device: DeviceRef): void {
    this.devices.set(deviceKey(device), { ...device, registeredAt: isoTime(Date.now()) });
  }

  get(device: DeviceRef): RegisteredDevice | undefined {
    return this.devices.get(deviceKey(device));
  }

  list(): RegisteredDevice[] {
    return [...this.devices.values()];
  }

  /** Makes the next `times` registrations of this device fail, to exercise a gateway's back-off. */
  failNextRegistrations(device: DeviceRef, times = 1): void {
    this.injectedFailures.set(deviceKey(device), times);
  }

  /**
   * True while a device is refused after a failed registration (seed: Gateway auto-registration, Warning); `now` is
   * on the monotonic clock.
   */
  isBackingOff(device: DeviceRef, now = monotonicNow()): boolean {
    const until = this.failedUntil.get(deviceKey(device));
    return until !== undefined && until > now;
  }

  /** Registrations now pending across all gateways, and the most ever pending for one gateway. */
  pendingStats(): { pending: number; peakPerGateway: number } {
    let pending = 0;
    for (const queue of this.queues.values()) pending += queue.running;
    return { pending, peakPerGateway: this.peakPending };
  }

  /** Resolves once the device is registered (undefined) or with the failure. */
  ensureRegistered(device: DeviceRef, gatewayClientId: string): Promise<RegistrationFailure | undefined> {
    const key = deviceKey(device);
    if (this.devices.has(key)) return Promise.resolve(undefined);
    if (this.isBackingOff(device)) return Promise.resolve('registration-failed');
    const existing = this.inProgress.get(key);
    if (existing) return existing;
    if (this.devices.size + this.inProgress.size >= this.options.maxOrgDevices) return Promise.resolve('org-device-limit');
    let queue = this.queues.get(gatewayClientId);
    if (!queue) {
      queue = new PendingQueue(this.options.maxPending, (running) => {
        this.peakPending = Math.max(this.peakPending, running);
      });
      this.queues.set(gatewayClientId, queue);
    }
    const registration = queue.run(() => this.register(device, gatewayClientId));
    this.inProgress.set(key, registration);
    void registration.finally(() => this.inProgress.delete(key));
    return registration;
  }

  private async register(device: DeviceRef, gatewayClientId: string): Promise<RegistrationFailure | undefined> {
    if (this.options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    const key = deviceKey(device);
    const failures = this.injectedFailures.get(key) ?? 0;
    if (failures > 0) {
      this.injectedFailures.set(key, failures - 1);
      this.failedUntil.set(key, monotonicNow() + this.options.retryAfterMs);
      return 'registration-failed';
    }
    this.devices.set(key, { ...device, registeredAt: isoTime(Date.now()), registeredBy: gatewayClientId });
    return undefined;
  }
}

/** Runs at most `limit` jobs at once, the rest in arrival order. */
class PendingQueue {
  running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly onStart: (running: number) => void,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finishing job hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    this.onStart(this.running);
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
