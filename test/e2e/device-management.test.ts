import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatedAdapter } from '../../adapters/simulated/simulated-adapter.js';
import { runningAdapter } from '../../src/pipeline/adapter-boundary.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { DM_RC, FIRMWARE_STATE, FIRMWARE_UPDATE_STATUS } from '../../src/protocol/device-management.js';
import { CliProcess, runCli } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';
import { APP, GATEWAY, ORG, startPlatform } from '../support/platform.js';
import { VirtualSerialPair } from '../support/socat.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { nextMatching, until } from '../support/wait.js';

const ESP = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
const GPS = { typeId: 'gps-receiver', deviceId: 'gps-ttyUSB0' };
const GW = { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId };

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;
const processes: CliProcess[] = [];
const pairs: VirtualSerialPair[] = [];
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  await proxy?.close();
  proxy = undefined;
  await platform?.close();
  platform = undefined;
  await Promise.all(processes.splice(0).map((p) => p.stop()));
});

const ADAPTERS = [
  {
    kind: 'simulated',
    devices: [
      { emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 100, options: { id: 'esp-01' } },
      { emulator: 'gps', profile: 'nmea-gps', channel: 'ttyUSB0', intervalMs: 100 },
    ],
  },
];
const MANAGED = {
  managed: { enabled: true, lifetime: 3600, remanageDelayMs: 100, locationIntervalMs: 100 },
  admission: { confirmWindowMs: 50 },
};

async function setup() {
  platform = await startPlatform();
  const port = Number(platform.url().split(':').pop());
  gateway = await startTestGateway(port, ADAPTERS, MANAGED);
  await platform.dm.until(GW, (s) => s.managed);
  await platform.dm.until(ESP, (s) => s.managed);
  return { platform, gateway, actions$: (runningAdapter(gateway.adapters[0]!) as SimulatedAdapter).actions$ };
}

describe('managed gateway against the embedded platform', () => {
  it('manages the gateway and each device with its deviceInfo', async () => {
    const { platform } = await setup();
    expect(platform.dm.state(GW)).toMatchObject({ managed: true, lifetime: 3600, managedBy: `g:${ORG}:rpi:gw1` });
    expect(platform.dm.state(ESP)).toMatchObject({ managed: true, deviceInfo: { deviceClass: 'microcontroller' } });
  });

  it('reboot → 202, the device is told, then it manages again', async () => {
    const { platform, actions$ } = await setup();
    const before = platform.dm.state(ESP)?.managedAt;
    const rebooting = nextMatching(actions$, (a) => a.action === 'rebooting');
    const response = await platform.dm.request(ESP, 'mgmt/initiate/device/reboot');
    expect(response.rc).toBe(DM_RC.ACCEPTED);
    await rebooting;
    await platform.dm.until(ESP, (s) => s.managed && s.managedAt !== before);
  });

  it('answers 501 for an action the device has no capability for, and runs a declared custom action', async () => {
    const { platform, actions$ } = await setup();
    expect((await platform.dm.request(ESP, 'mgmt/initiate/device/factory_reset')).rc).toBe(DM_RC.NOT_IMPLEMENTED);
    expect((await platform.dm.request(ESP, 'mgmt/custom/sensor/self-destruct')).rc).toBe(DM_RC.NOT_IMPLEMENTED);
    expect((await platform.dm.request(GW, 'mgmt/initiate/device/reboot')).rc).toBe(DM_RC.NOT_IMPLEMENTED);
    const blink = nextMatching(actions$, (a) => a.action === 'LED is now blink');
    expect((await platform.dm.request(ESP, 'mgmt/custom/sensor/blink')).rc).toBe(DM_RC.ACCEPTED);
    await blink;
  });

  it('runs a firmware download then update with the right states and codes', async () => {
    const { platform, actions$ } = await setup();
    // Out of order first: nothing downloaded yet.
    expect((await platform.dm.request(ESP, 'mgmt/initiate/firmware/update')).rc).toBe(DM_RC.BAD_REQUEST);
    expect((await platform.dm.request(ESP, 'mgmt/initiate/firmware/download')).rc).toBe(DM_RC.BAD_REQUEST);

    const downloading = nextMatching(actions$, (a) => a.action.startsWith('downloading firmware 2.0.1'));
    const download = await platform.dm.firmwareDownload(ESP, {
      url: 'https://firmware.example.com/esp-01/2.0.1.bin',
      version: '2.0.1',
    });
    expect(download.rc).toBe(DM_RC.ACCEPTED);
    await downloading;
    await platform.dm.until(ESP, (s) => s.firmware.state === FIRMWARE_STATE.DOWNLOADED);

    const updated = nextMatching(actions$, (a) => a.action === 'firmware updated to 2.0.1');
    expect((await platform.dm.request(ESP, 'mgmt/initiate/firmware/update')).rc).toBe(DM_RC.ACCEPTED);
    await updated;
    const state = await platform.dm.until(
      ESP,
      (s) =>
        s.firmware.updateStatus === FIRMWARE_UPDATE_STATUS.SUCCESS &&
        s.firmware.state === FIRMWARE_STATE.IDLE &&
        s.deviceInfo.fwVersion === '2.0.1',
    );
    expect(state.firmware).toMatchObject({ version: '2.0.1', url: 'https://firmware.example.com/esp-01/2.0.1.bin' });
  });

  it('sends a GPS fix as the device location', async () => {
    const { platform } = await setup();
    // GGA carries altitude; RMC fixes come without it.
    const state = await platform.dm.until(GPS, (s) => s.location?.elevation !== undefined);
    expect(state.location?.latitude).toBeCloseTo(48.1173, 2);
    expect(state.location?.longitude).toBeCloseTo(11.5167, 2);
    expect(state.location?.elevation).toBe(545.4);
  });

  it('stops subscribing for a device it forgot after a long silence, after a reconnect too', async () => {
    platform = await startPlatform();
    proxy = await TcpProxy.start(Number(platform.url().split(':').pop()));
    const pair = new VirtualSerialPair();
    pairs.push(pair);
    await pair.start();
    const device = await pair.openDevice();
    const serial = [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] }];
    gateway = await startTestGateway(proxy.port, serial, { ...MANAGED, devices: { staleAfterMs: 1000 } });
    const quiet = { typeId: 'mcu-sensor', deviceId: 'quiet-1' };
    const requestsOf = (d: typeof quiet) => `iotdm-1/type/${d.typeId}/id/${d.deviceId}/mgmt/initiate/device/reboot`;
    const gatewayClient = `g:${ORG}:${GW.typeId}:${GW.deviceId}`;
    await platform.dm.until(GW, (s) => s.managed);
    // The device talks until it is managed: on a loaded machine one line's manage round trip can outlast the 1-s
    // silence that forgets it, and a device forgotten before it was managed is never managed (rightly).
    const talking = setInterval(() => void device.write('{"id":"quiet-1","temperature":20}\n'), 200);
    await device.write('{"id":"quiet-1","temperature":20}\n');
    await platform.dm.until(quiet, (s) => s.managed).finally(() => clearInterval(talking));
    await device.close();
    expect(platform.subscribersOf(requestsOf(quiet))).toEqual([gatewayClient]);
    // Silent for staleAfterMs: forgotten, and its filter with it (the service counts it among the 500 otherwise).
    await until(() => platform?.subscribersOf(requestsOf(quiet)).length === 0, 8000, 'the quiet device unsubscribed');
    const managedAt = platform.dm.state(GW)?.managedAt;
    proxy.cut();
    proxy.restore();
    await platform.dm.until(GW, (s) => s.managed && s.managedAt !== managedAt);
    expect(platform.subscribersOf(requestsOf(GW))).toEqual([gatewayClient]);
    expect(platform.subscribersOf(requestsOf(quiet))).toEqual([]);
    expect(platform.activeDevices(GW)).toBe(0);
  });

  it('platform dm reboot from the command line, through the REST API', async () => {
    const cli = new CliProcess([
      'platform',
      '--org',
      ORG,
      '--port',
      '0',
      '--api-port',
      '0',
      '--log-level',
      'silent',
      '--gateway',
      `${GATEWAY.typeId}:${GATEWAY.deviceId}:${GATEWAY.token}`,
      '--app',
      `${APP.apiKey}:${APP.token}`,
    ]);
    processes.push(cli);
    const mqttUrl = (await cli.waitForLine(/^listening on mqtt:/)).replace('listening on ', '');
    const apiUrl = (await cli.waitForLine(/REST API/)).replace('listening on ', '').replace(' (REST API)', '');
    gateway = await startTestGateway(Number(mqttUrl.split(':').pop()), ADAPTERS, MANAGED);
    const rebooting = nextMatching(
      (runningAdapter(gateway.adapters[0]!) as SimulatedAdapter).actions$,
      (a) => a.action === 'rebooting',
      15_000,
    );
    const reboot = (auth: string) =>
      runCli([
        'platform',
        'dm',
        'reboot',
        '--type',
        ESP.typeId,
        '--id',
        ESP.deviceId,
        '--api',
        apiUrl,
        '--auth',
        auth,
        '--timeout',
        '10',
      ]);
    // The device may not be managed yet when the request goes out; retry until the CLI reports success.
    let result = await reboot(`${APP.apiKey}:${APP.token}`);
    for (let i = 0; i < 5 && result.code !== 0; i++) result = await reboot(`${APP.apiKey}:${APP.token}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${ESP.typeId}:${ESP.deviceId} reboot: accepted (202)\n`);
    await rebooting;
    const denied = await reboot(`${APP.apiKey}:wrong`);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/HTTP 401/);
  });
});
