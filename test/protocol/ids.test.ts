import { describe, expect, it } from 'vitest';
import { applicationClientId, gatewayClientId, parseClientId } from '../../src/protocol/client-id.js';
import { toDeviceId, validateId } from '../../src/protocol/ids.js';

describe('validateId', () => {
  it.each([
    { name: 'letters, digits and the three specials', input: 'Ab9-_.', ok: true },
    { name: 'exactly 36 characters', input: 'a'.repeat(36), ok: true },
    { name: 'one character', input: 'x', ok: true },
    { name: 'empty', input: '', ok: false, reason: /empty/ },
    { name: '37 characters', input: 'a'.repeat(37), ok: false, reason: /37 characters.*maximum is 36/ },
    { name: 'a colon', input: 'a:b', ok: false, reason: /":" \(U\+003a\) at position 1/ },
    { name: 'a slash', input: 'ab/c', ok: false, reason: /"\/" .* at position 2/ },
    { name: 'a plus', input: '+', ok: false, reason: /"\+"/ },
    { name: 'a space', input: 'my device', ok: false, reason: /" " \(U\+0020\) at position 2/ },
    { name: 'a non-ASCII letter', input: 'café', ok: false, reason: /U\+00e9/ },
  ])('$name', ({ input, ok, reason }) => {
    const result = validateId('deviceId', input);
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.reason).toMatch(reason as RegExp);
      expect(result.reason).toContain('deviceId');
    }
  });

  it('turns a MAC address into a valid deviceId', () => {
    expect(toDeviceId('AA:BB:CC:DD:EE:FF')).toEqual({ ok: true, value: 'AA-BB-CC-DD-EE-FF' });
  });
});

describe('client ids', () => {
  it('builds g:org:type:id for a gateway', () => {
    expect(gatewayClientId('abc123', { typeId: 'rpi', deviceId: 'gw1' })).toBe('g:abc123:rpi:gw1');
    expect(applicationClientId('abc123', 'app1')).toBe('a:abc123:app1');
  });

  it.each([
    { input: 'g:abc123:rpi:gw1', expected: { kind: 'gateway', orgId: 'abc123', typeId: 'rpi', deviceId: 'gw1' } },
    { input: 'd:abc123:sensor:s-1', expected: { kind: 'device', orgId: 'abc123', typeId: 'sensor', deviceId: 's-1' } },
    { input: 'a:abc123:dashboard', expected: { kind: 'application', orgId: 'abc123', appId: 'dashboard' } },
  ])('parses $input', ({ input, expected }) => {
    expect(parseClientId(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    { input: 'x:abc123:rpi:gw1', reason: /starts with "x:"/ },
    { input: 'g:abc123:rpi', reason: /3 parts; expected g:orgId:typeId:deviceId/ },
    { input: 'g:ABC:rpi:gw1', reason: /orgId "ABC"/ },
    { input: 'g:abc123:r pi:gw1', reason: /typeId "r pi"/ },
    { input: `g:abc123:rpi:${'z'.repeat(37)}`, reason: /deviceId .* maximum is 36/ },
    { input: 'a:abc123:app:extra', reason: /expected a:orgId:appId/ },
    { input: 'nocolons', reason: /no ":"-separated parts/ },
  ])('refuses $input', ({ input, reason }) => {
    const result = parseClientId(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
