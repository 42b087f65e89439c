import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInProfilesDir, loadProfile, loadProfiles } from '../../src/config/load.js';

const dir = builtInProfilesDir();
const files = readdirSync(dir).filter((name) => /\.(ya?ml|json)$/.test(name));

describe('hardware-profiles/', () => {
  it('loads as a whole with loadProfiles()', () => {
    const loaded = loadProfiles();
    expect(loaded.ok ? '' : loaded.reason).toBe('');
    expect(loaded.ok && [...loaded.value.keys()]).toEqual(
      expect.arrayContaining(['ruuvitag', 'bthome-sensor', 'ble-heart-rate']),
    );
  });

  it.each(files)('%s is a valid profile named after its file', (file) => {
    const profile = loadProfile(join(dir, file));
    expect(profile.ok ? '' : profile.reason).toBe('');
    expect(profile.ok && `${profile.value.name}.yaml`).toBe(file);
  });

  it('ble-heart-rate declares its vibrate command and a characteristic codec for each value', () => {
    const profile = loadProfile(join(dir, 'ble-heart-rate.yaml'));
    if (!profile.ok) throw new Error(profile.reason);
    const transport = profile.value.transport;
    expect(transport.kind === 'ble' && transport.gatt?.characteristics.map((c) => [c.uuid, c.codec?.kind])).toEqual([
      ['2a37', 'gatt'],
      ['2a19', 'gatt'],
      ['6e400003-b5a3-f393-e0a9-e50e24dcca9e', 'json'],
    ]);
    expect(profile.value.commands.map((c) => c.commandId)).toEqual(['vibrate']);
  });
});
