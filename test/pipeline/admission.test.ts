import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Admission, MAX_KNOWN_DEVICES } from '../../src/pipeline/admission.js';
import type { AdmissionOptions, AdmissionQueue, AdmissionReport, Schedule } from '../../src/pipeline/admission-contract.js';

const GATEWAY = 'rpi/gw1';
const sensor = (n: number | string) => `sensor/s${n}`;

/** Timers the test advances by hand: admission's state transitions are pure functions of events and time. */
class ManualClock {
  now = 0;
  private timers: Array<{ at: number; action: () => void; cancelled: boolean }> = [];

  readonly schedule: Schedule = (ms, action) => {
    const timer = { at: this.now + ms, action, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.now = due.at;
      due.cancelled = true;
      due.action();
    }
    this.now = until;
  }
}

/** What admission asked of the queue. */
class QueueLog implements AdmissionQueue {
  readonly calls: string[] = [];
  constructor(
    private readonly known: string[] = [],
    private readonly retained: Array<{ device: string; since: number }> = [],
  ) {}
  retainedDevices() {
    return this.retained;
  }
  releaseRetained(device: string) {
    this.calls.push(`release ${device}`);
  }
  resetRetained(device: string) {
    this.calls.push(`reset ${device}`);
  }
  dropDevice(device: string) {
    this.calls.push(`drop ${device}`);
  }
  knownDevices() {
    return this.known;
  }
  rememberDevice(device: string, confirmed: boolean) {
    this.calls.push(`${confirmed ? 'remember' : 'forget'} ${device}`);
  }
}

function setup(
  options: Partial<AdmissionOptions> = {},
  known: string[] = [],
  retained: Array<{ device: string; since: number }> = [],
) {
  const clock = new ManualClock();
  const queue = new QueueLog(known, retained);
  const admission = new Admission(
    GATEWAY,
    queue,
    { confirmWindowMs: 1000, settleMs: 60_000, backoffMs: 30_000, backoffJitter: 0, ...options },
    silentLogger(),
    clock.schedule,
  );
  const released: string[] = [];
  admission.onRelease = (device) => released.push(device);
  const reports: AdmissionReport[] = [];
  admission.reports$.subscribe((report) => reports.push(report));
  let nextId = 1;
  /** Asks admission about a device's next event, as the sender does. */
  const offer = (device: string) => {
    const id = nextId++;
    return { id, decision: admission.decide(device, id) };
  };
  return { clock, queue, admission, released, reports, offer };
}

describe('Admission: pending registrations', () => {
  it('lets the gateway’s own events through and never counts the gateway', () => {
    const { admission, offer } = setup();
    expect(offer(GATEWAY).decision).toBe('send');
    expect(admission.delivered(GATEWAY, 1)).toBe('delete');
    expect(admission.stats().active).toBe(0);
  });

  it('registers at most 10 of 30 new devices at once, each with its first event as the probe, in arrival order', () => {
    const { admission, offer, released, clock } = setup();
    const first = Array.from({ length: 30 }, (_, i) => ({ device: sensor(i), ...offer(sensor(i)) }));
    expect(first.map((e) => e.decision)).toEqual([...Array(10).fill('probe'), ...Array(20).fill('wait')]);
    expect(admission.stats()).toMatchObject({ pending: 10, waiting: 20, peakPending: 10 });
    // The first probe is acknowledged: after the confirm window its slot goes to the next in line.
    expect(admission.delivered(sensor(0), first[0]!.id)).toBe('retain');
    clock.advance(999);
    expect(released).toEqual([sensor(0)]);
    clock.advance(1);
    expect(released).toEqual([sensor(0), sensor(10)]);
    expect(offer(sensor(10)).decision).toBe('probe');
    expect(admission.stats().peakPending).toBe(10);
  });

  it('holds a pending device’s later events until its probe is acknowledged, then lets them flow, kept in the queue', () => {
    const { admission, offer, released } = setup();
    const probe = offer(sensor(1));
    expect(offer(sensor(1)).decision).toBe('wait');
    expect(admission.delivered(sensor(1), probe.id)).toBe('retain');
    expect(released).toEqual([sensor(1)]);
    const later = offer(sensor(1));
    expect(later.decision).toBe('send');
    expect(admission.delivered(sensor(1), later.id)).toBe('retain');
    expect(admission.status(sensor(1))).toBe('pending');
  });

  it('after the settle time remembers the device and deletes its kept events', () => {
    const { admission, offer, clock, queue } = setup();
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    clock.advance(1000);
    expect(admission.status(sensor(1))).toBe('settling');
    clock.advance(60_000);
    expect(queue.calls).toEqual([`remember ${sensor(1)}`, `release ${sensor(1)}`]);
    expect(admission.status(sensor(1))).toBe('active');
    const next = offer(sensor(1));
    expect(next.decision).toBe('send');
    expect(admission.delivered(sensor(1), next.id)).toBe('delete');
  });

  it('after a restart lets a device that was settling settle for the rest of its time, sending nothing twice', () => {
    const { admission, offer, clock, queue } = setup({}, [], [{ device: sensor(1), since: Date.now() - 50_000 }]);
    expect(admission.status(sensor(1))).toBe('settling');
    const next = offer(sensor(1));
    expect(next.decision).toBe('send');
    expect(admission.delivered(sensor(1), next.id)).toBe('retain');
    clock.advance(9_000);
    expect(queue.calls).toEqual([]);
    clock.advance(2_000);
    expect(queue.calls).toEqual([`remember ${sensor(1)}`, `release ${sensor(1)}`]);
  });

  it('after a restart with the clock behind the kept events (a Pi with no real-time clock) settles them within settleMs', () => {
    const readLastRun = Date.now() + 56 * 365 * 86_400_000;
    const { admission, clock, queue } = setup({}, [], [{ device: sensor(1), since: readLastRun }]);
    expect(admission.status(sensor(1))).toBe('settling');
    clock.advance(59_000);
    expect(queue.calls).toEqual([]);
    clock.advance(2_000);
    expect(queue.calls).toEqual([`remember ${sensor(1)}`, `release ${sensor(1)}`]);
  });

  it('sends a probe again when the connection dropped before its PUBACK', () => {
    const { admission, offer } = setup();
    const probe = offer(sensor(1));
    admission.undelivered(sensor(1), probe.id);
    admission.connected();
    expect(offer(sensor(1)).decision).toBe('probe');
  });
});

describe('Admission: devices forgotten after a long silence', () => {
  it('frees a slot given to a device that never sent again (its events all gone), for the next in line', () => {
    const { admission, offer, released, clock } = setup();
    const offers = Array.from({ length: 12 }, (_, i) => offer(sensor(i)));
    admission.delivered(sensor(0), offers[0]!.id);
    clock.advance(1000);
    expect(released).toEqual([sensor(0), sensor(10)]);
    // sensor 10 has its slot but nothing left to send: before, the slot stayed taken for good.
    admission.forget(sensor(10));
    expect(released).toEqual([sensor(0), sensor(10), sensor(11)]);
    expect(admission.status(sensor(10))).toBe('unknown');
    expect(admission.stats()).toMatchObject({ pending: 10, waiting: 0 });
    // Back later: it queues again from the start.
    expect(offer(sensor(10)).decision).toBe('wait');
  });

  it('keeps a device with a probe out, confirming or settling (its events are in the queue)', () => {
    const { admission, offer, clock } = setup();
    const probe = offer(sensor(1));
    admission.forget(sensor(1));
    expect(admission.status(sensor(1))).toBe('pending');
    admission.delivered(sensor(1), probe.id);
    admission.forget(sensor(1));
    expect(admission.status(sensor(1))).toBe('pending');
    clock.advance(1000);
    admission.forget(sensor(1));
    expect(admission.status(sensor(1))).toBe('settling');
  });

  it('lets a waiting or backing-off device go, and its timer with it', () => {
    const { admission, offer, clock, released } = setup();
    for (let i = 0; i < 11; i++) offer(sensor(i));
    admission.forget(sensor(10));
    expect(admission.stats().waiting).toBe(0);
    admission.notified('registration-failed', sensor(0));
    expect(admission.status(sensor(0))).toBe('backoff');
    admission.forget(sensor(0));
    clock.advance(60_000);
    expect(admission.status(sensor(0))).toBe('unknown');
    expect(released).not.toContain(sensor(0));
  });
});

describe('Admission: devices remembered as confirmed', () => {
  it(`remembers at most ${MAX_KNOWN_DEVICES}, forgetting the longest confirmed first (it registers again if it speaks again)`, () => {
    const known = Array.from({ length: MAX_KNOWN_DEVICES }, (_, i) => `known/k${i}`);
    const { admission, offer, clock, queue } = setup({}, known);
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    clock.advance(1000 + 60_000);
    expect(queue.calls).toEqual([`remember ${sensor(1)}`, `release ${sensor(1)}`, 'forget known/k0']);
    expect(admission.stats().known).toBe(MAX_KNOWN_DEVICES);
    expect(admission.status(sensor(1))).toBe('active');
    expect(admission.status('known/k0')).toBe('unknown');
    expect(admission.status('known/k1')).toBe('active');
    expect(offer('known/k0').decision).toBe('probe');
  });
});

describe('Admission: registration failures', () => {
  it('backs a device off, makes its kept events undelivered, and lets it register again first in line', () => {
    const { admission, offer, clock, queue, released, reports } = setup({ maxPending: 1 });
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    const inFlight = offer(sensor(1));
    expect(offer(sensor(2)).decision).toBe('wait');
    admission.notified('registration-failed', sensor(1));
    expect(queue.calls).toContain(`reset ${sensor(1)}`);
    expect(reports).toEqual([expect.objectContaining({ kind: 'registration-failed', device: sensor(1) })]);
    // An event acknowledged after the failure was dropped by the service: it stays to go again.
    expect(admission.delivered(sensor(1), inFlight.id)).toBe('keep');
    // Its slot went to the next device meanwhile.
    expect(released).toEqual([sensor(1), sensor(2)]);
    expect(offer(sensor(1)).decision).toBe('wait');
    const probe2 = offer(sensor(2));
    admission.delivered(sensor(2), probe2.id);
    clock.advance(1000);
    clock.advance(29_000);
    expect(released.at(-1)).toBe(sensor(1));
    expect(offer(sensor(1)).decision).toBe('probe');
  });

  it('resends a device’s events when the failure arrives after the confirm window, within the settle time', () => {
    const { admission, offer, clock, queue } = setup();
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    clock.advance(5000);
    expect(admission.status(sensor(1))).toBe('settling');
    admission.notified('registration-failed', sensor(1));
    expect(queue.calls).toEqual([`reset ${sensor(1)}`]);
    expect(admission.status(sensor(1))).toBe('backoff');
  });

  it('forgets a known device whose registration failed later', () => {
    const { admission, queue } = setup({}, [sensor(1)]);
    admission.notified('registration-failed', sensor(1));
    expect(queue.calls).toEqual([`forget ${sensor(1)}`, `reset ${sensor(1)}`]);
  });

  it('adds up to backoffJitter of the back-off at random', () => {
    const { admission, offer, clock, released } = setup({ backoffJitter: 0.5, random: () => 1 });
    offer(sensor(1));
    admission.notified('registration-failed', sensor(1));
    clock.advance(44_999);
    expect(released).toEqual([]);
    clock.advance(1);
    expect(released).toEqual([sensor(1)]);
  });

  it('refuses a device with an invalid id for good: its queued events are dropped, later ones too', () => {
    const { admission, offer, queue, reports } = setup();
    offer(sensor(1));
    admission.notified('invalid-device-id', sensor(1));
    expect(queue.calls).toEqual([`drop ${sensor(1)}`]);
    expect(offer(sensor(1)).decision).toBe('drop');
    expect(reports.map((r) => r.kind)).toEqual(['refused']);
  });
});

describe('Admission: the active-device limit', () => {
  it('holds the 501st device, reports it once, and lets it in on the next connection', () => {
    const known = Array.from({ length: 501 }, (_, i) => sensor(i));
    const { admission, offer, reports, released } = setup({}, known);
    const decisions = known.map((device) => offer(device).decision);
    expect(decisions.filter((d) => d === 'send')).toHaveLength(500);
    expect(decisions[500]).toBe('wait');
    expect(offer(sensor(500)).decision).toBe('wait');
    expect(reports.filter((r) => r.kind === 'device-limit')).toHaveLength(1);
    admission.connected();
    expect(admission.stats().active).toBe(0);
    expect(offer(sensor(500)).decision).toBe('send');
    expect(released).toEqual([]);
  });

  it('lets 500 known devices flow at once after a restart, with no registration and no pending slot', () => {
    const known = Array.from({ length: 500 }, (_, i) => sensor(i));
    const { admission, offer } = setup({}, known);
    expect(known.every((device) => offer(device).decision === 'send')).toBe(true);
    expect(admission.stats()).toMatchObject({ active: 500, pending: 0, peakPending: 0, known: 500 });
  });

  it('keeps the cap exact for new devices: reserved pending slots count before their probes go', () => {
    const { admission, offer, clock } = setup({ maxActive: 12, maxPending: 10 });
    const probes = Array.from({ length: 14 }, (_, i) => offer(sensor(i)));
    expect(probes.filter((p) => p.decision === 'probe')).toHaveLength(10);
    for (const [i, probe] of probes.slice(0, 10).entries()) admission.delivered(sensor(i), probe.id);
    clock.advance(1000);
    const late = [offer(sensor(10)), offer(sensor(11))];
    expect(late.map((p) => p.decision)).toEqual(['probe', 'probe']);
    expect(admission.stats()).toMatchObject({ active: 12, pending: 2, waiting: 2 });
    // Full only once no registration is pending (one could still fail and free room).
    for (const [i, probe] of late.entries()) admission.delivered(sensor(10 + i), probe.id);
    clock.advance(1000);
    expect(admission.stats()).toMatchObject({ active: 12, pending: 0, waiting: 0, limited: 2 });
    admission.connected();
    expect(admission.stats()).toMatchObject({ active: 0, limited: 0 });
  });

  it('treats a gateway-device-limit notification as the cap until the next connection', () => {
    const { admission, offer } = setup();
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    admission.notified('gateway-device-limit', sensor(2));
    expect(offer(sensor(3)).decision).toBe('wait');
    expect(admission.status(sensor(3))).toBe('limited');
    admission.connected();
    expect(admission.status(sensor(3))).toBe('pending');
  });
});

describe('Admission: close', () => {
  it('cancels its timers: nothing happens after close', () => {
    const { admission, offer, clock, queue } = setup();
    const probe = offer(sensor(1));
    admission.delivered(sensor(1), probe.id);
    admission.close();
    clock.advance(120_000);
    expect(queue.calls).toEqual([]);
  });
});
