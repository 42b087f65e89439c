import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { startTestGateway } from '../support/gateway.js';
import { connectApplication, messages$, startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { nextMatching, until } from '../support/wait.js';

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;
let app: MqttClient | undefined;
const pairs: VirtualSerialPair[] = [];
const devices: DeviceEnd[] = [];

afterEach(async () => {
  await gateway?.close();
  await Promise.all(devices.splice(0).map((device) => device.close()));
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  app?.end(true);
  await platform?.close();
  platform = gateway = app = undefined;
});

/** The platform, an application, and a gateway with one JSON-lines port per name. */
async function setup(names: string[], extra: Record<string, unknown> = {}) {
  platform = await startPlatform();
  app = await connectApplication(platform.url());
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const ends: Record<string, { pair: VirtualSerialPair; device: DeviceEnd }> = {};
  for (const name of names) {
    const pair = new VirtualSerialPair(name);
    pairs.push(pair);
    await pair.start();
    const device = await pair.openDevice(115_200);
    devices.push(device);
    ends[name] = { pair, device };
  }
  const port = Number(platform.url().split(':').pop());
  gateway = await startTestGateway(
    port,
    [{ kind: 'serial', ports: names.map((name) => ({ path: ends[name]!.pair.gatewayPath, profile: 'json-sensor' })) }],
    extra,
  );
  const channelOnline = (name: string) => () =>
    [...(gateway!.view.status().adapters[0]?.channels ?? [])].some(
      (channel) => channel.channel === ends[name]!.pair.gatewayPath && channel.state === 'online',
    );
  for (const name of names) await until(channelOnline(name), 5000, `${name} open`);
  return ends;
}

const eventOf = (deviceId: string, n: number) =>
  nextMatching(messages$(app!), (m) => m.topic.includes(`/id/${deviceId}/`) && JSON.parse(m.payload.toString()).n === n, 5000);

describe('device identity', () => {
  it('refuses a second port claiming a device id bound to another, until the first goes offline; commands follow the binding', async () => {
    const ends = await setup(['a', 'b']);
    const first = eventOf('esp-1', 1);
    await ends.a!.device.write('{"id":"esp-1","n":1}\n');
    await first;
    await ends.b!.device.write('{"id":"esp-1","n":2}\n');
    await until(() => gateway!.pipeline.stats.rejects.device === 1, 5000, 'the claim refused');
    expect(gateway!.pipeline.recentRejects.at(-1)?.reason).toMatch(
      /esp-1 is bound to serial .*a-gw .*refused from serial .*b-gw/,
    );
    await app!.publishAsync('iot-2/type/mcu-sensor/id/esp-1/cmd/led/fmt/json', '{"led":"on"}', { qos: 1 });
    await ends.a!.device.waitFor('{"led":"on"}\n');
    expect(ends.b!.device.received.length).toBe(0);

    // Port a is unplugged: its device may show up on port b now.
    await ends.a!.pair.stop();
    await until(
      () =>
        gateway!.view.status().adapters[0]!.channels.some((c) => c.channel === ends.a!.pair.gatewayPath && c.state !== 'online'),
      5000,
      'port a offline',
    );
    const moved = eventOf('esp-1', 3);
    await ends.b!.device.write('{"id":"esp-1","n":3}\n');
    await moved;
    await app!.publishAsync('iot-2/type/mcu-sensor/id/esp-1/cmd/led/fmt/json', '{"led":"off"}', { qos: 1 });
    await ends.b!.device.waitFor('{"led":"off"}\n');
  });

  it('limits the device ids one port may invent per minute, and counts what it refused', async () => {
    const ends = await setup(['a'], { devices: { newIdsPerChannelPerMinute: 3 } });
    for (let i = 0; i < 5; i++) await ends.a!.device.write(`{"id":"fake-${i}","n":${i}}\n`);
    await until(() => gateway!.pipeline.stats.rejects.device === 2, 5000, 'two ids refused');
    expect(gateway!.pipeline.routesByDevice.size).toBe(3);
    expect(gateway!.pipeline.recentRejects.at(-1)?.reason).toMatch(/named 3 new device ids within a minute/);
  });
});

describe('commands are never silent', () => {
  it('delivers a command sent before the device’s first frame once the device is heard', async () => {
    const ends = await setup(['a']);
    await app!.publishAsync('iot-2/type/mcu-sensor/id/esp-7/cmd/led/fmt/json', '{"led":"blink"}', { qos: 1 });
    // The command waits for the device, nothing is written yet.
    await until(() => gateway!.session.counters.connects > 0, 2000, 'online');
    expect(ends.a!.device.received.length).toBe(0);
    await ends.a!.device.write('{"id":"esp-7","n":1}\n');
    await ends.a!.device.waitFor('{"led":"blink"}\n');
  });

  it('refuses a command for a device never heard, after the wait, logged and counted', async () => {
    await setup(['a'], { devices: { commandWaitMs: 1000 } });
    await app!.publishAsync('iot-2/type/mcu-sensor/id/ghost/cmd/led/fmt/json', '{"led":"on"}', { qos: 1 });
    await until(() => gateway!.pipeline.stats.rejects.command === 1, 5000, 'the command refused');
    expect(gateway!.pipeline.recentRejects.at(-1)).toMatchObject({
      stage: 'command',
      reason: expect.stringMatching(
        /command led for mcu-sensor\/ghost: no such device behind this gateway \(not heard within 1 s\)/,
      ),
    });
  });
});
