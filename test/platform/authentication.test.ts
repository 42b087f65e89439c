import { describe, expect, it } from 'vitest';
import { authenticateClient, type KnownClients } from '../../src/platform/authentication.js';

const known: KnownClients = {
  orgId: 'abc123',
  gateways: [{ typeId: 'rpi', deviceId: 'gw1', token: 'gateway-token' }],
  applications: [{ apiKey: 'a-abc123-key', token: 'app-token' }],
};

describe('authenticateClient', () => {
  it('accepts a known gateway with use-token-auth and its token', () => {
    expect(authenticateClient(known, 'g:abc123:rpi:gw1', 'use-token-auth', Buffer.from('gateway-token'))).toEqual({
      ok: true,
      identity: { kind: 'gateway', orgId: 'abc123', typeId: 'rpi', deviceId: 'gw1' },
    });
  });

  it('accepts a known application with its API key and token', () => {
    const result = authenticateClient(known, 'a:abc123:dashboard', 'a-abc123-key', Buffer.from('app-token'));
    expect(result.ok && result.identity.kind).toBe('application');
  });

  it.each([
    ['a client id that is not one', 'nonsense', 'use-token-auth', 'gateway-token', 2, /nonsense/],
    ['another org', 'g:zzz999:rpi:gw1', 'use-token-auth', 'gateway-token', 2, 'client id g:zzz999:rpi:gw1 is not of org abc123'],
    [
      'a gateway with another user name',
      'g:abc123:rpi:gw1',
      'admin',
      'gateway-token',
      4,
      'must use the user name use-token-auth',
    ],
    [
      'a gateway with a wrong token',
      'g:abc123:rpi:gw1',
      'use-token-auth',
      'guess',
      4,
      'wrong token or unknown gateway g:abc123:rpi:gw1',
    ],
    ['an unknown gateway', 'g:abc123:rpi:gw2', 'use-token-auth', 'gateway-token', 4, 'wrong token or unknown gateway'],
    ['an application with a wrong token', 'a:abc123:dashboard', 'a-abc123-key', 'guess', 4, 'wrong API key or token'],
    ['a device', 'd:abc123:sensor:s1', 'use-token-auth', 'x', 2, 'this platform accepts gateways and applications'],
  ])('refuses %s with return code %i', (_name, clientId, username, password, returnCode, reason) => {
    const result = authenticateClient(known, clientId, username, Buffer.from(password));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.returnCode).toBe(returnCode);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('treats a missing password as an empty one', () => {
    expect(authenticateClient(known, 'g:abc123:rpi:gw1', 'use-token-auth', undefined).ok).toBe(false);
  });
});
