import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  authenticateApplication,
  authenticateGateway,
  parseApplicationCredential,
  parseGatewayCredential,
  splitCredentialList,
} from '../../src/platform/credentials.js';
import { secretsEqual } from '../../src/security/secrets.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
beforeEach(() => {
  timingSafeEqual.mockClear();
});

const TOKEN = 'gateway-token-1';

describe('secretsEqual', () => {
  it.each([
    { name: 'the same token', given: TOKEN, expected: true },
    { name: 'the same token as bytes', given: Buffer.from(TOKEN), expected: true },
    { name: 'a wrong token of the same length', given: 'gateway-token-2', expected: false },
    { name: 'a shorter token that is a prefix', given: 'gateway-token-', expected: false },
    { name: 'a longer token that starts with it', given: `${TOKEN}x`, expected: false },
    { name: 'an empty token', given: '', expected: false },
  ])('answers $expected for $name', ({ given, expected }) => {
    expect(secretsEqual(TOKEN, given)).toBe(expected);
  });

  it('compares fixed-length digests, also when the lengths differ (no early way out)', () => {
    secretsEqual(TOKEN, 'x');
    secretsEqual(TOKEN, 'x'.repeat(500));
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    }
  });
});

describe('authenticateGateway and authenticateApplication', () => {
  const gateways = [
    { typeId: 'rpi', deviceId: 'gw1', token: TOKEN },
    { typeId: 'rpi', deviceId: 'gw2', token: 'other-token' },
  ];
  const applications = [
    { apiKey: 'a-key-1', token: 'app-token-1' },
    { apiKey: 'a-key-2', token: 'app-token-2' },
  ];

  it('finds the gateway whose id and token both match', () => {
    expect(authenticateGateway(gateways, { typeId: 'rpi', deviceId: 'gw1' }, Buffer.from(TOKEN))).toBe(gateways[0]);
    expect(authenticateGateway(gateways, { typeId: 'rpi', deviceId: 'gw1' }, 'other-token')).toBeUndefined();
    expect(authenticateGateway(gateways, { typeId: 'rpi', deviceId: 'gw9' }, TOKEN)).toBeUndefined();
  });

  it('finds the application whose API key and token both match', () => {
    expect(authenticateApplication(applications, 'a-key-2', 'app-token-2')).toBe(applications[1]);
    expect(authenticateApplication(applications, 'a-key-2', 'app-token-1')).toBeUndefined();
    expect(authenticateApplication(applications, undefined, 'app-token-1')).toBeUndefined();
  });

  it('compares every entry, even after a match, so the time does not tell which entry matched', () => {
    authenticateApplication(applications, 'a-key-1', 'app-token-1');
    // Two fields for each of two applications.
    expect(timingSafeEqual).toHaveBeenCalledTimes(4);
    timingSafeEqual.mockClear();
    authenticateGateway(gateways, { typeId: 'rpi', deviceId: 'gw1' }, 'short');
    expect(timingSafeEqual).toHaveBeenCalledTimes(4);
  });
});

describe('parsing credentials', () => {
  it.each([
    { input: 'rpi:gw1:tok', expected: { typeId: 'rpi', deviceId: 'gw1', token: 'tok' } },
    { input: 'rpi:gw1:secret:with:colons', expected: { typeId: 'rpi', deviceId: 'gw1', token: 'secret:with:colons' } },
  ])('reads the gateway $input', ({ input, expected }) => {
    expect(parseGatewayCredential(input)).toEqual({ ok: true, value: expected });
  });

  it('reads an application, keeping colons in the token', () => {
    expect(parseApplicationCredential('a-key:t:o:k')).toEqual({ ok: true, value: { apiKey: 'a-key', token: 't:o:k' } });
  });

  it.each([
    { kind: 'gateway', parse: parseGatewayCredential, input: 'bad type:gw1:SECRET-1', reason: /typeId "bad type"/ },
    { kind: 'gateway', parse: parseGatewayCredential, input: 'rpi:gw1', reason: /the token is missing/ },
    { kind: 'gateway', parse: parseGatewayCredential, input: 'rpi::SECRET-1', reason: /deviceId/ },
    { kind: 'application', parse: parseApplicationCredential, input: ':SECRET-1', reason: /API key is missing/ },
    { kind: 'application', parse: parseApplicationCredential, input: 'a-key:', reason: /token is missing/ },
    { kind: 'application', parse: parseApplicationCredential, input: 'SECRET-1', reason: /API key is missing/ },
  ])('refuses the $kind $input with a reason that never shows the token', ({ parse, input, reason }) => {
    const parsed = parse(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toMatch(reason);
    expect(parsed.reason).not.toContain('SECRET-1');
  });

  it('splits a file into lines, skipping blanks and comments and keeping line numbers', () => {
    expect(splitCredentialList('# gateways\nrpi:gw1:a\r\n\n  rpi:gw2:b,c  \n', 'lines')).toEqual([
      { text: 'rpi:gw1:a', position: 2 },
      { text: 'rpi:gw2:b,c', position: 4 },
    ]);
  });

  it('splits an environment variable at commas and newlines, numbering the entries', () => {
    expect(splitCredentialList(' rpi:gw1:a, ,rpi:gw2:b\nrpi:gw3:c', 'commas')).toEqual([
      { text: 'rpi:gw1:a', position: 1 },
      { text: 'rpi:gw2:b', position: 2 },
      { text: 'rpi:gw3:c', position: 3 },
    ]);
    expect(splitCredentialList('', 'commas')).toEqual([]);
  });
});
