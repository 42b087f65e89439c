import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Admission } from '../../src/pipeline/admission.js';
import type { AdmissionOptions, AdmissionReport } from '../../src/pipeline/admission-contract.js';
import { Sender } from '../../src/pipeline/sender.js';
import type { EmbeddedPlatform, SentNotification } from '../../src/platform/platform.js';
import type { DeviceRef } from '../../src/protocol/ids.js';
import { buildNotification } from '../../src/protocol/notification.js';
import { notifyTopic } from '../../src/protocol/topics.js';
import { GatewaySession } from '../../src/session/gateway-session.js';
import { SqliteQueue } from '../../src/store/sqlite-queue.js';
import { connectApplication, connectRawGateway, GATEWAY, messages$, ORG, startPlatform } from '../support/platform.js';
import { nextMatching, until } from '../support/wait.js';

let platform: EmbeddedPlatform | undefined;
const admissions: Admission[] = [];
const senders: Sender[] = [];
const queues: SqliteQueue[] = [];
const sessions: GatewaySession[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const sender of senders.splice(0)) sender.stop();
  for (const admission of admissions.splice(0)) admission.close();
  for (const queue of queues.splice(0)) queue.close();
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
});

const sensor = (deviceId: string): DeviceRef => ({ typeId: 'sensor', deviceId });

/** An application client subscribed to every event; `arrivals` lists them as "deviceId:payload", in order. */
async function application() {
  const app = await connectApplication(platform!.url());
  clients.push(app);
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const arrivals: string[] = [];
  app.on('message', (topic, payload) => arrivals.push(`${topic.split('/')[4]}:${payload.toString()}`));
  return { app, arrivals };
}

/** Waits until the session hears its notify topic: it subscribes after CONNACK without waiting for the SUBACK. */
async function notificationsFlowing(session: GatewaySession): Promise<void> {
  const heard = nextMatching(session.notifications$, (n) => n.deviceId === GATEWAY.deviceId, 5000);
  const probe = buildNotification({
    request: 'publish',
    time: new Date(),
    topic: 'probe',
    typeId: GATEWAY.typeId,
    deviceId: GATEWAY.deviceId,
    clientId: session.clientId,
    reason: 'topic-not-allowed',
  });
  const ticker = setInterval(() => void platform!.publishInternal(notifyTopic(GATEWAY), JSON.stringify(probe), 0), 20);
  try {
    await heard;
  } finally {
    clearInterval(ticker);
  }
}

/** The real session on the platform's port, with the queue, admission and the sender in front of it. */
async function gateway(options: Partial<AdmissionOptions>, prepare?: (queue: SqliteQueue) => void) {
  const port = platform!.addresses.find((address) => address.protocol === 'mqtt')!.port;
  const session = new GatewaySession(
    {
      orgId: ORG,
      gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
      token: GATEWAY.token,
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      reconnect: { initialMs: 50, maxMs: 200 },
    },
    silentLogger(),
  );
  sessions.push(session);
  const queue = new SqliteQueue({
    file: ':memory:',
    identity: `${ORG}/${GATEWAY.typeId}/${GATEWAY.deviceId}`,
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 3_600_000,
    fullPolicy: 'drop-oldest',
    commitIntervalMs: 50,
    commitBatch: 1000,
    synchronous: 'normal',
    logger: silentLogger(),
  });
  queues.push(queue);
  prepare?.(queue);
  const admission = new Admission(`${GATEWAY.typeId}/${GATEWAY.deviceId}`, queue, options, silentLogger());
  admissions.push(admission);
  const sender = new Sender(queue, admission, session, { maxInflight: 64, maxRatePerSecond: Infinity }, silentLogger());
  senders.push(sender);
  session.notifications$.subscribe((note) => admission.notified(note.reason, `${note.typeId}/${note.deviceId}`));
  await session.start();
  await notificationsFlowing(session);
  const reports: AdmissionReport[] = [];
  admission.reports$.subscribe((report) => reports.push(report));
  /** Queues an event of a sensor at QoS 1, as the pipeline does. */
  const publish = (deviceId: string, payload: string) =>
    sender.accept(`sensor/${deviceId}`, `iot-2/type/sensor/id/${deviceId}/evt/e/fmt/json`, payload, 1, Date.now());
  return { session, admission, reports, publish, queue };
}

describe('Admission against the embedded platform', () => {
  it('keeps the platform at 10 pending registrations for 30 new devices at once, and delivers all 30', async () => {
    platform = await startPlatform({ registration: { maxPending: 100, delayMs: 200 } });
    const { arrivals } = await application();
    const { admission, publish } = await gateway({ confirmWindowMs: 100 });
    for (let i = 0; i < 30; i++) publish(`s${i}`, `${i}`);
    await until(() => arrivals.length === 30, 10_000, '30 events at the application');
    expect(platform.registry.pendingStats().peakPerGateway).toBeLessThanOrEqual(10);
    expect(admission.stats().peakPending).toBe(10);
    expect([...arrivals].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `s${i}:${i}`).sort());
    expect(platform.activeDevices(GATEWAY)).toBe(30);
  });

  it('holds the 501st device without sending it, and delivers its event after a reconnect', async () => {
    platform = await startPlatform();
    const refusals: SentNotification[] = [];
    platform.notifications$.subscribe((notification) => refusals.push(notification));
    const { app, arrivals } = await application();
    const { session, admission, reports, publish } = await gateway({ confirmWindowMs: 10 });
    for (let i = 0; i <= 500; i++) publish(`s${i}`, `${i}`);
    await until(() => reports.some((r) => r.kind === 'device-limit'), 15_000, 'the 501st device reported');
    await until(() => arrivals.length === 500, 5000, '500 events at the application');
    expect(reports).toEqual([{ kind: 'device-limit', device: 'sensor/s500', active: 500 }]);
    expect(admission.status('sensor/s500')).toBe('limited');
    expect(platform.activeDevices(GATEWAY)).toBe(500);
    // Nothing of s500 went out: the platform never had to refuse (and notify) anything.
    expect(arrivals.some((arrival) => arrival.startsWith('s500:'))).toBe(false);
    expect(refusals).toEqual([]);

    const admitted = nextMatching(messages$(app), (m) => m.topic.includes('/id/s500/'), 10_000);
    const offline = nextMatching(session.status$, (status) => status.state === 'offline');
    // Another client with the gateway's id takes the connection over; the session reconnects and takes it back.
    clients.push(await connectRawGateway(platform.url()));
    await offline;
    expect((await admitted).payload.toString()).toBe('500');
    expect(platform.activeDevices(GATEWAY)).toBe(1);
    expect(refusals).toEqual([]);
  });

  it('backs off after a failed registration and then delivers every event of the device once, in order', async () => {
    platform = await startPlatform({ registration: { retryAfterMs: 300 } });
    platform.registry.failNextRegistrations(sensor('flaky'));
    const { arrivals } = await application();
    const { admission, reports, publish } = await gateway({ backoffMs: 400, backoffJitter: 0.1, confirmWindowMs: 100 });
    for (const n of ['1', '2', '3']) publish('flaky', n);
    await until(() => reports.length > 0, 5000, 'the failure notification');
    expect(reports).toEqual([
      { kind: 'registration-failed', device: 'sensor/flaky', reason: 'registration-failed', retryAt: expect.any(Number) },
    ]);
    expect(admission.status('sensor/flaky')).toBe('backoff');
    publish('flaky', '4');
    await until(() => arrivals.includes('flaky:4'), 5000, 'the events after the back-off');
    // One more event, sent after the others on the same connection, proves nothing else is still on its way.
    publish('flaky', '5');
    await until(() => arrivals.includes('flaky:5'), 5000, 'the last event');
    expect(arrivals).toEqual(['flaky:1', 'flaky:2', 'flaky:3', 'flaky:4', 'flaky:5']);
    expect(admission.stats()).toMatchObject({ registrationFailures: 1 });
  });

  it('lets 500 devices it already knows all flow within 2 s of a restart, with no pending slot', async () => {
    platform = await startPlatform();
    const known = Array.from({ length: 500 }, (_, i) => `k${i}`);
    for (const id of known) platform.registry.add(sensor(id));
    const { arrivals } = await application();
    const { queue, publish, admission } = await gateway({}, (q) => {
      for (const id of known) q.rememberDevice(`sensor/${id}`, true);
    });
    const started = Date.now();
    for (const id of known) publish(id, '1');
    await until(() => arrivals.length === 500, 5000, '500 events');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2000);
    console.info(`500 known devices flowed in ${elapsed} ms`);
    expect(admission.stats()).toMatchObject({ active: 500, peakPending: 0 });
    expect(queue.depth).toBeLessThanOrEqual(500);
  });

  it('sends a device’s events again when its registration failure arrives late, after the confirm window', async () => {
    platform = await startPlatform();
    const { arrivals } = await application();
    const { session, admission, publish } = await gateway({ backoffMs: 200, backoffJitter: 0, confirmWindowMs: 50 });
    publish('late', '1');
    publish('late', '2');
    await until(() => arrivals.length === 2, 5000, 'both events');
    await until(() => admission.status('sensor/late') === 'settling', 5000, 'the confirm window to pass');
    // The service says, late, that the registration failed: what it received for the device was dropped.
    const failure = buildNotification({
      request: 'publish',
      time: new Date(),
      topic: 'iot-2/type/sensor/id/late/evt/e/fmt/json',
      typeId: 'sensor',
      deviceId: 'late',
      clientId: session.clientId,
      reason: 'registration-failed',
    });
    await platform.publishInternal(notifyTopic(GATEWAY), JSON.stringify(failure), 1);
    await until(() => arrivals.length === 4, 5000, 'the events sent again after the back-off');
    expect(arrivals).toEqual(['late:1', 'late:2', 'late:1', 'late:2']);
  });
});
