import type { Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { Authorization, type Refusal } from '../../src/platform/authorization.js';
import { DEFAULT_REGISTRATION, DeviceRegistry, type SharedRegistry } from '../../src/platform/registration.js';

describe('Authorization, auto-registration on a fault', () => {
  it("refuses the request a registration fault meets, notifying 'registration failed', and admits the device's next one", async () => {
    let failing = true;
    // The cluster's registry (Redis) lost for the first request, back for the second.
    const shared: SharedRegistry = {
      get: async () => {
        if (failing) throw new Error('Connection is closed.');
        return undefined;
      },
      register: async (_key, device) => device,
      refuse: async () => undefined,
      refusedFor: async () => 0,
    };
    const refusals: Refusal[] = [];
    const authorization = new Authorization({
      registry: new DeviceRegistry(DEFAULT_REGISTRATION, shared),
      maxActive: 500,
      logger: silentLogger(),
      refused: (_client, _state, refusal) => refusals.push(refusal),
    });
    const client = { id: 'g:abc123:rpi:gw1' } as Client;
    authorization.connect(client, { kind: 'gateway', orgId: 'abc123', typeId: 'rpi', deviceId: 'gw1' });
    const state = authorization.stateOf(client)!;
    const topic = 'iot-2/type/sensor/id/s1/evt/e/fmt/json';

    expect(await authorization.publish(client, state, topic)).toBe(false);
    expect(refusals).toEqual([{ request: 'publish', topic, typeId: 'sensor', deviceId: 's1', reason: 'registration-failed' }]);
    expect(state.admitting.size).toBe(0);

    failing = false;
    expect(await authorization.publish(client, state, topic)).toBe(true);
    expect([...state.active]).toEqual(['sensor/s1']);
  });
});
