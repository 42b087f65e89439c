import { describe, expect, it } from 'vitest';
import {
  type ConnectionContext,
  describeClosedBeforeConnack,
  describeConnectionError,
} from '../../src/session/connection-errors.js';

const context = (overrides: Partial<ConnectionContext> = {}): ConnectionContext => ({
  host: 'abc123.messaging.internetofthings.ibmcloud.com',
  port: 8883,
  transport: 'tls',
  caGiven: false,
  connackSeen: false,
  now: new Date('1970-01-01T00:00:42.000Z'),
  ...overrides,
});
const failure = (message: string, code?: number | string) =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

describe('describeConnectionError', () => {
  it.each([
    [1, /refused MQTT 3\.1\.1 \(CONNACK 1/],
    [2, /rejected the client id \(CONNACK 2\): check orgId, typeId and deviceId/],
    [3, /unavailable \(CONNACK 3\)/],
    [4, /refused the token \(CONNACK 4/],
    [5, /not authorized \(CONNACK 5\)/],
  ])('names CONNACK %s', (code, words) => {
    expect(describeConnectionError(failure('Connection refused', code), context())).toMatch(words);
  });

  it('names the host and port nothing listens on, and which port each transport wants', () => {
    const text = describeConnectionError(
      failure('connect ECONNREFUSED 10.0.0.1:1884', 'ECONNREFUSED'),
      context({ port: 1884, transport: 'tcp' }),
    );
    expect(text).toMatch(/nothing listens on abc123\.messaging\.internetofthings\.ibmcloud\.com:1884/);
    expect(text).toMatch(/is 1884 its tcp port\?.*tcp is plain MQTT \(the service: 1883\), tls .*8883.*wss .*443/);
  });

  it.each([
    ['ENOTFOUND', /not known to DNS \(ENOTFOUND\): check org and connection\.host/],
    ['EAI_AGAIN', /no DNS answer .* yet \(EAI_AGAIN\): is the network up\?/],
    ['ENETUNREACH', /cannot be reached \(ENETUNREACH\): is the network up\?/],
    ['EHOSTUNREACH', /cannot be reached \(EHOSTUNREACH\)/],
    ['ETIMEDOUT', /cannot be reached \(ETIMEDOUT\)/],
  ])('says %s is the name or the network', (code, words) => {
    expect(describeConnectionError(failure(`getaddrinfo ${code}`, code), context())).toMatch(words);
  });

  it("names the machine's clock for a certificate not yet valid or expired: a Pi's is wrong until NTP sets it", () => {
    for (const [code, words] of [
      ['CERT_NOT_YET_VALID', 'not yet valid'],
      ['CERT_HAS_EXPIRED', 'expired'],
    ] as const) {
      const text = describeConnectionError(failure('certificate is not yet valid', code), context());
      expect(text).toContain(`certificate is ${words} by this machine's clock, which reads 1970-01-01T00:00:42.000Z`);
      expect(text).toMatch(/NTP/);
    }
  });

  it('asks for the CA when none was given, and says the given one did not sign it otherwise', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ]) {
      expect(describeConnectionError(failure('self-signed certificate', code), context())).toMatch(
        /not trusted \(self-signed certificate\): give the CA that signs it in connection\.caFile \(for the IBM service, messaging\.pem\)/,
      );
      expect(describeConnectionError(failure('self-signed certificate', code), context({ caGiven: true }))).toMatch(
        /not signed by the CA in connection\.caFile \(self-signed certificate\)/,
      );
    }
  });

  it('names the host a certificate is not for', () => {
    const error = failure("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID');
    expect(describeConnectionError(error, context())).toMatch(/certificate is not for abc123\.messaging\.\S+ \(Hostname/);
  });

  it('says a port that is not TLS when the handshake fails', () => {
    const reset = failure('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET');
    expect(describeConnectionError(reset, context({ port: 1883 }))).toMatch(
      /:1883 closed the connection during the TLS handshake: is it a TLS port\?/,
    );
    const version = failure('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER');
    expect(describeConnectionError(version, context({ port: 1883 }))).toMatch(
      /:1883 does not speak TLS \(wrong version number\): is it a plain MQTT port\?/,
    );
    // A reset once connected is just a reset.
    expect(describeConnectionError(failure('read ECONNRESET', 'ECONNRESET'), context({ connackSeen: true }))).toBe(
      'read ECONNRESET',
    );
  });

  it('says a service that is not MQTT, with the first bytes it sent as text', () => {
    const error = failure('Invalid header flag bits, must be 0x0 for puback packet');
    const text = describeConnectionError(
      error,
      context({ port: 80, transport: 'tcp', firstReply: Buffer.from('HTTP/1.1 400\r\n"x"') }),
    );
    expect(text).toBe(
      'abc123.messaging.internetofthings.ibmcloud.com:80 does not answer as an MQTT service (Invalid header flag bits, must be ' +
        '0x0 for puback packet; it sent "HTTP/1.1 400\\x0d\\x0a\\x22x\\x22"): transport tcp is plain MQTT (the service: 1883), ' +
        'tls is MQTT over TLS (8883), wss is WebSockets over TLS (443)',
    );
    const long = describeConnectionError(error, context({ firstReply: Buffer.alloc(40, 0x41) }));
    expect(long).toContain(`it sent "${'A'.repeat(24)}…"`);
    // The same words from the parser once connected are a broken stream, not a wrong port.
    expect(describeConnectionError(error, context({ connackSeen: true }))).toBe(error.message);
  });

  it('says a connection taken but never answered', () => {
    expect(describeConnectionError(failure('connack timeout'), context())).toMatch(
      /:8883 took the connection but sent no CONNACK within 15 s: is it an MQTT service\?/,
    );
  });

  it('passes anything else on as it is', () => {
    expect(describeConnectionError(failure('something new', 'ESOMETHING'), context())).toBe('something new');
  });
});

describe('describeClosedBeforeConnack', () => {
  it('asks whether a TLS port was reached in clear', () => {
    expect(describeClosedBeforeConnack(context({ port: 8883, transport: 'tcp' }))).toMatch(
      /:8883 closed the connection before its CONNACK: a TLS port reached with transport tcp\?/,
    );
  });

  it('over TLS, asks whether it is MQTT and takes the client id, and shows what it sent', () => {
    expect(describeClosedBeforeConnack(context({ firstReply: Buffer.from([0x15, 0x03, 0x03]) }))).toMatch(
      /before its CONNACK; it sent "\\x15\\x03\\x03": is it an MQTT service, and does it take this client id\?/,
    );
  });
});
