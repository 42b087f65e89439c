import type { MqttClient } from 'mqtt';
import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { MAX_PAYLOAD_BYTES } from '../../src/protocol/limits.js';
import {
  APP,
  connect,
  connectApplication,
  connectRawGateway,
  GATEWAY,
  messages$,
  ORG,
  startPlatform,
} from '../support/platform.js';
import { collect, nextMatching, once, until } from '../support/wait.js';

const NOTIFY = `iot-2/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}/notify`;
let platform: EmbeddedPlatform | undefined;
const clients: MqttClient[] = [];

async function gateway(extra = {}) {
  const client = await connectRawGateway(platform!.url(), extra);
  clients.push(client);
  await client.subscribeAsync(NOTIFY, { qos: 1 });
  return client;
}

async function application(appId = 'app1') {
  const client = await connectApplication(platform!.url(), appId);
  clients.push(client);
  return client;
}

function notifications(client: MqttClient) {
  return messages$(client).pipe();
}

async function nextNotification(client: MqttClient) {
  const message = await nextMatching(notifications(client), (m) => m.topic === NOTIFY);
  return JSON.parse(message.payload.toString()) as Record<string, unknown>;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
});

describe('embedded platform: identity', () => {
  it('lets a gateway event reach an application', async () => {
    platform = await startPlatform();
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const gw = await gateway();
    const arriving = nextMatching(messages$(app));
    await gw.publishAsync('iot-2/type/mydevice/id/device1/evt/status/fmt/json', '{"t":21}', { qos: 1 });
    const message = await arriving;
    expect(message.topic).toBe('iot-2/type/mydevice/id/device1/evt/status/fmt/json');
    expect(message.payload.toString()).toBe('{"t":21}');
  });

  it('delivers an application command to the subscribed gateway', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    await gw.subscribeAsync('iot-2/type/mydevice/id/+/cmd/+/fmt/+', { qos: 1 });
    const app = await application();
    const arriving = nextMatching(messages$(gw), (m) => m.topic.includes('/cmd/'));
    await app.publishAsync('iot-2/type/mydevice/id/device1/cmd/blink/fmt/json', '{"times":3}', { qos: 1 });
    const message = await arriving;
    expect(message.topic).toBe('iot-2/type/mydevice/id/device1/cmd/blink/fmt/json');
    expect(JSON.parse(message.payload.toString())).toEqual({ times: 3 });
  });

  it("delivers a command right after a PUBACK at once, not after the gateway's delayed ACK", async () => {
    platform = await startPlatform();
    const gw = await gateway();
    (gw.stream as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    await gw.subscribeAsync('iot-2/type/mydevice/id/+/cmd/+/fmt/+', { qos: 0 });
    const app = await application();
    (app.stream as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    const publish = () => gw.publishAsync('iot-2/type/mydevice/id/device1/evt/status/fmt/json', '{"t":21}', { qos: 1 });
    // Past its first segments the gateway's end ACKs a PUBACK, which it does not answer, only when its delayed-ACK
    // timer fires (40 ms on Linux): with Nagle's algorithm the platform's next small write waited for that ACK.
    for (let i = 0; i < 50; i++) await publish();
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      await publish();
      const arriving = nextMatching(messages$(gw), (m) => m.topic.includes('/cmd/'));
      const sentAt = performance.now();
      app.publish('iot-2/type/mydevice/id/device1/cmd/blink/fmt/json', `{"round":${round}}`, { qos: 0 });
      await arriving;
      latencies.push(performance.now() - sentAt);
    }
    latencies.sort((a, b) => a - b);
    expect(latencies[2]).toBeLessThan(20);
  });

  it.each([
    { name: 'a wrong token', options: { password: 'nope' }, code: 4 },
    { name: 'a user name other than use-token-auth', options: { username: 'admin' }, code: 4 },
    { name: 'a malformed client id', options: { clientId: 'gateway-1' }, code: 2 },
    { name: 'a client id of another org', options: { clientId: `g:zzz999:${GATEWAY.typeId}:${GATEWAY.deviceId}` }, code: 2 },
    { name: 'a bad typeId in the client id', options: { clientId: `g:${ORG}:bad*type:gw1` }, code: 2 },
    { name: 'an unknown gateway', options: { clientId: `g:${ORG}:rpi:unknown` }, code: 4 },
  ])('refuses $name with CONNACK $code', async ({ options, code }) => {
    platform = await startPlatform();
    await expect(connectRawGateway(platform.url(), options)).rejects.toMatchObject({ code });
  });

  it('refuses an application with the wrong token and accepts the right one', async () => {
    platform = await startPlatform();
    await expect(
      connect(platform.url(), { clientId: `a:${ORG}:x`, username: APP.apiKey, password: 'wrong' }),
    ).rejects.toMatchObject({ code: 4 });
    clients.push(await connect(platform.url(), { clientId: `a:${ORG}:x`, username: APP.apiKey, password: APP.token }));
  });

  it('disconnects the first connection when a second one takes over its client id', async () => {
    platform = await startPlatform();
    const first = await gateway();
    const closed = once(first, 'close');
    await gateway();
    await closed;
    expect(first.connected).toBe(false);
  });

  it('publishes Connect and Disconnect status on the mon topic', async () => {
    platform = await startPlatform();
    const app = await application();
    await app.subscribeAsync(`iot-2/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}/mon`);
    const statuses = collect(messages$(app), 2);
    const gw = await gateway();
    gw.end();
    const [connected, disconnected] = (await statuses).map((m) => JSON.parse(m.payload.toString()));
    expect(connected).toMatchObject({ Action: 'Connect', ClientID: `g:${ORG}:rpi:gw1` });
    expect(disconnected).toMatchObject({ Action: 'Disconnect', ClientID: `g:${ORG}:rpi:gw1` });
  });
});

describe('embedded platform: topic rules and notifications', () => {
  it('notifies the gateway of a bad typeId, in the seed format, and drops the event', async () => {
    platform = await startPlatform();
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const received: string[] = [];
    app.on('message', (topic) => received.push(topic));
    const gw = await gateway();
    const notification = nextNotification(gw);
    await gw.publishAsync('iot-2/type/bad*type/id/d1/evt/e/fmt/json', '{}', { qos: 1 });
    const message = await notification;
    expect(Object.keys(message)).toEqual(['Request', 'Time', 'Topic', 'Type', 'Id', 'Client', 'RC', 'Message']);
    expect(message).toMatchObject({
      Request: 'publish',
      Topic: 'iot-2/type/bad*type/id/d1/evt/e/fmt/json',
      Type: 'bad*type',
      Id: 'd1',
      Client: `g:${ORG}:rpi:gw1`,
      Message: 'Device type is not valid.',
    });
    expect(typeof message.RC).toBe('number');
    expect(new Date(message.Time as string).toISOString()).toBe(message.Time);
    // The gateway stays connected, and a good event after it still flows.
    const good = nextMatching(messages$(app));
    await gw.publishAsync('iot-2/type/t/id/d/evt/e/fmt/json', '{}', { qos: 1 });
    expect((await good).topic).toBe('iot-2/type/t/id/d/evt/e/fmt/json');
    expect(received).toEqual(['iot-2/type/t/id/d/evt/e/fmt/json']);
  });

  it('notifies a bad deviceId', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    const notification = nextNotification(gw);
    await gw.publishAsync(`iot-2/type/t/id/${'x'.repeat(37)}/evt/e/fmt/json`, '{}', { qos: 1 });
    expect(await notification).toMatchObject({ Message: 'Device id is not valid.', Type: 't', Id: 'x'.repeat(37) });
  });

  it('refuses a publish on a forbidden topic and notifies', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    const notification = nextNotification(gw);
    await gw.publishAsync('some/other/topic', 'x', { qos: 1 });
    expect(await notification).toMatchObject({
      Request: 'publish',
      Topic: 'some/other/topic',
      Message: 'Topic does not match with any allowed topic rules.',
    });
    expect(gw.connected).toBe(true);
  });

  it('answers a forbidden subscription with SUBACK 128, notifies, and keeps the gateway connected', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    const notification = nextNotification(gw);
    // mqtt.js reports a SUBACK return code of 128 as a subscribe error.
    await expect(gw.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(await notification).toMatchObject({ Request: 'subscribe', Topic: 'iot-2/type/+/id/+/evt/+/fmt/+' });
    expect(gw.connected).toBe(true);
  });

  it('never stores a retained message from a gateway', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    await gw.publishAsync('iot-2/type/t/id/d/evt/e/fmt/json', '{"r":1}', { qos: 1, retain: true });
    const app = await application();
    const arrivals: string[] = [];
    app.on('message', (topic) => arrivals.push(topic));
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    // A later live event proves the subscription works; a retained one would have arrived first.
    const live = nextMatching(messages$(app));
    await gw.publishAsync('iot-2/type/t/id/d/evt/e/fmt/json', '{"r":2}', { qos: 1 });
    const message = await live;
    expect(message.payload.toString()).toBe('{"r":2}');
    expect(message.retain).toBe(false);
    expect(arrivals).toEqual(['iot-2/type/t/id/d/evt/e/fmt/json']);
  });

  it(`disconnects a gateway that sends more than ${MAX_PAYLOAD_BYTES} bytes, and accepts exactly ${MAX_PAYLOAD_BYTES}`, async () => {
    platform = await startPlatform();
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const gw = await gateway();
    const fits = nextMatching(messages$(app));
    await gw.publishAsync('iot-2/type/t/id/d/evt/big/fmt/bin', Buffer.alloc(MAX_PAYLOAD_BYTES, 1), { qos: 1 });
    expect((await fits).payload.length).toBe(MAX_PAYLOAD_BYTES);
    const closed = once(gw, 'close');
    gw.publish('iot-2/type/t/id/d/evt/big/fmt/bin', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 1), { qos: 1 });
    await closed;
    expect(gw.connected).toBe(false);
  });
});

describe('embedded platform: auto-registration', () => {
  it('keeps at most 10 registrations pending; the 11th waits its turn and is delivered', async () => {
    platform = await startPlatform({ registration: { delayMs: 300 } });
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const arrivals: Array<{ device: string; at: number }> = [];
    app.on('message', (topic) => arrivals.push({ device: topic.split('/')[4] ?? '', at: Date.now() }));
    const gw = await gateway();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 11 }, (_, i) => gw.publishAsync(`iot-2/type/sensor/id/s${i}/evt/e/fmt/json`, '{}', { qos: 1 })),
    );
    await until(() => arrivals.length === 11, 5000, '11 events');
    expect(platform.registry.pendingStats().peakPerGateway).toBe(10);
    const eleventh = arrivals.find((a) => a.device === 's10');
    expect(eleventh).toBeDefined();
    // The 11th registration starts only when one of the first ten ends: two delays at least.
    expect(eleventh!.at - started).toBeGreaterThanOrEqual(580);
    expect(platform.registry.list().filter((d) => d.typeId === 'sensor')).toHaveLength(11);
  });

  it('drops events of the 501st device, notifies, and counts from zero after a reconnect', async () => {
    platform = await startPlatform();
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const devices = new Set<string>();
    app.on('message', (topic) => devices.add(topic.split('/')[4] ?? ''));
    let gw = await gateway();
    const notification = nextNotification(gw);
    for (let i = 0; i < 500; i++) gw.publish(`iot-2/type/sensor/id/s${i}/evt/e/fmt/json`, '{}', { qos: 0 });
    await until(() => devices.size === 500, 10_000, '500 devices active');
    await gw.publishAsync('iot-2/type/sensor/id/s500/evt/e/fmt/json', '{}', { qos: 1 });
    expect(await notification).toMatchObject({
      Request: 'publish',
      Type: 'sensor',
      Id: 's500',
      Message: 'Maximum number of devices per gateway has been reached.',
    });
    expect(devices.has('s500')).toBe(false);
    expect(platform.activeDevices(GATEWAY)).toBe(500);
    // A device already active still gets through.
    const again = nextMatching(messages$(app), (m) => m.topic.includes('/id/s7/'));
    gw.publish('iot-2/type/sensor/id/s7/evt/e/fmt/json', '{}', { qos: 1 });
    await again;

    gw.end(true);
    gw = await gateway();
    const admitted = nextMatching(messages$(app), (m) => m.topic.includes('/id/s500/'));
    await gw.publishAsync('iot-2/type/sensor/id/s500/evt/e/fmt/json', '{}', { qos: 1 });
    await admitted;
    expect(platform.activeDevices(GATEWAY)).toBe(1);
  });

  it('drops events of a device whose registration failed, for a while, with a notification', async () => {
    platform = await startPlatform({ registration: { retryAfterMs: 300 } });
    platform.registry.failNextRegistrations({ typeId: 'sensor', deviceId: 'flaky' });
    const app = await application();
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const gw = await gateway();
    const notification = nextNotification(gw);
    await gw.publishAsync('iot-2/type/sensor/id/flaky/evt/e/fmt/json', '1', { qos: 1 });
    expect(await notification).toMatchObject({ Id: 'flaky', Message: 'Failed to create device due to internal errors.' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    const delivered = nextMatching(messages$(app));
    await gw.publishAsync('iot-2/type/sensor/id/flaky/evt/e/fmt/json', '2', { qos: 1 });
    expect((await delivered).payload.toString()).toBe('2');
  });
});

describe('embedded platform: device management as the seed writes it', () => {
  const DM = `iotdm-1/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}`;
  const OWN = `iotdevice-1/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}`;

  it('answers a gateway subscribed to …/response/+ alone on …/response/, with its reqId: 200, then 400 for a body it cannot read', async () => {
    platform = await startPlatform();
    const gw = await gateway();
    const granted = await gw.subscribeAsync(`${DM}/response/+`, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const responses = collect(messages$(gw).pipe(filter((m) => m.topic.startsWith(DM))), 2);
    await gw.publishAsync(`${OWN}/mgmt/manage`, JSON.stringify({ d: { lifetime: 3600 }, reqId: 'seed-1' }), { qos: 1 });
    await gw.publishAsync(`${OWN}/mgmt/manage`, '{"reqId":"seed-2","d":', { qos: 1 });
    const [first, second] = await responses;
    expect(first?.topic).toBe(`${DM}/response/`);
    expect(JSON.parse(first?.payload.toString() ?? '')).toMatchObject({ rc: 200, reqId: 'seed-1' });
    expect(second?.topic).toBe(`${DM}/response/`);
    expect(JSON.parse(second?.payload.toString() ?? '')).toMatchObject({ rc: 400, reqId: 'seed-2' });
    expect(platform.dm.state(GATEWAY)?.managed).toBe(true);
  });

  it.each([
    ['the two filters the seed names', [`${DM}/response/+`, `${DM}/+`]],
    ['#', [`${DM}/#`]],
  ])('answers on …/response to a gateway subscribed to %s, once', async (_name, filters) => {
    platform = await startPlatform();
    const gw = await gateway();
    expect((await gw.subscribeAsync(filters, { qos: 1 })).every((g) => g.qos === 1)).toBe(true);
    const arrivals: string[] = [];
    gw.on('message', (topic) => arrivals.push(topic));
    const response = nextMatching(messages$(gw), (m) => m.topic.startsWith(`${DM}/response`));
    await gw.publishAsync(`${OWN}/mgmt/manage`, JSON.stringify({ d: { lifetime: 0 }, reqId: 'r-1' }), { qos: 1 });
    expect((await response).topic).toBe(`${DM}/response`);
    // Published once: a later one proves nothing else was on its way.
    const next = nextMatching(messages$(gw), (m) => m.topic.startsWith(`${DM}/response`));
    await gw.publishAsync(`${OWN}/mgmt/manage`, JSON.stringify({ d: { lifetime: 0 }, reqId: 'r-2' }), { qos: 1 });
    expect(JSON.parse((await next).payload.toString()).reqId).toBe('r-2');
    expect(arrivals.filter((t) => t.startsWith(`${DM}/response`))).toEqual([`${DM}/response`, `${DM}/response`]);
  });
});
