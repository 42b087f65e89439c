import { describe, expect, it } from 'vitest';
import { plainListenerWarning } from '../../src/platform/exposure.js';
import { isLoopbackHost } from '../../src/security/loopback.js';

describe('isLoopbackHost', () => {
  it.each([
    { host: '127.0.0.1', loopback: true },
    { host: '127.10.0.2', loopback: true },
    { host: '::1', loopback: true },
    { host: '[::1]', loopback: true },
    { host: '0:0:0:0:0:0:0:1', loopback: true },
    { host: '::ffff:127.0.0.1', loopback: true },
    { host: 'localhost', loopback: true },
    { host: 'LOCALHOST', loopback: true },
    { host: '0.0.0.0', loopback: false },
    { host: '::', loopback: false },
    { host: '192.168.1.20', loopback: false },
    { host: '128.0.0.1', loopback: false },
    { host: '::ffff:10.0.0.1', loopback: false },
    { host: 'fe80::1', loopback: false },
    { host: 'gateway.local', loopback: false },
  ])('$host is loopback: $loopback', ({ host, loopback }) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('plainListenerWarning', () => {
  it.each([
    { host: '127.0.0.1', secure: false, warns: false },
    { host: '::1', secure: false, warns: false },
    { host: '127.0.0.1', secure: true, warns: false },
    { host: '0.0.0.0', secure: true, warns: false },
    { host: '0.0.0.0', secure: false, warns: true },
    { host: '::', secure: false, warns: true },
    { host: '192.168.1.20', secure: false, warns: true },
  ])('on $host with TLS $secure warns: $warns', ({ host, secure, warns }) => {
    const warning = plainListenerWarning({ name: 'REST API', host, secure });
    if (!warns) return expect(warning).toBeUndefined();
    expect(warning).toMatch(new RegExp(`REST API listener on ${host.replace(/\./g, '\\.')} is reachable from other machines`));
    expect(warning).toMatch(/--cert and --key/);
  });
});
