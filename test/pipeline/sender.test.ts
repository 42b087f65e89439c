import { BehaviorSubject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Admission } from '../../src/pipeline/admission.js';
import { Sender, type SenderSession } from '../../src/pipeline/sender.js';
import { TokenBucket } from '../../src/pipeline/token-bucket.js';
import type { SessionStatus } from '../../src/session/gateway-session.js';
import { SqliteQueue } from '../../src/store/sqlite-queue.js';

interface Sent {
  topic: string;
  payload: string;
  qos: 0 | 1;
  done: (error?: Error) => void;
}

/** A session whose connection and PUBACKs the test controls. */
class FakeSession implements SenderSession {
  readonly status = new BehaviorSubject<SessionStatus>({ state: 'connecting', at: 0 });
  readonly status$ = this.status.asObservable();
  readonly sent: Sent[] = [];
  send(topic: string, payload: string, qos: 0 | 1, done: (error?: Error) => void): void {
    this.sent.push({ topic, payload, qos, done });
  }
  online(): void {
    this.status.next({ state: 'online', at: Date.now() });
  }
  /** Drops the connection: every unacknowledged send fails, as the session does on 'close'. */
  drop(): void {
    for (const sent of this.sent.splice(0)) sent.done(new Error('connection closed'));
    this.status.next({ state: 'offline', at: Date.now() });
  }
  /** Acknowledges the oldest `count` sends. */
  ack(count = this.sent.length): string[] {
    const acked = this.sent.splice(0, count);
    for (const sent of acked) sent.done();
    return acked.map((sent) => sent.payload);
  }
}

const queues: SqliteQueue[] = [];
const senders: Sender[] = [];
afterEach(() => {
  for (const sender of senders.splice(0)) sender.stop();
  for (const queue of queues.splice(0)) queue.close();
});

const KNOWN = ['sensor/a', 'sensor/b'];

function setup(options: { maxInflight?: number; maxRatePerSecond?: number; known?: string[] } = {}) {
  const queue = new SqliteQueue({
    file: ':memory:',
    identity: 'abc123/rpi/gw1',
    maxBytes: 16 * 1024 * 1024,
    maxAgeMs: 3_600_000,
    fullPolicy: 'drop-oldest',
    commitIntervalMs: 50,
    commitBatch: 1000,
    synchronous: 'normal',
    logger: silentLogger(),
  });
  queues.push(queue);
  for (const device of options.known ?? KNOWN) queue.rememberDevice(device, true);
  const admission = new Admission('rpi/gw1', queue, {}, silentLogger());
  const session = new FakeSession();
  const sender = new Sender(
    queue,
    admission,
    session,
    { maxInflight: options.maxInflight ?? 4, maxRatePerSecond: options.maxRatePerSecond ?? Number.POSITIVE_INFINITY },
    silentLogger(),
  );
  senders.push(sender);
  const accept = (device: string, n: number, qos: 0 | 1 = 1) =>
    sender.accept(`sensor/${device}`, `iot-2/type/sensor/id/${device}/evt/e/fmt/json`, `${device}${n}`, qos, Date.now());
  return { queue, admission, session, sender, accept };
}

describe('Sender', () => {
  it('keeps at most maxInflight publishes awaiting PUBACK; the rest wait in the queue, in order', () => {
    const { session, accept, queue } = setup({ maxInflight: 4 });
    session.online();
    for (let n = 0; n < 10; n++) accept('a', n);
    expect(session.sent.map((s) => s.payload)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(session.ack(2)).toEqual(['a0', 'a1']);
    expect(session.sent.map((s) => s.payload)).toEqual(['a2', 'a3', 'a4', 'a5']);
    expect(session.ack()).toEqual(['a2', 'a3', 'a4', 'a5']);
    expect(session.ack()).toEqual(['a6', 'a7', 'a8', 'a9']);
    queue.commit();
    expect(queue.stats().depth).toBe(0);
  });

  it('queues everything while offline and sends it oldest first, per device in order, once online', () => {
    const { session, accept } = setup({ maxInflight: 100 });
    for (let n = 0; n < 3; n++) {
      accept('a', n);
      accept('b', n);
    }
    expect(session.sent).toEqual([]);
    session.online();
    expect(session.ack()).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  });

  it('sends what the connection cut again, in its place, after the next connection', () => {
    const { session, accept, sender } = setup({ maxInflight: 3 });
    session.online();
    for (let n = 0; n < 5; n++) accept('a', n);
    session.ack(1);
    session.drop();
    accept('a', 5);
    expect(session.sent).toEqual([]);
    session.online();
    expect(session.ack()).toEqual(['a1', 'a2', 'a3']);
    expect(session.ack()).toEqual(['a4', 'a5']);
    expect(sender.stats.interrupted).toBe(3);
  });

  it('drops QoS 0 events while offline, counted, and never queues them', () => {
    const { session, accept, sender, queue } = setup();
    accept('a', 0, 0);
    expect(sender.stats.qos0Dropped).toBe(1);
    expect(queue.stats().depth).toBe(0);
    session.online();
    accept('a', 1, 0);
    expect(session.sent.map((s) => [s.payload, s.qos])).toEqual([['a1', 0]]);
  });

  it('registers a new device with a QoS 1 probe even when its events are QoS 0', () => {
    const { session, accept } = setup({ known: [] });
    session.online();
    accept('new', 0, 0);
    accept('new', 1, 0);
    expect(session.sent.map((s) => [s.payload, s.qos])).toEqual([['new0', 1]]);
  });

  it('refuses a payload over 131072 bytes before queueing it', () => {
    const { accept, sender, queue } = setup();
    const reason = sender.accept('sensor/a', 't', 'x'.repeat(131_073), 1, Date.now());
    expect(reason).toMatch(/131073 bytes exceeds/);
    expect(queue.stats().depth).toBe(0);
    expect(accept('a', 1)).toBeUndefined();
  });

  it('keeps within maxRatePerSecond: events above the rate wait in the queue', () => {
    const { session, accept } = setup({ maxInflight: 100, maxRatePerSecond: 5 });
    session.online();
    for (let n = 0; n < 20; n++) accept('a', n);
    expect(session.sent.length).toBe(5);
  });

  it('drain resolves once nothing is in flight, or after its time', async () => {
    const { session, accept, sender } = setup();
    session.online();
    accept('a', 0);
    await expect(sender.drain(20)).resolves.toBe(false);
    const drained = sender.drain(5000);
    session.ack();
    await expect(drained).resolves.toBe(true);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then one message per 1/rate seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    expect([bucket.ready(), bucket.take(), bucket.ready(), bucket.take(), bucket.ready()]).toEqual([
      true,
      undefined,
      true,
      undefined,
      false,
    ]);
    expect(bucket.msUntilReady()).toBe(100);
    now = 100;
    expect(bucket.ready()).toBe(true);
  });

  it('never waits when unlimited', () => {
    const bucket = new TokenBucket(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) bucket.take();
    expect(bucket.ready()).toBe(true);
  });
});
