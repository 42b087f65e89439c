import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wiotp-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'profiles'));

// The lab engineer's new sensor, in the user's own profile folder.
writeFileSync(
  join(dir, 'profiles', 'lab-sensor.yaml'),
  `name: lab-sensor
transport: { kind: serial, baudRate: 115200 }
framing: { kind: delimiter, delimiter: "\\n" }
codec: { kind: key-value, pairSeparators: ";" }
device: { typeId: lab-sensor, deviceId: "{reading.ID}" }
events:
  - { eventId: climate, fields: [T, H] }
`,
);
writeFileSync(
  join(dir, 'profiles', 'typo.yaml'),
  `name: typo-sensor
transport: { kind: serial }
framing: { kind: delimiter }
codec: { kind: key-value, pairSeparators: ";" }
device: { typeId: "lab-{port.name}", deviceId: "{reading.Id}" }
`,
);
writeFileSync(
  join(dir, 'gateway.yaml'),
  `org: abc123
gateway: { typeId: rpi, deviceId: gw1 }
auth: { token: t }
profilePaths: [profiles]
adapters:
  - kind: serial
    ports:
      - { path: /dev/ttyACM3, profile: lab-sensor, deviceId: "bench-{port.name}" }
      - { path: /dev/ttyUSB4, profile: typo-sensor }
`,
);

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('wiotp-gateway decode with the user’s profiles', () => {
  it('shows the device and the events a frame becomes, from a profile in --profile-path', async () => {
    const { code, stdout } = await runCli([
      'decode',
      '--profile-path',
      join(dir, 'profiles'),
      '--profile',
      'lab-sensor',
      '--text',
      'T=21.5;H=40;ID=lab7',
    ]);
    expect(lines(stdout)).toEqual([
      {
        reading: { T: 21.5, H: 40, ID: 'lab7' },
        device: { typeId: 'lab-sensor', deviceId: 'lab7' },
        events: [
          {
            eventId: 'climate',
            format: 'json',
            topic: 'iot-2/type/lab-sensor/id/lab7/evt/climate/fmt/json',
            payload: { T: 21.5, H: 40 },
          },
        ],
      },
    ]);
    expect(code).toBe(0);
  });

  it("uses a config's profiles and its port's deviceId and path with --config and --port", async () => {
    const { code, stdout } = await runCli([
      'decode',
      '--config',
      join(dir, 'gateway.yaml'),
      '--port',
      '/dev/ttyACM3',
      '--text',
      'T=19;H=55;ID=lab9',
    ]);
    expect(lines(stdout)[0]).toMatchObject({ device: { typeId: 'lab-sensor', deviceId: 'bench-ttyACM3' } });
    expect(code).toBe(0);
  });

  it('lists the fields a frame has when the device template names a missing one, and exits 1', async () => {
    const { code, stdout } = await runCli([
      'decode',
      '--config',
      join(dir, 'gateway.yaml'),
      '--port',
      '/dev/ttyUSB4',
      '--text',
      'T=21.5;H=40;ID=lab7',
    ]);
    expect(lines(stdout)).toEqual([
      {
        ok: false,
        stage: 'device',
        reason:
          'device deviceId: template "{reading.Id}": {reading.Id} has no value for this frame; the frame has reading.T, reading.H, reading.ID',
        reading: { T: 21.5, H: 40, ID: 'lab7' },
        frame: Buffer.from('T=21.5;H=40;ID=lab7').toString('hex'),
      },
    ]);
    expect(code).toBe(1);
  });

  it('asks for --port when the config has several ports', async () => {
    const { code, stderr } = await runCli(['decode', '--config', join(dir, 'gateway.yaml'), '--text', 'T=1']);
    expect(stderr).toMatch(
      /has 2 serial ports; choose one with --port \(\/dev\/ttyACM3 \(lab-sensor\), \/dev\/ttyUSB4 \(typo-sensor\)\)/,
    );
    expect(code).toBe(2);
  });
});
