import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { PipelineReject } from '../../src/pipeline/pipeline.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { startTestGateway } from '../support/gateway.js';
import { connectApplication, GATEWAY, messages$, startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { nextMatching, until } from '../support/wait.js';

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;
const pairs: VirtualSerialPair[] = [];
const devices: DeviceEnd[] = [];
const clients: MqttClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await Promise.all(devices.splice(0).map((device) => device.close()));
  await Promise.all(pairs.splice(0).map((pair) => pair.stop()));
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A user's profile on disk: a text console on a CRLF line, with a text template command. */
const CONSOLE_PROFILE = `
name: test-console
transport: { kind: serial, baudRate: 9600 }
framing: { kind: delimiter, delimiter: "\\r\\n" }
codec: { kind: json }
device: { typeId: console, deviceId: "{reading.id}" }
commands:
  - commandId: say
    params: { text: { type: string, maxLength: 32 } }
    encode: { kind: template, text: "SAY {text}" }
`;

/** Platform, application, a socat pair and the real gateway on its gateway end, with `profile` on the port. */
async function setup(profile: string, extra: Record<string, unknown> = {}) {
  platform = await startPlatform();
  const app = await connectApplication(platform.url());
  clients.push(app);
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const pair = new VirtualSerialPair('cmd');
  pairs.push(pair);
  await pair.start();
  const device = await pair.openDevice();
  devices.push(device);
  const port = Number(platform.url().split(':').pop());
  gateway = await startTestGateway(port, [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile }] }], extra);
  const rejects: PipelineReject[] = [];
  gateway.pipeline.rejects$.subscribe((reject) => rejects.push(reject));
  await nextMatching(gateway.adapters[0]!.status$, (status) => status.state === 'online');
  return { app, device, rejects };
}

/** The device speaks once so the gateway knows it, then the gateway has subscribed to its commands. */
async function announce(app: MqttClient, device: DeviceEnd, line: string, deviceId: string) {
  const seen = nextMatching(messages$(app), (m) => m.topic.includes(`/id/${deviceId}/`), 8000);
  await device.write(line);
  await seen;
  await until(
    () => platform!.activeDevices({ typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId }) >= 1,
    3000,
    'command subscription',
  );
}

describe('commands the profile does not allow never reach the device (socat ptys, real gateway and platform)', () => {
  it('refuses extra JSON params and an undeclared command; the next valid command arrives alone', async () => {
    const { app, device, rejects } = await setup('json-sensor');
    await announce(app, device, '{"id":"esp-3","temperature":20}\n', 'esp-3');
    const topic = (command: string) => `iot-2/type/mcu-sensor/id/esp-3/cmd/${command}/fmt/json`;
    await app.publishAsync(topic('led'), '{"led":"on","reboot":true}', { qos: 1 });
    await app.publishAsync(topic('erase-flash'), '{}', { qos: 1 });
    await app.publishAsync(topic('led'), '{"led":"blink"}', { qos: 1 });
    await device.waitFor('{"led":"blink"}\n');
    expect(device.received.toString('latin1')).toBe('{"led":"blink"}\n');
    expect(gateway!.pipeline.stats.rejects.command).toBe(2);
    expect(gateway!.pipeline.stats.commandsDelivered).toBe(1);
    expect(rejects.map((r) => r.reason)).toEqual([
      'command led: unknown param "reboot"; expected led; nothing written',
      'command erase-flash is not declared by profile json-sensor (declared: led, set-interval, reboot, firmware); nothing written',
    ]);
  });

  it('refuses CR/LF in a template param of a profile loaded from a file; the next valid command arrives alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-profiles-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'test-console.yaml'), CONSOLE_PROFILE);
    const { app, device, rejects } = await setup('test-console', { profilePaths: [dir] });
    await announce(app, device, '{"id":"console-1"}\r\n', 'console-1');
    const topic = 'iot-2/type/console/id/console-1/cmd/say/fmt/json';
    await app.publishAsync(topic, JSON.stringify({ text: 'hi\r\nFORMAT C:' }), { qos: 1 });
    await app.publishAsync(topic, JSON.stringify({ text: 'x'.repeat(33) }), { qos: 1 });
    await app.publishAsync(topic, JSON.stringify({ text: 'hello' }), { qos: 1 });
    await device.waitFor('SAY hello\r\n');
    expect(device.received.toString('latin1')).toBe('SAY hello\r\n');
    expect(rejects.map((r) => r.reason)).toEqual([
      'command say: param "text" contains byte 0x0d (CR) at offset 2; not allowed in a template; nothing written',
      'command say: param "text" is 33 characters long; expected at most 32; nothing written',
    ]);
  });

  it('refuses an oversized hex param; the next valid one arrives as one SLIP frame', async () => {
    const { app, device, rejects } = await setup('slip-struct-sensor');
    const reading = Buffer.alloc(13);
    reading.writeInt16LE(2150, 2);
    await announce(app, device, Buffer.concat([Buffer.of(0xc0), reading, Buffer.of(0xc0)]).toString('latin1'), 'env-cmd-gw');
    const topic = 'iot-2/type/env-sensor/id/env-cmd-gw/cmd/set-period/fmt/json';
    await app.publishAsync(topic, JSON.stringify({ hex: '3c'.repeat(4096) }), { qos: 1 });
    await app.publishAsync(topic, JSON.stringify({ hex: '3c3c' }), { qos: 1 });
    await app.publishAsync(topic, JSON.stringify({ hex: 'c0' }), { qos: 1 });
    // 0xC0 is 192 s; SLIP escapes it as DB DC inside the frame.
    await device.waitFor(Buffer.of(0xc0, 0xdb, 0xdc, 0xc0));
    expect(device.received).toEqual(Buffer.of(0xc0, 0xdb, 0xdc, 0xc0));
    expect(rejects.map((r) => r.reason)).toEqual([
      'command set-period: param "hex" has 4096 bytes; expected 1…1; nothing written',
      'command set-period: param "hex" has 2 bytes; expected 1…1; nothing written',
    ]);
  });
});
