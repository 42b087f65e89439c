import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusSlaveEmulator } from '../../adapters/simulated/modbus-slave-emulator.js';
import { encodeSlipFrame } from '../../src/codecs/framing/slip.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import type { SessionStatus } from '../../src/session/gateway-session.js';
import { startTestGateway } from '../support/gateway.js';
import { connectApplication, messages$, startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { nextMatching, until } from '../support/wait.js';

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;
const pairs: VirtualSerialPair[] = [];
const devices: DeviceEnd[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await Promise.all(devices.splice(0).map((device) => device.close()));
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
});

async function setup(
  profile: string,
  name = 'tty',
  portOptions: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  platform = await startPlatform();
  const app = await connectApplication(platform.url());
  clients.push(app);
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const pair = new VirtualSerialPair(name);
  pairs.push(pair);
  await pair.start();
  const device = await pair.openDevice();
  devices.push(device);
  const port = Number(platform.url().split(':').pop());
  gateway = await startTestGateway(
    port,
    [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile, ...portOptions }] }],
    extra,
  );
  gateway.adapters[0]!.status$.subscribe((status) => {
    channelState = status.state;
  });
  return { app, pair, device };
}

/** The next event on a matching topic; its read time (`ts`) is checked and taken out of the payload. */
function eventsOf(app: MqttClient, match: (topic: string) => boolean) {
  return nextMatching(messages$(app), (m) => match(m.topic), 8000).then((m) => {
    const { ts, ...payload } = JSON.parse(m.payload.toString());
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(ts) - Date.now())).toBeLessThan(60_000);
    return { topic: m.topic, payload };
  });
}

describe('serial adapter end to end, over socat ptys and the real serialport', () => {
  it('turns JSON lines written at the device end into events, counts a bad line and goes on', async () => {
    const { app, device } = await setup('json-sensor');
    const first = eventsOf(app, (t) => t.includes('/id/esp-7/'));
    // Let the port open before the device speaks: the line is lost otherwise, as on real hardware.
    await until(() => gateway!.pipeline.stats.frames === 0 && devicesOnline(), 5000, 'port open');
    await device.write('{"id":"esp-7","temperature":21.5}\n');
    expect(await first).toEqual({
      topic: 'iot-2/type/mcu-sensor/id/esp-7/evt/status/fmt/json',
      payload: { id: 'esp-7', temperature: 21.5 },
    });
    const second = eventsOf(app, (t) => t.includes('/id/esp-8/'));
    await device.write('{"id":"esp-7", broken\n{"id":"esp-8","temperature":19}\n');
    expect((await second).payload).toEqual({ id: 'esp-8', temperature: 19 });
    expect(gateway!.pipeline.stats.rejects.decode).toBe(1);
  });

  it('delivers a declared command to the device as a framed JSON line, and refuses an undeclared one', async () => {
    const { app, device } = await setup('json-sensor');
    await until(devicesOnline, 5000, 'port open');
    const seen = eventsOf(app, (t) => t.includes('/id/esp-9/'));
    await device.write('{"id":"esp-9","temperature":20}\n');
    await seen;
    await until(() => platform!.activeDevices({ typeId: 'rpi', deviceId: 'gw1' }) >= 1, 3000, 'command subscription');
    await app.publishAsync('iot-2/type/mcu-sensor/id/esp-9/cmd/led/fmt/json', '{"led":"blink"}', { qos: 1 });
    await device.waitFor('{"led":"blink"}\n');
    await app.publishAsync('iot-2/type/mcu-sensor/id/esp-9/cmd/format-disk/fmt/json', '{}', { qos: 1 });
    await app.publishAsync('iot-2/type/mcu-sensor/id/esp-9/cmd/led/fmt/json', '{"led":"purple"}', { qos: 1 });
    await until(() => gateway!.pipeline.stats.rejects.command === 2, 3000, 'two refused commands');
    expect(device.received.toString()).toBe('{"led":"blink"}\n');
  });

  it('decodes NMEA from a GPS and sends $PMTK220 with its checksum', async () => {
    const { app, device } = await setup('nmea-gps', 'gps');
    await until(devicesOnline, 5000, 'port open');
    const position = eventsOf(app, (t) => t.includes('/evt/position/'));
    await device.write('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n');
    const event = await position;
    expect(event.topic).toBe('iot-2/type/gps-receiver/id/gps-gps-gw/evt/position/fmt/json');
    expect(event.payload).toMatchObject({ sentence: 'GGA', latitude: 48.1173, satellites: 8, altitude: 545.4 });
    expect(event.payload.longitude).toBeCloseTo(11.516667, 6);
    await until(() => platform!.activeDevices({ typeId: 'rpi', deviceId: 'gw1' }) >= 1, 3000, 'command subscription');
    await app.publishAsync('iot-2/type/gps-receiver/id/gps-gps-gw/cmd/set-rate/fmt/json', '{"interval":1000}', { qos: 1 });
    // $PMTK220,1000*1F is the checksum MediaTek documents for a 1 Hz fix rate.
    await device.waitFor('$PMTK220,1000*1F\r\n');
  });

  it('takes back a device forgotten after a long silence on a port that stayed open: events, route and commands', async () => {
    const { app, device } = await setup('nmea-gps', 'gps', {}, { devices: { staleAfterMs: 1000 } });
    await until(devicesOnline, 5000, 'port open');
    const gga = '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n';
    const isGps = (route: { device: { deviceId: string } }) => route.device.deviceId === 'gps-gps-gw';
    const first = eventsOf(app, (t) => t.includes('/evt/position/'));
    await device.write(gga);
    await first;
    await nextMatching(gateway!.pipeline.gone$, isGps, 8000);
    const back = nextMatching(gateway!.pipeline.devices$, isGps, 5000);
    const again = eventsOf(app, (t) => t.includes('/evt/position/'));
    await device.write(gga);
    await back;
    await again;
    // It keeps talking now: a silence of 1 s would forget it again before the command's round trip on a loaded machine.
    const talking = setInterval(() => void device.write(gga), 300);
    try {
      await until(() => platform!.activeDevices({ typeId: 'rpi', deviceId: 'gw1' }) >= 1, 3000, 'command subscription');
      await app.publishAsync('iot-2/type/gps-receiver/id/gps-gps-gw/cmd/set-rate/fmt/json', '{"interval":1000}', { qos: 1 });
      await device.waitFor('$PMTK220,1000*1F\r\n');
    } finally {
      clearInterval(talking);
    }
  });

  it('decodes a SLIP-framed binary struct', async () => {
    const { app, device } = await setup('slip-struct-sensor', 'env');
    await until(devicesOnline, 5000, 'port open');
    const payload = Buffer.alloc(13);
    payload.writeUInt16LE(0xc0db, 0); // sequence bytes that need SLIP escapes
    payload.writeInt16LE(-1234, 2);
    payload.writeUInt16LE(4550, 4);
    payload.writeUInt32LE(101_325, 6);
    payload.writeUInt16LE(2950, 10);
    payload.writeUInt8(1, 12);
    const event = eventsOf(app, (t) => t.includes('/evt/environment/'));
    await device.write(encodeSlipFrame(payload));
    expect((await event).payload).toEqual({
      sequence: 0xc0db,
      temperature: -12.34,
      humidity: 45.5,
      pressure: 101325,
      battery_mv: 2950,
      alarm: 1,
    });
  });

  it('polls a Modbus RTU slave and writes a register on command', async () => {
    const { app, device } = await setup('modbus-th-sensor', 'rs485');
    const slave = new ModbusSlaveEmulator([1]);
    device.port.on('data', (chunk: Buffer) => {
      for (const reply of slave.receive(chunk).replies ?? []) void device.write(reply);
    });
    const climate = await eventsOf(app, (t) => t.includes('/evt/climate/'));
    expect(climate.topic).toBe('iot-2/type/th-sensor/id/th-rs485-gw-1/evt/climate/fmt/json');
    expect(climate.payload.humidity).toBe(43);
    await until(() => platform!.activeDevices({ typeId: 'rpi', deviceId: 'gw1' }) >= 1, 3000, 'command subscription');
    await app.publishAsync('iot-2/type/th-sensor/id/th-rs485-gw-1/cmd/set-temperature-offset/fmt/json', '{"value":-1.5}', {
      qos: 1,
    });
    // 01 06 0101 FFF1 + CRC: write -15 (x0.1 °C) to holding register 0x0101.
    await device.waitFor(Buffer.from('01060101fff1', 'hex'));
    await until(() => gateway!.pipeline.stats.commandsDelivered === 1, 3000, 'write acknowledged');
  });

  it('survives the port being unplugged: reconnects, resumes events, and the MQTT session never drops', async () => {
    const { app, pair } = await setup('json-sensor', 'usb');
    let device = devices[0]!;
    const statuses: SessionStatus['state'][] = [];
    const watch = gateway!.session.status$.subscribe((s) => statuses.push(s.state));
    await until(devicesOnline, 5000, 'port open');
    const before = eventsOf(app, (t) => t.includes('/id/usb-1/'));
    await device.write('{"id":"usb-1","n":1}\n');
    await before;

    await device.close();
    devices.length = 0;
    await pair.stop();
    await until(() => channelState === 'offline', 5000, 'adapter marks the port offline');
    await pair.start();
    device = await pair.openDevice();
    devices.push(device);
    await until(devicesOnline, 10_000, 'adapter reconnects');
    const after = eventsOf(app, (t) => t.includes('/id/usb-2/'));
    await device.write('{"id":"usb-2","n":2}\n');
    expect((await after).payload).toEqual({ id: 'usb-2', n: 2 });
    watch.unsubscribe();
    expect(statuses.filter((s) => s !== 'online')).toEqual([]);
  });
});

let channelState: string | undefined;
function devicesOnline(): boolean {
  return channelState === 'online';
}
afterEach(() => {
  channelState = undefined;
});

describe('serial over TCP (a ser2net-style server)', () => {
  it('reads frames from tcp://127.0.0.1:PORT and writes commands back', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    let received = '';
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => (received += chunk.toString()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tcpPort = (server.address() as import('node:net').AddressInfo).port;
    try {
      platform = await startPlatform();
      const app = await connectApplication(platform.url());
      clients.push(app);
      await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
      const port = Number(platform.url().split(':').pop());
      gateway = await startTestGateway(port, [
        { kind: 'serial', ports: [{ path: `tcp://127.0.0.1:${tcpPort}`, profile: 'json-sensor' }] },
      ]);
      await until(() => sockets.length === 1, 5000, 'gateway connects to the serial server');
      const event = eventsOf(app, (t) => t.includes('/id/tcp-1/'));
      sockets[0]!.write('{"id":"tcp-1","t":5}\n');
      expect((await event).payload).toEqual({ id: 'tcp-1', t: 5 });
      await until(() => platform!.activeDevices({ typeId: 'rpi', deviceId: 'gw1' }) >= 1, 3000, 'command subscription');
      await app.publishAsync('iot-2/type/mcu-sensor/id/tcp-1/cmd/led/fmt/json', '{"led":"on"}', { qos: 1 });
      await until(() => received === '{"led":"on"}\n', 5000, 'command at the serial server');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
