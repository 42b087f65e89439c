import { BehaviorSubject, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Admission, type AdmissionOptions, type AdmissionReport } from '../../src/pipeline/admission.js';
import { EventDroppedError } from '../../src/pipeline/registration-queue.js';
import type { DeviceRef } from '../../src/protocol/ids.js';
import {
  buildNotification,
  type GatewayNotification,
  type NotificationReason,
  parseNotification,
} from '../../src/protocol/notification.js';
import type { EventPayload, PublishOptions, SessionStatus } from '../../src/session/gateway-session.js';

interface Sent {
  device: string;
  eventId: string;
  payload: string;
  qos: 0 | 1 | undefined;
  ack(): void;
  fail(error: Error): void;
}

/** A session whose PUBACKs, notifications and reconnects the test controls. */
class FakeSession {
  readonly gateway = { typeId: 'rpi', deviceId: 'gw1' };
  readonly notes = new Subject<GatewayNotification>();
  readonly status = new BehaviorSubject<SessionStatus>({ state: 'online', at: 0 });
  readonly notifications$ = this.notes.asObservable();
  readonly status$ = this.status.asObservable();
  readonly sent: Sent[] = [];
  autoAck = true;

  publishEvent(device: DeviceRef, eventId: string, _format: string, payload: EventPayload, options: PublishOptions = {}) {
    if (eventId === 'throws') throw new Error('thrown by the session');
    return new Promise<void>((resolve, reject) => {
      const entry = { device: device.deviceId, eventId, payload: String(payload), qos: options.qos, ack: resolve, fail: reject };
      this.sent.push(entry);
      if (eventId === 'bad') reject(new Error('eventId refused before sending'));
      else if (this.autoAck) resolve();
    });
  }

  notify(device: string, reason: Exclude<NotificationReason, 'unknown'>): void {
    const message = buildNotification({
      request: 'publish',
      time: new Date(),
      topic: `iot-2/type/sensor/id/${device}/evt/e/fmt/json`,
      typeId: 'sensor',
      deviceId: device,
      clientId: 'g:abc123:rpi:gw1',
      reason,
    });
    const parsed = parseNotification(JSON.stringify(message));
    if (!parsed.ok) throw new Error(parsed.reason);
    this.notes.next(parsed.value);
  }

  reconnect(): void {
    this.status.next({ state: 'offline', at: Date.now(), reason: 'test' });
    this.status.next({ state: 'connecting', at: Date.now() });
    this.status.next({ state: 'online', at: Date.now() });
  }

  /** Acknowledges everything not yet acknowledged. */
  ackAll(): void {
    for (const sent of this.sent) sent.ack();
  }

  /** Device ids of the sends, in order. */
  devices(): string[] {
    return this.sent.map((sent) => sent.device);
  }
}

const sensor = (deviceId: string): DeviceRef => ({ typeId: 'sensor', deviceId });
let session: FakeSession;
let admission: Admission;
let reports: AdmissionReport[];

function start(options: Partial<AdmissionOptions> = {}): Admission {
  admission = new Admission(session, { random: () => 0, ...options }, silentLogger());
  admission.reports$.subscribe((report) => reports.push(report));
  return admission;
}

/** Publishes through admission; a rejection left unawaited (held at close) is not an unhandled one. */
function publish(deviceId: string, payload = '{}', qos: 0 | 1 = 0, eventId = 'e'): Promise<void> {
  const sent = admission.publishEvent(sensor(deviceId), eventId, 'json', payload, { qos });
  sent.catch(() => undefined);
  return sent;
}

/** Runs PUBACKs and confirm windows until no device is pending any more. */
async function settle(windowMs = 1000): Promise<void> {
  for (let round = 0; round < 100 && admission.stats().pending > 0; round++) {
    session.ackAll();
    await vi.advanceTimersByTimeAsync(windowMs);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  session = new FakeSession();
  reports = [];
});

afterEach(() => {
  admission?.close();
  vi.useRealTimers();
});

describe('Admission: pending registrations', () => {
  it('sends the gateway’s own events straight through and never counts the gateway', async () => {
    start();
    await admission.publishEvent(session.gateway, 'status', 'json', '{}', { qos: 0 });
    expect(session.sent).toMatchObject([{ device: 'gw1', qos: 0 }]);
    expect(admission.status(session.gateway)).toBe('gateway');
    expect(admission.stats()).toMatchObject({ active: 0, pending: 0 });
  });

  it('keeps at most 10 of 30 new devices pending and sends their first events at QoS 1 in arrival order', async () => {
    start();
    session.autoAck = false;
    const sent = Array.from({ length: 30 }, (_, i) => publish(`d${i}`));
    let mostInFlight = 0;
    for (let round = 0; round < 10 && admission.stats().active < 30; round++) {
      mostInFlight = Math.max(mostInFlight, admission.stats().pending);
      expect(admission.stats().pending + admission.stats().waiting + admission.stats().active).toBe(30);
      session.ackAll();
      await vi.advanceTimersByTimeAsync(1000);
    }
    await Promise.all(sent);
    expect(mostInFlight).toBe(10);
    expect(admission.stats()).toMatchObject({ active: 30, pending: 0, waiting: 0, peakPending: 10 });
    expect(session.devices()).toEqual(Array.from({ length: 30 }, (_, i) => `d${i}`));
    expect(session.sent.every((s) => s.qos === 1)).toBe(true);
  });

  it('holds later events of a pending device until the PUBACK plus the confirm window, then sends them in order', async () => {
    start({ confirmWindowMs: 500 });
    session.autoAck = false;
    const events = [publish('d1', '1'), publish('d1', '2'), publish('d1', '3')];
    expect(session.sent.map((s) => s.payload)).toEqual(['1']);
    session.ackAll();
    await vi.advanceTimersByTimeAsync(499);
    expect(admission.status(sensor('d1'))).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(session.sent.map((s) => [s.payload, s.qos])).toEqual([
      ['1', 1],
      ['2', 0],
      ['3', 0],
    ]);
    session.ackAll();
    await Promise.all(events);
    // An active device goes straight to the session, synchronously.
    void publish('d1', '4');
    expect(session.sent.at(-1)?.payload).toBe('4');
    expect(admission.status(sensor('d1'))).toBe('active');
  });

  it('rejects a first event the session refuses and registers the device with its next held event', async () => {
    start();
    const bad = publish('d1', '1', 0, 'bad');
    const good = publish('d1', '2');
    await expect(bad).rejects.toThrow(/refused before sending/);
    await settle();
    await good;
    expect(session.sent.map((s) => [s.payload, s.qos])).toEqual([
      ['1', 1],
      ['2', 1],
    ]);
  });

  it('turns a session that throws into a rejected promise, never a throw', async () => {
    start();
    const first = publish('d1');
    await settle();
    await first;
    await expect(admission.publishEvent(sensor('d1'), 'throws', 'json', '{}', { qos: 0 })).rejects.toThrow(/thrown/);
  });
});

describe('Admission: the active-device limit', () => {
  it('holds the 501st device, reports it once, and admits it with its held events after a reconnect', async () => {
    start({ confirmWindowMs: 10 });
    const first = Array.from({ length: 501 }, (_, i) => publish(`d${i}`, `first-${i}`));
    await settle(10);
    expect(admission.stats()).toMatchObject({ active: 500, limited: 1, deviceLimitReports: 1 });
    expect(admission.status(sensor('d500'))).toBe('limited');
    void publish('d500', 'second-500');
    expect(reports.filter((r) => r.kind === 'device-limit')).toEqual([
      { kind: 'device-limit', device: sensor('d500'), active: 500 },
    ]);
    expect(session.devices()).not.toContain('d500');
    // Devices already active are not slowed down.
    void publish('d7', 'again');
    expect(session.sent.at(-1)).toMatchObject({ device: 'd7', payload: 'again' });

    session.reconnect();
    await settle(10);
    await Promise.all(first);
    expect(session.sent.filter((s) => s.device === 'd500').map((s) => s.payload)).toEqual(['first-500', 'second-500']);
    expect(admission.stats()).toMatchObject({ active: 1, limited: 0 });
  });

  it('after a reconnect lets a device confirmed before take a slot at once, without a registration', async () => {
    start();
    const first = publish('d1');
    await settle();
    await first;
    session.reconnect();
    expect(admission.stats().active).toBe(0);
    void publish('d1', 'back', 0);
    expect(session.sent.at(-1)).toMatchObject({ device: 'd1', payload: 'back', qos: 0 });
    expect(admission.stats()).toMatchObject({ active: 1, pending: 0 });
  });

  it('treats a gateway-device-limit notification as the cap: new devices wait for the next connection', async () => {
    start();
    const d1 = publish('d1', '1');
    session.notify('d1', 'gateway-device-limit');
    const d2 = publish('d2', '2');
    expect(admission.status(sensor('d1'))).toBe('limited');
    expect(admission.status(sensor('d2'))).toBe('limited');
    session.reconnect();
    await settle();
    await Promise.all([d1, d2]);
    expect(session.sent.map((s) => s.payload)).toEqual(['1', '1', '2']);
  });

  it('release frees a slot: the device held over the limit gets its turn', async () => {
    start({ maxActive: 2 });
    await Promise.all([publish('d1'), publish('d2'), settle()]);
    const third = publish('d3', '3');
    expect(admission.status(sensor('d3'))).toBe('limited');
    admission.release(sensor('d1'));
    await settle();
    await third;
    expect(admission.status(sensor('d3'))).toBe('active');
    expect(admission.status(sensor('d1'))).toBe('unknown');
  });
});

describe('Admission: failure notifications', () => {
  it('backs a device off after registration-failed, then resends the failed first event and the held ones', async () => {
    start({ backoffMs: 30_000 });
    session.autoAck = false;
    const events = [publish('d1', '1')];
    session.notify('d1', 'registration-failed');
    session.ackAll();
    events.push(publish('d1', '2'), publish('d1', '3'));
    expect(admission.status(sensor('d1'))).toBe('backoff');
    expect(reports).toEqual([
      { kind: 'registration-failed', device: sensor('d1'), reason: 'registration-failed', retryAt: Date.now() + 30_000 },
    ]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(session.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(session.sent.map((s) => [s.payload, s.qos])).toEqual([
      ['1', 1],
      ['1', 1],
    ]);
    await settle();
    session.ackAll();
    await Promise.all(events);
    expect(session.sent.map((s) => s.payload)).toEqual(['1', '1', '2', '3']);
    expect(admission.stats()).toMatchObject({ active: 1, registrationFailures: 1, dropped: 0 });
  });

  it('counts a failure notification that arrives after the PUBACK but within the confirm window', async () => {
    start({ confirmWindowMs: 1000, backoffMs: 500 });
    const first = publish('d1', '1');
    await vi.advanceTimersByTimeAsync(900);
    session.notify('d1', 'registration-failed');
    // The window of the failed attempt ends at 1000 ms and must not make the device active.
    await vi.advanceTimersByTimeAsync(200);
    expect(admission.status(sensor('d1'))).toBe('backoff');
    await vi.advanceTimersByTimeAsync(300);
    expect(admission.status(sensor('d1'))).toBe('pending');
    await settle();
    await first;
    expect(session.sent.map((s) => s.payload)).toEqual(['1', '1']);
  });

  it('adds up to backoffJitter of the back-off at random', () => {
    start({ backoffMs: 1000, backoffJitter: 0.5, random: () => 1 });
    void publish('d1');
    session.notify('d1', 'registration-failed');
    expect(reports[0]).toMatchObject({ kind: 'registration-failed', retryAt: Date.now() + 1500 });
  });

  it('refuses a device with an invalid id for good: drops what it held and what comes later, and reports it', async () => {
    start();
    session.autoAck = false;
    const held = [publish('d1', '1'), publish('d1', '2')];
    session.notify('d1', 'invalid-device-id');
    for (const event of held) await expect(event).rejects.toBeInstanceOf(EventDroppedError);
    await expect(publish('d1', '3')).rejects.toMatchObject({ reason: 'refused' });
    expect(admission.status(sensor('d1'))).toBe('refused');
    expect(reports).toEqual([
      { kind: 'refused', device: sensor('d1'), reason: 'invalid-device-id' },
      { kind: 'dropped', device: sensor('d1'), count: 2, reason: 'refused' },
      { kind: 'dropped', device: sensor('d1'), count: 1, reason: 'refused' },
    ]);
    expect(admission.stats()).toMatchObject({ dropped: 3, pending: 0 });
  });

  it('drops the oldest held event when a device’s buffer is full, counting and reporting it', async () => {
    start({ maxHeldPerDevice: 2 });
    session.autoAck = false;
    const first = publish('d1', '1');
    const oldest = publish('d1', '2');
    const kept = [publish('d1', '3'), publish('d1', '4')];
    await expect(oldest).rejects.toMatchObject({ reason: 'buffer-full' });
    expect(reports).toEqual([{ kind: 'dropped', device: sensor('d1'), count: 1, reason: 'buffer-full' }]);
    expect(admission.stats()).toMatchObject({ dropped: 1, heldEvents: 3 });
    await settle();
    session.ackAll();
    await Promise.all([first, ...kept]);
    expect(session.sent.map((s) => s.payload)).toEqual(['1', '3', '4']);
  });
});

describe('Admission: close', () => {
  it('rejects held events, stops its timers and leaves the session’s streams', async () => {
    start();
    session.autoAck = false;
    const pending = publish('d1', '1');
    const backingOff = publish('d2', '1');
    session.notify('d2', 'registration-failed');
    let completed = false;
    admission.reports$.subscribe({ complete: () => (completed = true) });
    admission.close();
    await expect(pending).rejects.toMatchObject({ reason: 'closed' });
    await expect(backingOff).rejects.toMatchObject({ reason: 'closed' });
    await expect(publish('d3')).rejects.toMatchObject({ reason: 'closed' });
    expect(vi.getTimerCount()).toBe(0);
    expect(session.notes.observed).toBe(false);
    expect(session.status.observed).toBe(false);
    expect(completed).toBe(true);
  });
});
