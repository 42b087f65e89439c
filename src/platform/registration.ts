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

/**
 * Where a cluster of platforms keeps the organization's registry (src/platform/cluster.ts, on Redis): what one node
 * registered, every node knows, the organization's device limit counts them all, and a refusal after a failed
 * registration holds wherever the gateway connects next.
 */
export interface SharedRegistry {
  /** The device, if any node registered it. */
  get(key: string): Promise<RegisteredDevice | undefined>;
  /** Registers it unless a node did (the first registration is kept and returned), or refuses past `maxDevices`. */
  register(key: string, device: RegisteredDevice, maxDevices: number): Promise<RegisteredDevice | 'org-device-limit'>;
  /** Refuses the device everywhere for `ms`. */
  refuse(key: string, ms: number): Promise<void>;
  /** How much longer the device is refused, in ms (0 when it is not). */
  refusedFor(key: string): Promise<number>;
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

  /** `shared`: the cluster's registry; this one then keeps what it learnt of it (a device stays registered). */
  constructor(
    private readonly options: RegistrationOptions,
    private readonly shared?: SharedRegistry,
  ) {}

  /** Registers a device directly (no gateway, no delay); a node that cannot reach the cluster's registry still knows it. */
  add(device: DeviceRef): void {
    const registered = { ...device, registeredAt: isoTime(Date.now()) };
    this.devices.set(deviceKey(device), registered);
    this.shared?.register(deviceKey(device), registered, Number.POSITIVE_INFINITY).catch(() => undefined);
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
    // A cluster counts the organization's devices where it registers them (another node's are not in this.devices).
    if (!this.shared && this.devices.size + this.inProgress.size >= this.options.maxOrgDevices)
      return Promise.resolve('org-device-limit');
    const registration = this.shared ? this.lookUpThenRegister(device, gatewayClientId) : this.queued(device, gatewayClientId);
    this.inProgress.set(key, registration);
    // A shared registry's failure (Redis lost) rejects the registration for its caller; the bookkeeping goes either way.
    const settled = () => this.inProgress.delete(key);
    registration.then(settled, settled);
    return registration;
  }

  /** A device another node registered, or refuses, takes no pending slot of the gateway's. */
  private async lookUpThenRegister(device: DeviceRef, gatewayClientId: string): Promise<RegistrationFailure | undefined> {
    const key = deviceKey(device);
    const shared = this.shared as SharedRegistry;
    const [known, refusedMs] = await Promise.all([shared.get(key), shared.refusedFor(key)]);
    if (known) {
      this.devices.set(key, known);
      return undefined;
    }
    if (refusedMs > 0) {
      this.failedUntil.set(key, monotonicNow() + refusedMs);
      return 'registration-failed';
    }
    return this.queued(device, gatewayClientId);
  }

  /** Runs the registration in the gateway's queue of pending ones. */
  private queued(device: DeviceRef, gatewayClientId: string): Promise<RegistrationFailure | undefined> {
    let queue = this.queues.get(gatewayClientId);
    if (!queue) {
      queue = new PendingQueue(this.options.maxPending, (running) => {
        this.peakPending = Math.max(this.peakPending, running);
      });
      this.queues.set(gatewayClientId, queue);
    }
    return queue.run(() => this.register(device, gatewayClientId));
  }

  private async register(device: DeviceRef, gatewayClientId: string): Promise<RegistrationFailure | undefined> {
    if (this.options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    const key = deviceKey(device);
    const failures = this.injectedFailures.get(key) ?? 0;
    if (failures > 0) {
      this.injectedFailures.set(key, failures - 1);
      this.failedUntil.set(key, monotonicNow() + this.options.retryAfterMs);
      await this.shared?.refuse(key, this.options.retryAfterMs);
      return 'registration-failed';
    }
    const registered = { ...device, registeredAt: isoTime(Date.now()), registeredBy: gatewayClientId };
    const outcome = this.shared ? await this.shared.register(key, registered, this.options.maxOrgDevices) : registered;
    if (outcome === 'org-device-limit') return outcome;
    this.devices.set(key, outcome);
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
