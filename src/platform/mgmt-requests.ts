import { randomUUID } from 'node:crypto';
import type { DeviceRef } from '../protocol/ids.js';

/** One device's outcome of a request: status 0 pending, 1 complete, 2 failed (rc not 2xx, or no answer). */
export interface DeviceStatus extends DeviceRef {
  status: 0 | 1 | 2;
  rc?: number;
  message?: string;
  /** Set when the device gave no answer: how long the platform waited for it. */
  timedOutAfterMs?: number;
}

/** How many requests the REST API keeps, and for how long once every device has answered. */
export interface MgmtRequestLimits {
  /** Requests kept at most; when all of them still run, a new one is refused. */
  maxRequests: number;
  /** How long a finished request's status stays readable. */
  retainMs: number;
}

/** Defaults: room for 1000 requests, results readable for 5 minutes after the last device answered. */
export const DEFAULT_MGMT_REQUEST_LIMITS: MgmtRequestLimits = { maxRequests: 1000, retainMs: 5 * 60_000 };

interface Entry {
  statuses: DeviceStatus[];
  expiry?: NodeJS.Timeout;
}

/**
 * The REST API's device management requests by id, bounded: a finished request (every device answered or timed
 * out) is removed `retainMs` later; when full, the oldest finished one makes room.
 */
export class MgmtRequestStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: MgmtRequestLimits = DEFAULT_MGMT_REQUEST_LIMITS) {}

  /** Requests held now, running or finished. */
  get size(): number {
    return this.entries.size;
  }

  /** Opens a request for these devices (all pending); undefined when the store is full of running requests. */
  open(devices: readonly DeviceRef[]): { reqId: string; statuses: DeviceStatus[] } | undefined {
    if (this.entries.size >= this.limits.maxRequests && !this.evictOldestFinished()) return undefined;
    const reqId = randomUUID();
    const statuses: DeviceStatus[] = devices.map((d) => ({ typeId: d.typeId, deviceId: d.deviceId, status: 0 }));
    this.entries.set(reqId, { statuses });
    return { reqId, statuses };
  }

  /** Records one device's outcome; once every device has one, the request expires after `retainMs`. */
  settle(reqId: string, status: DeviceStatus, outcome: Omit<DeviceStatus, keyof DeviceRef>): void {
    Object.assign(status, outcome);
    const entry = this.entries.get(reqId);
    if (!entry || !isFinished(entry) || entry.expiry) return;
    entry.expiry = setTimeout(() => this.entries.delete(reqId), this.limits.retainMs);
    // A result nobody reads must not keep the process alive.
    entry.expiry.unref();
  }

  /** The per-device statuses of a request, and whether all are final. */
  get(reqId: string): { results: DeviceStatus[]; complete: boolean } | undefined {
    const entry = this.entries.get(reqId);
    return entry ? { results: entry.statuses, complete: isFinished(entry) } : undefined;
  }

  /** Forgets everything and stops the expiry timers. */
  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.expiry);
    this.entries.clear();
  }

  private evictOldestFinished(): boolean {
    for (const [reqId, entry] of this.entries) {
      if (!isFinished(entry)) continue;
      clearTimeout(entry.expiry);
      this.entries.delete(reqId);
      return true;
    }
    return false;
  }
}

function isFinished(entry: Entry): boolean {
  return entry.statuses.every((status) => status.status !== 0);
}
