import { describe, expect, it } from 'vitest';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';

describe('a BLE profile transport', () => {
  it.each([
    ['a gatt profile without characteristics or write', { mode: 'gatt' }, /gatt: mode gatt needs/],
    ['a misspelt UUID', { filter: { serviceUuids: ['fcd'] } }, /serviceUuids\.0|Bluetooth UUID/],
    ['an address that is not a MAC', { filter: { addresses: ['aa:bb:cc'] } }, /MAC address/],
  ])('refuses %s', (_name, transport, message) => {
    const parsed = hardwareProfileSchema.safeParse({
      name: 'x',
      transport: { kind: 'ble', ...transport },
      codec: { kind: 'bthome' },
      device: { typeId: 't', deviceId: '{address}' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n')).toMatch(message);
  });
});
