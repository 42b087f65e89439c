import { MAX_ACTIVE_DEVICES, MAX_PENDING_REGISTRATIONS } from '../protocol/limits.js';
import type { NotificationReason } from '../protocol/notification.js';

// What admission decides and reports, the settings it runs with and what it needs of the queue: the contract
// between Admission (the state machine, admission.ts), the sender, the durable queue and the gateway view.

/** Settings for the gateway's own auto-registration limits (seed: Gateway auto-registration). */
export interface AdmissionOptions {
  /** New devices pending registration at once (the service allows 10). */
  maxPending: number;
  /** Devices active on one connection (the service allows 500 and counts from zero on every connection). */
  maxActive: number;
  /** After the PUBACK of a new device's first event, how long it holds its pending slot (a failure may still come). */
  confirmWindowMs: number;
  /**
   * How long a newly registered device's delivered events stay in the queue: a `registration-failed`
   * notification within this time sends them all again after the back-off. After it the device is known.
   */
  settleMs: number;
  /** Wait after a failed registration before trying again (the service refuses the device meanwhile). */
  backoffMs: number;
  /** Up to this fraction of `backoffMs` is added at random, so devices do not retry in lock-step. */
  backoffJitter: number;
  /** Source of randomness for the jitter (tests pin it). */
  random: () => number;
}

/** Defaults: the service's documented limits, a 1 s confirm window, a 60 s settle time and a 30 s back-off. */
export const DEFAULT_ADMISSION: AdmissionOptions = {
  maxPending: MAX_PENDING_REGISTRATIONS,
  maxActive: MAX_ACTIVE_DEVICES,
  confirmWindowMs: 1000,
  settleMs: 60_000,
  backoffMs: 30_000,
  backoffJitter: 0.2,
  random: Math.random,
};

/** What the sender may do with a device's next event. */
export type AdmissionDecision = 'send' | 'probe' | 'wait' | 'drop';

/** What the queue does with an event the service acknowledged. */
export type DeliveryOutcome = 'delete' | 'retain' | 'keep';

/** Where a device stands. `active` covers known devices and newly registered ones. */
export type AdmissionState =
  | 'gateway'
  | 'active'
  | 'waiting'
  | 'pending'
  | 'settling'
  | 'backoff'
  | 'limited'
  | 'refused'
  | 'unknown';

/** Something admission did that an operator should hear about. */
export type AdmissionReport =
  | { kind: 'device-limit'; device: string; active: number }
  | { kind: 'registration-failed'; device: string; reason: NotificationReason; retryAt: number }
  | { kind: 'refused'; device: string; reason: NotificationReason };

/** Devices per state and counters. */
export interface AdmissionStats {
  /** Devices counted on the current connection (the service's 500). */
  active: number;
  known: number;
  waiting: number;
  pending: number;
  settling: number;
  backoff: number;
  limited: number;
  refused: number;
  peakPending: number;
  deviceLimitReports: number;
  registrationFailures: number;
}

/** The queue operations admission needs (the durable queue implements them). */
export interface AdmissionQueue {
  /** Deletes a device's delivered-but-kept events: its registration is confirmed. */
  releaseRetained(device: string): void;
  /** Makes them undelivered again: its registration failed. */
  resetRetained(device: string): void;
  /** Drops everything queued for a device the service refused for good. */
  dropDevice(device: string): void;
  /** Devices the service confirmed, the longest confirmed first. */
  knownDevices(): string[];
  rememberDevice(device: string, confirmed: boolean): void;
  /** Devices whose delivered events are kept, and since when (the gateway stopped while they settled). */
  retainedDevices(): Array<{ device: string; since: number }>;
}

/** Runs `action` after `ms`; returns a cancel function. Injected so tests drive time. */
export type Schedule = (ms: number, action: () => void) => () => void;
