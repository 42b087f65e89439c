import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/config/load.js';
import { type HardwareProfileInput, hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { checkDeviceTemplate } from '../../src/config/template-variables.js';

describe('device template checks', () => {
  const serial = [{ name: 'port.path' }, { name: 'port.name' }, { name: 'port.serialNumber', sometimes: 'USB ports only' }];
  it('warns about a variable only some channels have, and accepts reading fields', () => {
    expect(checkDeviceTemplate('{port.serialNumber}-{reading.id}', 'device.deviceId', serial, 'serial adapter')).toEqual({
      errors: [],
      warnings: [
        {
          path: 'device.deviceId',
          message: '{port.serialNumber} has a value on USB ports only; frames from other channels are rejected',
        },
      ],
    });
  });

  it('refuses literal text that no id may hold', () => {
    expect(checkDeviceTemplate('gps:{port.name}', 'device.deviceId', serial, 'serial adapter').errors).toEqual([
      {
        path: 'device.deviceId',
        message: '"gps:{port.name}" has ":" outside its placeholders; ids allow only A-Z a-z 0-9 - _ .',
      },
    ]);
  });
});

/** The problems a profile has when it loads, as `path: message`. */
function loadProblems(profile: Partial<HardwareProfileInput>): string[] {
  const parsed = hardwareProfileSchema.safeParse({
    name: 'p',
    transport: { kind: 'serial' },
    framing: { kind: 'delimiter' },
    codec: { kind: 'json' },
    device: { typeId: 't', deviceId: '{port.name}' },
    ...profile,
  });
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const modbus = {
  kind: 'modbus-rtu' as const,
  poll: {
    intervalMs: 1000,
    slaves: [
      {
        address: 1,
        deviceId: 'meter-{slave}',
        reads: [{ function: 'holding', address: 0, count: 1, fields: [{ name: 'v', register: 0, type: 'u16' }] }],
      },
    ],
  },
} satisfies HardwareProfileInput['codec'];

describe('a profile naming template variables, when it loads', () => {
  it.each<[string, Partial<HardwareProfileInput>]>([
    [
      'a serial profile with port variables and reading fields',
      { device: { typeId: 'gps', deviceId: '{port.serialNumber}-{reading.id}' } },
    ],
    ['a Modbus profile with {slave}', { codec: modbus, device: { typeId: 'th', deviceId: 'th-{port.name}-{slave}' } }],
    [
      'a BLE profile with {address}',
      { transport: { kind: 'ble' }, codec: { kind: 'ruuvi' }, device: { typeId: 'tag', deviceId: '{address}' } },
    ],
    [
      'a plugin profile with a variable of its own',
      { transport: { kind: 'plugin', plugin: 'x' }, device: { typeId: 'x', deviceId: '{plugin.id}' } },
    ],
    ['deviceInfo text with characters no id may hold', { deviceInfo: { serialNumber: 'SN:{port.serialNumber}' } }],
  ])('accepts %s', (_name, profile) => {
    expect(loadProblems(profile)).toEqual([]);
  });

  it.each<[string, Partial<HardwareProfileInput>, string]>([
    [
      'a serial profile naming a BLE variable',
      { device: { typeId: 't', deviceId: '{address}' } },
      'device.deviceId: {address} is not a variable the serial adapter offers; it offers {port.path}, {port.name}, {port.device}, {port.serialNumber}, {port.manufacturer}, {port.vendorId}, {port.productId} and {reading.FIELD}',
    ],
    [
      'a BLE profile naming a port variable',
      { transport: { kind: 'ble' }, codec: { kind: 'ruuvi' }, device: { typeId: '{port.name}', deviceId: '{address}' } },
      'device.typeId: {port.name} is not a variable the ble adapter offers; it offers {address}, {address.colon}, {rssi}, {localName} and {reading.FIELD}',
    ],
    [
      '{slave} outside a Modbus profile',
      { device: { typeId: 't', deviceId: 'x-{slave}' } },
      'device.deviceId: {slave} is not a variable the serial adapter offers',
    ],
    [
      "a Modbus slave's deviceId naming a BLE variable",
      {
        codec: {
          ...modbus,
          poll: { ...modbus.poll, slaves: modbus.poll.slaves.map((slave) => ({ ...slave, deviceId: '{address}' })) },
        },
      },
      'codec.poll.slaves.0.deviceId: {address} is not a variable the serial adapter offers',
    ],
    [
      'a misspelt variable in deviceInfo',
      { deviceInfo: { serialNumber: '{port.serialNumbr}' } },
      'deviceInfo.serialNumber: {port.serialNumbr} is not a variable the serial adapter offers; it offers {port.path}, {port.name}, {port.device}, {port.serialNumber}, {port.manufacturer}, {port.vendorId}, {port.productId} and {reading.FIELD} (did you mean {port.serialNumber}?)',
    ],
    [
      'an id template with characters no id may hold',
      { device: { typeId: 't', deviceId: 'gps:{port.name}' } },
      'device.deviceId: "gps:{port.name}" has ":" outside its placeholders; ids allow only A-Z a-z 0-9 - _ .',
    ],
  ])('refuses %s, naming the field', (_name, profile, problem) => {
    const problems = loadProblems(profile);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  const dir = mkdtempSync(join(tmpdir(), 'wiotp-template-variables-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes loadProfile fail with the file, the field and what the adapter offers', () => {
    const file = join(dir, 'gps.yaml');
    writeFileSync(
      file,
      'name: gps\ntransport: { kind: serial }\nframing: { kind: delimiter }\ncodec: { kind: nmea0183 }\ndevice: { typeId: gps, deviceId: "{port.nam}" }\n',
    );
    const loaded = loadProfile(file);
    expect(loaded.ok).toBe(false);
    expect(loaded.ok ? '' : loaded.reason).toMatch(
      new RegExp(
        `^${file} is not valid:\\n  device\\.deviceId: \\{port\\.nam\\} is not a variable the serial adapter offers; .*\\(did you mean \\{port\\.name\\}\\?\\)$`,
      ),
    );
  });
});
