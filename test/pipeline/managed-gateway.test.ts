import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Adapter, ChannelStatus } from '../../src/adapter.js';
import type { Reading } from '../../src/codecs/decoder.js';
import { managedGatewaySchema } from '../../src/config/gateway-config.js';
import { type HardwareProfile, hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { silentLogger } from '../../src/logging.js';
import { DIAG_ERROR_CODES, ManagedGateway } from '../../src/pipeline/managed-gateway.js';
import type { DeviceRoute } from '../../src/pipeline/pipeline.js';
import {
  type DeviceOperation,
  deviceDmTopic,
  type PlatformOperation,
  parseDmTopic,
  platformDmTopic,
} from '../../src/protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../../src/protocol/ids.js';
import type { InboundDmMessage, PublishOptions, SessionStatus } from '../../src/session/gateway-session.js';

interface Published {
  topic: string;
  // biome-ignore lint/suspicious/noExplicitAny: assertions walk the JSON bodies freely; toEqual checks their shape
  body: { d?: any; reqId?: string; rc?: number; message?: string };
  options: PublishOptions | undefined;
}

/** The session side the managed gateway uses, made of Subjects; it plays a platform that answers every request with `rc`. */
class FakeSession {
  readonly gateway: DeviceRef = { typeId: 'gw-type', deviceId: 'gw-1' };
  readonly dm = new Subject<InboundDmMessage>();
  readonly dm$: Observable<InboundDmMessage> = this.dm.asObservable();
  readonly status = new BehaviorSubject<SessionStatus>({ state: 'connecting', at: 0 });
  readonly status$: Observable<SessionStatus> = this.status.asObservable();
  readonly published: Published[] = [];
  readonly subscribed: Array<{ filter: string; qos: 0 | 1 | undefined }> = [];
  /** The rc the fake platform answers each gateway request with; undefined: no answer at all. */
  answer: (topic: string) => number | undefined = () => 200;
  private readonly published$ = new Subject<Published>();

  readonly unsubscribed: string[] = [];

  async subscribe(filter: string, qos?: 0 | 1): Promise<boolean> {
    this.subscribed.push({ filter, qos });
    return true;
  }

  async unsubscribe(filter: string): Promise<void> {
    this.unsubscribed.push(filter);
  }

  async publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void> {
    const entry: Published = { topic, body: JSON.parse(String(payload)), options };
    this.published.push(entry);
    this.published$.next(entry);
    const rc = topic.endsWith('/response') ? undefined : this.answer(topic);
    if (rc !== undefined && entry.body.reqId) {
      const device = topic.split('/');
      const responseTopic = platformDmTopic({ typeId: device[2] ?? '', deviceId: device[4] ?? '' }, 'response');
      queueMicrotask(() => this.deliver(responseTopic, { rc, reqId: entry.body.reqId }));
    }
  }

  goOnline(): void {
    this.status.next({ state: 'online', at: Date.now() });
  }

  /** The platform sends a request to a device behind the gateway (or to the gateway itself). */
  request(
    device: DeviceRef,
    operation: PlatformOperation,
    d?: unknown,
    reqId = `req-${Math.random().toString(36).slice(2)}`,
  ): string {
    this.deliver(platformDmTopic(device, operation), d === undefined ? { reqId } : { d, reqId });
    return reqId;
  }

  deliver(topic: string, body: unknown): void {
    const parsed = parseDmTopic(topic);
    if (!parsed.ok) throw new Error(parsed.reason);
    this.dm.next({ topic: parsed.value, payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });
  }

  /** Waits until `count` publishes match, then returns them all. */
  waitFor(predicate: (p: Published) => boolean, count = 1, ms = 2000): Promise<Published[]> {
    const matching = () => this.published.filter(predicate);
    if (matching().length >= count) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(
          new Error(
            `fewer than ${count} matching publishes within ${ms} ms; got: ${this.published.map((p) => p.topic).join(', ')}`,
          ),
        );
      }, ms);
      const subscription = this.published$.subscribe(() => {
        if (matching().length < count) return;
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve(matching());
      });
    });
  }

  /** The gateway's response to one platform request. */
  async response(device: DeviceRef, reqId: string): Promise<Published> {
    const [found] = await this.waitFor((p) => p.topic === deviceDmTopic(device, 'response') && p.body.reqId === reqId);
    return found as Published;
  }

  on(device: DeviceRef, operation: DeviceOperation) {
    return (p: Published) => p.topic === deviceDmTopic(device, operation);
  }
}

const commands = [
  ...['reboot', 'factory-reset', 'fw-download', 'fw-update'].map((commandId) => ({ commandId, encode: { kind: 'json' } })),
  { commandId: 'led', params: { led: { type: 'string' } }, encode: { kind: 'json' } },
];

const managedProfile = hardwareProfileSchema.parse({
  name: 'test-mcu',
  description: 'a test microcontroller',
  transport: { kind: 'serial' },
  framing: { kind: 'delimiter', delimiter: '\n' },
  codec: { kind: 'json' },
  device: { typeId: 'mcu', deviceId: '{reading.id}' },
  deviceInfo: { manufacturer: 'Acme', fwVersion: '1.0.0', hwVersion: 'rev-{port.name}' },
  commands,
  management: {
    reboot: { commandId: 'reboot' },
    factoryReset: { commandId: 'factory-reset' },
    firmware: { download: { commandId: 'fw-download' }, update: { commandId: 'fw-update' } },
    customActions: { 'bundle1/blink': { commandId: 'led', payload: { led: 'blink' } } },
    location: { latitude: 'lat', longitude: 'lon', elevation: 'alt' },
  },
});

const plainProfile = hardwareProfileSchema.parse({
  name: 'plain',
  transport: { kind: 'ble' },
  codec: { kind: 'json' },
  device: { typeId: 'tag', deviceId: '{address}' },
});

const mcu: DeviceRef = { typeId: 'mcu', deviceId: 'esp-01' };
const tag: DeviceRef = { typeId: 'tag', deviceId: 'aabbccddeeff' };

function route(device: DeviceRef, profile: HardwareProfile, channel: string, vars: DeviceRoute['source']['vars']): DeviceRoute {
  return {
    device,
    profile,
    adapter: { name: 'sim' } as Adapter,
    source: { adapter: 'sim', channel, vars },
    frames: 0,
    events: 0,
    lastSeen: 0,
    heardAt: 0,
  };
}

const mcuRoute = route(mcu, managedProfile, '/dev/ttyUSB0', {
  'port.path': '/dev/ttyUSB0',
  'port.name': 'ttyUSB0',
  'port.serialNumber': 'SN-42',
});
const tagRoute = route(tag, plainProfile, 'aa:bb:cc:dd:ee:ff', { address: 'aabbccddeeff', 'address.colon': 'aa:bb:cc:dd:ee:ff' });

function setup(overrides: Record<string, unknown> = {}, known: DeviceRoute[] = [mcuRoute]) {
  const session = new FakeSession();
  const devices$ = new Subject<DeviceRoute>();
  const gone$ = new Subject<DeviceRoute>();
  const readings$ = new Subject<{ device: DeviceRef; reading: Reading }>();
  const channelStatus$ = new Subject<ChannelStatus>();
  const routes = new Map(known.map((r) => [deviceKey(r.device), r]));
  const sendCommand = vi.fn(async (_device: DeviceRef, _commandId: string, _payload: Record<string, unknown>) => {});
  const options = managedGatewaySchema.parse({
    enabled: true,
    remanageDelayMs: 10,
    responseTimeoutMs: 500,
    deviceInfo: { manufacturer: 'Example Corp', model: 'gw-2000' },
    ...overrides,
  });
  const managed = new ManagedGateway({
    session,
    options,
    gatewayInfo: { fwVersion: '0.1.0', model: 'overridden by config' },
    devices$,
    gone$,
    readings$,
    channelStatus$,
    routes: () => routes,
    sendCommand,
    logger: silentLogger(),
  });
  managed.start();
  const add = (r: DeviceRoute) => {
    routes.set(deviceKey(r.device), r);
    devices$.next(r);
  };
  return { session, managed, devices$, gone$, readings$, channelStatus$, sendCommand, add };
}

let current: ManagedGateway | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await current?.close(50);
  current = undefined;
});

/** Online, with the gateway and the mcu managed. */
async function managedSetup(overrides: Record<string, unknown> = {}, known: DeviceRoute[] = [mcuRoute]) {
  const kit = setup(overrides, known);
  current = kit.managed;
  kit.session.goOnline();
  for (const r of known) await kit.session.waitFor(kit.session.on(r.device, 'mgmt/manage'));
  await vi.waitFor(() => expect(known.every((r) => kit.managed.isManaged(r.device))).toBe(true));
  return kit;
}

describe('ManagedGateway: manage', () => {
  it('subscribes to the requests of the gateway and each device, then manages them with QoS 1 and never retained', async () => {
    const { session, managed } = await managedSetup();
    expect(session.subscribed).toEqual([
      { filter: 'iotdm-1/type/gw-type/id/gw-1/#', qos: 1 },
      { filter: 'iotdm-1/type/mcu/id/esp-01/#', qos: 1 },
    ]);
    const [gateway] = await session.waitFor(session.on(session.gateway, 'mgmt/manage'));
    expect(gateway?.topic).toBe('iotdevice-1/type/gw-type/id/gw-1/mgmt/manage');
    expect(gateway?.body.d).toEqual({
      lifetime: 3600,
      supports: { deviceActions: false, firmwareActions: false },
      deviceInfo: { manufacturer: 'Example Corp', model: 'gw-2000', fwVersion: '0.1.0' },
      metadata: {},
    });
    const [device] = await session.waitFor(session.on(mcu, 'mgmt/manage'));
    expect(device?.body.reqId).toEqual(expect.any(String));
    expect(device?.body.d).toEqual({
      lifetime: 3600,
      supports: { deviceActions: true, firmwareActions: true, bundle1: true },
      deviceInfo: {
        serialNumber: 'SN-42',
        manufacturer: 'Acme',
        model: 'test-mcu',
        deviceClass: 'mcu',
        description: 'a test microcontroller',
        fwVersion: '1.0.0',
        hwVersion: 'rev-ttyUSB0',
        descriptiveLocation: 'sim /dev/ttyUSB0',
      },
      metadata: { profile: 'test-mcu' },
    });
    for (const p of session.published) expect(p.options).toEqual({ qos: 1 });
    expect(managed.isManaged(session.gateway)).toBe(true);
  });

  it('manages a device that appears later, with its BLE address as serial number', async () => {
    const { session, add, managed } = await managedSetup();
    add(tagRoute);
    const [manage] = await session.waitFor(session.on(tag, 'mgmt/manage'));
    expect(session.subscribed).toContainEqual({ filter: 'iotdm-1/type/tag/id/aabbccddeeff/#', qos: 1 });
    expect(manage?.body.d.deviceInfo.serialNumber).toBe('aa:bb:cc:dd:ee:ff');
    expect(manage?.body.d.supports).toEqual({ deviceActions: false, firmwareActions: false });
    await vi.waitFor(() => expect(managed.isManaged(tag)).toBe(true));
  });

  it('unsubscribes from the requests of a device forgotten after a long silence, never from its own', async () => {
    const { session, managed, gone$ } = await managedSetup();
    gone$.next(mcuRoute);
    expect(session.unsubscribed).toEqual(['iotdm-1/type/mcu/id/esp-01/#']);
    expect(managed.isManaged(mcu)).toBe(false);
    // The gateway itself is never forgotten, whatever the pipeline says.
    gone$.next(route(session.gateway, plainProfile, 'none', {}));
    expect(session.unsubscribed).toEqual(['iotdm-1/type/mcu/id/esp-01/#']);
  });

  it('never manages a forgotten device again, even when its manage request was still waiting for an answer', async () => {
    const { session, gone$, add } = await managedSetup();
    session.answer = () => undefined;
    add(tagRoute);
    const [manage] = await session.waitFor(session.on(tag, 'mgmt/manage'));
    gone$.next(tagRoute);
    vi.useFakeTimers();
    // Refused after it was forgotten: before, the retry timer brought the record back to life.
    session.deliver(platformDmTopic(tag, 'response'), { rc: 500, reqId: manage?.body.reqId });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(session.published.filter(session.on(tag, 'mgmt/manage'))).toHaveLength(1);
  });

  it('waits for going online before managing, and manages everything again after a reconnect', async () => {
    const { session } = setup();
    await Promise.resolve();
    expect(session.published).toEqual([]);
    session.goOnline();
    await session.waitFor(session.on(mcu, 'mgmt/manage'));
    session.status.next({ state: 'offline', at: Date.now() });
    session.goOnline();
    await session.waitFor(session.on(mcu, 'mgmt/manage'), 2);
    await session.waitFor(session.on(session.gateway, 'mgmt/manage'), 2);
  });

  it('manages again before the lifetime runs out', async () => {
    vi.useFakeTimers();
    const { session } = await managedSetup({ lifetime: 3600, remanageAheadSeconds: 300 });
    await vi.advanceTimersByTimeAsync(3299_000);
    expect(session.published.filter(session.on(mcu, 'mgmt/manage'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.published.filter(session.on(mcu, 'mgmt/manage'))).toHaveLength(2);
    expect(session.published.filter(session.on(session.gateway, 'mgmt/manage'))).toHaveLength(2);
  });

  it('never manages again by timer with lifetime 0', async () => {
    vi.useFakeTimers();
    const { session } = await managedSetup({ lifetime: 0 });
    await vi.advanceTimersByTimeAsync(30 * 24 * 3600_000);
    expect(session.published.filter(session.on(mcu, 'mgmt/manage'))).toHaveLength(1);
  });

  it('counts a manage request that gets no answer as failed, and retries it', async () => {
    vi.useFakeTimers();
    const kit = setup({ responseTimeoutMs: 1000, retryMs: 5000 });
    current = kit.managed;
    kit.session.answer = (topic) => (topic.includes('/mcu/') ? undefined : 200);
    kit.session.goOnline();
    await vi.advanceTimersByTimeAsync(1000);
    expect(kit.managed.isManaged(mcu)).toBe(false);
    expect(kit.managed.stats.requestsFailed).toBe(1);
    kit.session.answer = () => 200;
    await vi.advanceTimersByTimeAsync(5000);
    expect(kit.session.published.filter(kit.session.on(mcu, 'mgmt/manage'))).toHaveLength(2);
    expect(kit.managed.isManaged(mcu)).toBe(true);
  });

  it('unmanages every managed device on close, then publishes nothing more', async () => {
    const { session, managed, readings$ } = await managedSetup();
    current = undefined;
    await managed.close();
    const unmanaged = session.published.filter((p) => p.topic.endsWith('/mgmt/unmanage')).map((p) => p.topic);
    expect(unmanaged.sort()).toEqual([
      'iotdevice-1/type/gw-type/id/gw-1/mgmt/unmanage',
      'iotdevice-1/type/mcu/id/esp-01/mgmt/unmanage',
    ]);
    const count = session.published.length;
    readings$.next({ device: mcu, reading: { lat: 1, lon: 2 } });
    session.request(mcu, 'mgmt/initiate/device/reboot');
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.published).toHaveLength(count);
  });
});

describe('ManagedGateway: device actions', () => {
  it('answers a reboot 202 with the same reqId after sending the reboot command, then manages the device again', async () => {
    const { session, sendCommand } = await managedSetup();
    const reqId = session.request(mcu, 'mgmt/initiate/device/reboot');
    const response = await session.response(mcu, reqId);
    expect(response.body).toEqual({ rc: 202, reqId });
    expect(response.topic).toBe('iotdevice-1/type/mcu/id/esp-01/response');
    expect(response.options).toEqual({ qos: 1 });
    expect(sendCommand).toHaveBeenCalledWith(mcu, 'reboot', {});
    await session.waitFor(session.on(mcu, 'mgmt/manage'), 2);
  });

  it('answers a factory reset 500 when the command cannot be delivered', async () => {
    const { session, sendCommand } = await managedSetup();
    sendCommand.mockRejectedValueOnce(new Error('port closed'));
    const reqId = session.request(mcu, 'mgmt/initiate/device/factory_reset');
    expect((await session.response(mcu, reqId)).body).toEqual({ rc: 500, reqId, message: 'factory reset failed: port closed' });
  });

  it.each([
    {
      name: 'a reboot of a device whose profile has no management section',
      device: tag,
      operation: 'mgmt/initiate/device/reboot',
    },
    { name: 'a firmware download without the capability', device: tag, operation: 'mgmt/initiate/firmware/download' },
    { name: 'a custom action the profile does not declare', device: mcu, operation: 'mgmt/custom/bundle1/explode' },
    {
      name: 'a factory reset of the gateway itself',
      device: { typeId: 'gw-type', deviceId: 'gw-1' },
      operation: 'mgmt/initiate/device/factory_reset',
    },
  ] as const)('answers 501 to $name', async ({ device, operation }) => {
    const { session, sendCommand } = await managedSetup({}, [mcuRoute, tagRoute]);
    const reqId = session.request(device, operation);
    expect((await session.response(device, reqId)).body).toMatchObject({ rc: 501, reqId });
    expect(sendCommand).not.toHaveBeenCalled();
  });

  it('runs a declared custom action with its fixed payload and the request parameters', async () => {
    const { session, sendCommand } = await managedSetup();
    const reqId = session.request(mcu, 'mgmt/custom/bundle1/blink', { parameters: [{ name: 'times', value: 3 }] });
    expect((await session.response(mcu, reqId)).body).toEqual({ rc: 202, reqId });
    expect(sendCommand).toHaveBeenCalledWith(mcu, 'led', { led: 'blink', times: 3 });
  });

  it('answers 404 for a device it does not manage, and 400 for a malformed body', async () => {
    const { session } = await managedSetup();
    const stranger = { typeId: 'mcu', deviceId: 'nobody' };
    const reqId = session.request(stranger, 'observe', { fields: [{ field: 'mgmt.firmware' }] });
    expect((await session.response(stranger, reqId)).body).toMatchObject({ rc: 404, reqId });
    session.deliver(platformDmTopic(mcu, 'device/update'), '{"reqId":"bad-1","d":');
    expect((await session.response(mcu, 'bad-1')).body).toMatchObject({
      rc: 400,
      reqId: 'bad-1',
      message: expect.stringMatching(/not JSON/),
    });
    const wrong = session.request(mcu, 'device/update', { fields: 'everything' });
    expect((await session.response(mcu, wrong)).body).toEqual({
      rc: 400,
      reqId: wrong,
      message: 'd.fields must be a non-empty array',
    });
  });

  it('runs a request delivered twice only once, and answers both', async () => {
    const { session, sendCommand } = await managedSetup();
    session.request(mcu, 'mgmt/initiate/device/reboot', undefined, 'same-id');
    await session.response(mcu, 'same-id');
    session.request(mcu, 'mgmt/initiate/device/reboot', undefined, 'same-id');
    await session.waitFor((p) => p.body.reqId === 'same-id' && p.topic.endsWith('/response'), 2);
    expect(sendCommand).toHaveBeenCalledTimes(1);
  });
});

describe('ManagedGateway: device/update, observe and firmware', () => {
  const firmware = {
    version: '2.0.0',
    name: 'mcu-fw',
    url: 'https://firmware.example.com/mcu-2.0.0.bin',
    verifier: 'abc123',
    state: 0,
    updateStatus: 0,
  };

  it('answers device/update 204 and unknown fields 404', async () => {
    const { session } = await managedSetup();
    const reqId = session.request(mcu, 'device/update', {
      fields: [
        { field: 'metadata', value: { room: 'lab' } },
        { field: 'deviceInfo', value: { descriptiveLocation: 'bench 3' } },
        { field: 'location', value: { latitude: 52.1, longitude: 4.3 } },
      ],
    });
    expect((await session.response(mcu, reqId)).body).toEqual({ rc: 204, reqId });
    const observe = session.request(mcu, 'observe', { fields: [{ field: 'metadata' }, { field: 'deviceInfo' }] });
    expect((await session.response(mcu, observe)).body.d.fields).toEqual([
      { field: 'metadata', value: { room: 'lab' } },
      { field: 'deviceInfo', value: expect.objectContaining({ descriptiveLocation: 'bench 3', serialNumber: 'SN-42' }) },
    ]);
    const unknown = session.request(mcu, 'device/update', { fields: [{ field: 'mgmt.telepathy', value: {} }] });
    expect((await session.response(mcu, unknown)).body).toMatchObject({ rc: 404, d: { fields: ['mgmt.telepathy'] } });
  });

  it('runs the firmware download then update, notifying the observer of every state change', async () => {
    const { session, sendCommand } = await managedSetup();
    const notifies = session.on(mcu, 'notify');
    const update = session.request(mcu, 'device/update', { fields: [{ field: 'mgmt.firmware', value: firmware }] });
    expect((await session.response(mcu, update)).body).toEqual({ rc: 204, reqId: update });
    const observe = session.request(mcu, 'observe', { fields: [{ field: 'mgmt.firmware' }] });
    expect((await session.response(mcu, observe)).body).toEqual({
      rc: 200,
      reqId: observe,
      d: { fields: [{ field: 'mgmt.firmware', value: { ...firmware, state: 0, updateStatus: 0 } }] },
    });

    const download = session.request(mcu, 'mgmt/initiate/firmware/download');
    expect((await session.response(mcu, download)).body).toEqual({ rc: 202, reqId: download });
    const afterDownload = await session.waitFor(notifies, 2);
    expect(afterDownload.map((p) => [p.body.d.field, p.body.d.value.state, p.body.d.value.updateStatus])).toEqual([
      ['mgmt.firmware', 1, 0],
      ['mgmt.firmware', 2, 0],
    ]);
    expect(sendCommand).toHaveBeenCalledWith(mcu, 'fw-download', {
      url: firmware.url,
      version: '2.0.0',
      name: 'mcu-fw',
      verifier: 'abc123',
    });
    // The response came before the first notification.
    const order = session.published.map((p) => p.body.reqId);
    expect(order.indexOf(download)).toBeLessThan(order.indexOf(afterDownload[0]?.body.reqId));

    const install = session.request(mcu, 'mgmt/initiate/firmware/update');
    expect((await session.response(mcu, install)).body).toEqual({ rc: 202, reqId: install });
    const afterUpdate = (await session.waitFor(notifies, 4)).slice(2);
    expect(afterUpdate.map((p) => [p.body.d.value.state, p.body.d.value.updateStatus])).toEqual([
      [2, 1],
      [0, 0],
    ]);
    expect(afterUpdate[1]?.body.d.value.updatedDateTime).toEqual(expect.any(String));
    expect(sendCommand).toHaveBeenCalledWith(mcu, 'fw-update', expect.objectContaining({ version: '2.0.0' }));
    // The new fwVersion reaches the platform with a new manage request.
    const manages = await session.waitFor(session.on(mcu, 'mgmt/manage'), 2);
    expect(manages[1]?.body.d.deviceInfo.fwVersion).toBe('2.0.0');

    const cancel = session.request(mcu, 'cancel', { fields: [{ field: 'mgmt.firmware' }] });
    expect((await session.response(mcu, cancel)).body).toEqual({ rc: 200, reqId: cancel });
  });

  it('refuses a download before a url was set, and an update before the image is downloaded, with 400', async () => {
    const { session, sendCommand } = await managedSetup();
    const download = session.request(mcu, 'mgmt/initiate/firmware/download');
    expect((await session.response(mcu, download)).body).toEqual({
      rc: 400,
      reqId: download,
      message: 'no firmware url: set mgmt.firmware.url with device/update first',
    });
    const install = session.request(mcu, 'mgmt/initiate/firmware/update');
    expect((await session.response(mcu, install)).body).toEqual({
      rc: 400,
      reqId: install,
      message: 'firmware state is 0 (idle); an update needs state 2 (downloaded)',
    });
    expect(sendCommand).not.toHaveBeenCalled();
  });

  it.each([
    { name: 'connection lost when the command fails', url: firmware.url, error: new Error('unplugged'), updateStatus: 3 },
    { name: 'invalid URI for a url that is not one', url: 'not a url', error: undefined, updateStatus: 6 },
  ])('reports a failed download back in state 0 with updateStatus $updateStatus: $name', async ({ url, error, updateStatus }) => {
    const { session, sendCommand } = await managedSetup();
    if (error) sendCommand.mockRejectedValueOnce(error);
    session.request(mcu, 'device/update', { fields: [{ field: 'mgmt.firmware', value: { ...firmware, url } }] });
    session.request(mcu, 'observe', { fields: [{ field: 'mgmt.firmware' }] });
    const download = session.request(mcu, 'mgmt/initiate/firmware/download');
    expect((await session.response(mcu, download)).body.rc).toBe(202);
    const [, failed] = await session.waitFor(session.on(mcu, 'notify'), 2);
    expect(failed?.body.d.value).toMatchObject({ state: 0, updateStatus });
    const [log] = await session.waitFor(session.on(mcu, 'add/diag/log'));
    expect(log?.body.d).toMatchObject({ severity: 2, message: expect.stringMatching(/^firmware download failed/) });
  });
});

describe('ManagedGateway: location and diagnostics', () => {
  it('publishes a reading with a position as device/update/location, at most once per interval', async () => {
    const { session, readings$ } = await managedSetup({ locationIntervalMs: 60_000 });
    readings$.next({ device: mcu, reading: { id: 'esp-01', lat: 52.37, lon: 4.89, alt: 12.5 } });
    readings$.next({ device: mcu, reading: { id: 'esp-01', lat: 52.38, lon: 4.9 } });
    readings$.next({ device: mcu, reading: { id: 'esp-01', lat: null, lon: null } });
    const [location] = await session.waitFor(session.on(mcu, 'device/update/location'));
    expect(location?.topic).toBe('iotdevice-1/type/mcu/id/esp-01/device/update/location');
    expect(location?.body.d).toEqual({ latitude: 52.37, longitude: 4.89, elevation: 12.5, measuredDateTime: expect.any(String) });
    expect(location?.options).toEqual({ qos: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.published.filter(session.on(mcu, 'device/update/location'))).toHaveLength(1);
  });

  it('holds a position read before the device is managed and sends it once it is', async () => {
    const kit = setup();
    current = kit.managed;
    kit.readings$.next({ device: mcu, reading: { lat: 1.5, lon: 2.5 } });
    kit.session.goOnline();
    const [location] = await kit.session.waitFor(kit.session.on(mcu, 'device/update/location'));
    expect(location?.body.d).toMatchObject({ latitude: 1.5, longitude: 2.5 });
  });

  it('reports a channel going offline as an error log and error code, and its return as an info log', async () => {
    const { session, channelStatus$, managed } = await managedSetup();
    channelStatus$.next({ adapter: 'sim', channel: '/dev/ttyUSB0', state: 'offline', at: 1, reason: 'unplugged' });
    const [down] = await session.waitFor(session.on(mcu, 'add/diag/log'));
    expect(down?.body.d).toEqual({
      message: 'sim channel /dev/ttyUSB0 is offline: unplugged',
      severity: 2,
      timestamp: expect.any(String),
    });
    const [code] = await session.waitFor(session.on(mcu, 'add/diag/errorCodes'));
    expect(code?.body.d).toEqual({ errorCode: DIAG_ERROR_CODES.CHANNEL_OFFLINE });
    channelStatus$.next({ adapter: 'sim', channel: '/dev/ttyUSB0', state: 'online', at: 2 });
    const [, up] = await session.waitFor(session.on(mcu, 'add/diag/log'), 2);
    expect(up?.body.d).toMatchObject({ severity: 0, message: 'sim channel /dev/ttyUSB0 is back online' });
    await expect(managed.addErrorCode(mcu, 7)).resolves.toBe(true);
  });

  it('reports a channel its adapter forgot for a reason as offline, and a channel closed at shutdown not at all', async () => {
    const { session, channelStatus$ } = await managedSetup();
    channelStatus$.next({ adapter: 'sim', channel: '/dev/ttyUSB0', state: 'closed', at: 1 });
    channelStatus$.next({ adapter: 'sim', channel: '/dev/ttyUSB0', state: 'online', at: 2 });
    channelStatus$.next({ adapter: 'sim', channel: '/dev/ttyUSB0', state: 'closed', at: 3, reason: 'not heard for 120000 ms' });
    const [down] = await session.waitFor(session.on(mcu, 'add/diag/log'));
    expect(down?.body.d).toMatchObject({ message: 'sim channel /dev/ttyUSB0 is offline: not heard for 120000 ms', severity: 2 });
    expect(session.published.filter(session.on(mcu, 'add/diag/log'))).toHaveLength(1);
  });
});

describe('config', () => {
  it('accepts a lifetime of 0 or at least 3600 s and nothing in between', () => {
    expect(managedGatewaySchema.parse({ enabled: true, lifetime: 0 }).lifetime).toBe(0);
    expect(managedGatewaySchema.safeParse({ lifetime: 1800 }).success).toBe(false);
    expect(managedGatewaySchema.safeParse({ lifetime: 3600, remanageAheadSeconds: 3600 }).success).toBe(false);
    expect(managedGatewaySchema.safeParse({ lifetime: 3600, lifespan: 3600 }).success).toBe(false);
  });

  it('refuses a custom action key that is not bundleId/actionId', () => {
    const parsed = hardwareProfileSchema.safeParse({
      ...plainProfile,
      management: { customActions: { blink: { commandId: 'led' } } },
    });
    expect(parsed.success).toBe(false);
  });
});
