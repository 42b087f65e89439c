import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { CliProcess, runCli } from '../support/cli.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';

let platform: EmbeddedPlatform | undefined;
let gateway: GatewayProcess | undefined;
let pair: VirtualSerialPair | undefined;
let device: DeviceEnd | undefined;
const watchers: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop('SIGKILL')));
  await device?.close();
  await gateway?.dispose();
  await pair?.stop();
  await platform?.close();
  platform = gateway = pair = device = undefined;
});

/** The daemon with a lab sensor on a socat pty that the test plays. */
async function labGateway(): Promise<{ url: string; device: DeviceEnd }> {
  platform = await startPlatform();
  pair = new VirtualSerialPair('watch');
  await pair.start();
  device = await pair.openDevice(115_200);
  gateway = new GatewayProcess({
    mqttPort: Number(platform.url().split(':').pop()),
    adapters: [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] }],
  });
  await gateway.start();
  return { url: gateway.url, device };
}

/** Writes `line` every `ms` until the returned function is called. */
function reportEvery(device: DeviceEnd, line: string, ms: number): () => void {
  const timer = setInterval(() => void device.write(line).catch(() => undefined), ms);
  return () => clearInterval(timer);
}

describe('wiotp-gateway watch (a running gateway, live)', () => {
  it('--json --frames prints each frame with its reading and each reject with its reason, for scripts', async () => {
    const { url, device } = await labGateway();
    const watcher = new CliProcess(['watch', '--url', url, '--json', '--frames']);
    watchers.push(watcher);
    await watcher.waitForLine(/"type":"status"/);
    await device.write('{"id":"lab7","T":21.5,"H":40}\n');
    await device.write('{"id":"lab7","T":21.5,,"H":40}\n');
    const frame = JSON.parse(await watcher.waitForLine(/"type":"frame"/));
    expect(frame).toMatchObject({
      device: 'mcu-sensor/lab7',
      hex: Buffer.from('{"id":"lab7","T":21.5,"H":40}').toString('hex'),
      reading: { id: 'lab7', T: 21.5, H: 40 },
      events: [expect.objectContaining({ topic: 'iot-2/type/mcu-sensor/id/lab7/evt/status/fmt/json' })],
    });
    const reject = JSON.parse(await watcher.waitForLine(/"type":"reject"/));
    expect(reject).toMatchObject({
      reject: { stage: 'decode', reason: expect.stringMatching(/^invalid JSON at position 22/), offset: 22 },
    });
    const deviceLine = JSON.parse(await watcher.waitForLine(/"type":"device".*"lab7"/));
    expect(deviceLine).toMatchObject({ key: 'mcu-sensor/lab7', reading: { T: 21.5 }, frames: 1 });
  });

  it('--frames prints every frame in hex beside its reading, the byte a reject names in brackets', async () => {
    const { url, device } = await labGateway();
    const watcher = new CliProcess(['watch', '--url', url, '--frames']);
    watchers.push(watcher);
    // A sensor that reports every 100 ms, as a real one would, whenever the watcher's stream opens.
    const stop = reportEvery(device, '{"id":"lab7","T":21.5}\n', 100);
    const line = await watcher.waitForLine(/mcu-sensor\/lab7/).finally(stop);
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {2}mcu-sensor\/lab7 {2}7b 22 69 64 22 .* {2}-> \{"id":"lab7","T":21\.5\} {2}\(status\)$/,
    );
    await device.write('{"id":"lab7",}\n');
    expect(await watcher.waitForLine(/REJECTED/)).toMatch(
      /7b 22 69 64 22 3a 22 6c 61 62 37 22 2c \[7d\] {2}REJECTED decode: invalid JSON at position 13: expected a string key/,
    );
  });

  it('shows the devices with rates and last values until --duration ends, and says when no gateway answers', async () => {
    const { url, device } = await labGateway();
    const stop = reportEvery(device, '{"id":"lab7","T":21.5}\n', 100);
    const { code, stdout } = await runCli(['watch', '--url', url, '--duration', '2'], 15_000).finally(stop);
    expect(code).toBe(0);
    expect(stdout).toMatch(/DEVICE\s+PROFILE CHANNEL\s+ADMISSION\s+EV\/S\s+SEEN\s+REJ\s+LAST VALUES/);
    expect(stdout).toMatch(/mcu-sensor\/lab7\s+json-sensor \S+\s+\w+\s+[\d.]+\s+\d+ s\s+0\s+id=lab7 T=21\.5/);

    const nobody = await runCli(['watch', '--url', 'http://127.0.0.1:9']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no gateway answers at http:\/\/127\.0\.0\.1:9/);
  });
});
