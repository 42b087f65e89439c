import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wiotp-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'lab-sensor.yaml'),
  'name: lab-sensor\ntransport: { kind: serial, baudRate: 115200 }\nframing: { kind: delimiter, delimiter: "\\r\\n" }\ncodec: { kind: key-value }\ndevice: { typeId: lab-sensor, deviceId: "{reading.ID}" }\n',
);

describe('wiotp-gateway profiles', () => {
  it('lists built-in and the user’s profiles with where each comes from', async () => {
    const { code, stdout } = await runCli(['profiles', '--profile-path', dir]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME +TRANSPORT +FRAMING +CODEC +DEVICE +COMMANDS +FROM$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^lab-sensor +serial 115200 +delimiter +key-value +lab-sensor/\\{reading\\.ID\\} +- +${dir}/lab-sensor\\.yaml$`,
        ),
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^nmea-gps +serial 9600 +delimiter +nmea0183 .* set-rate +built-in$/));
    expect(lines).toHaveLength(11);
    expect(code).toBe(0);
  });

  it('prints one profile in full as YAML that validates again, defaults filled in', async () => {
    const { code, stdout } = await runCli(['profiles', 'lab-sensor', '--profile-path', dir]);
    expect(stdout.split('\n')[0]).toBe(`# ${dir}/lab-sensor.yaml (defaults filled in)`);
    const data = parse(stdout);
    expect(data).toMatchObject({ framing: { delimiter: '\r\n', maxLength: 4096 }, transport: { parity: 'none' } });
    expect(hardwareProfileSchema.safeParse(data).success).toBe(true);
    expect(code).toBe(0);
  });

  it('names the known profiles when asked for an unknown one', async () => {
    const { code, stderr } = await runCli(['profiles', 'lab-sensr']);
    expect(stderr).toMatch(/no profile named "lab-sensr"; known: .*ble-heart-rate/);
    expect(code).toBe(2);
  });
});
