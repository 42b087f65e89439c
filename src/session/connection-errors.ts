import type { Transport } from './endpoint.js';

// A connection that fails says what to check. In the field the usual causes are a port or transport that does not
// match the service (a TLS port reached in clear, an HTTP server, a plain port reached with TLS), a certificate the
// gateway cannot trust, and a Raspberry Pi's clock, which has no battery and is wrong until NTP sets it: a
// certificate then reads as "not yet valid" or "expired". Pure: no sockets.

/** What the session knows about the connection that failed. */
export interface ConnectionContext {
  host: string;
  port: number;
  transport: Transport;
  /** Whether connection.caFile (or ca) was given. */
  caGiven: boolean;
  /** Whether the service sent its CONNACK on this connection. */
  connackSeen: boolean;
  /** The first bytes the service sent on this connection, if any (TCP and TLS only). */
  firstReply?: Uint8Array;
  /** This machine's clock, for a certificate's dates. */
  now: Date;
}

const USUAL_PORTS =
  'transport tcp is plain MQTT (the service: 1883), tls is MQTT over TLS (8883), wss is WebSockets over TLS (443)';
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);
// mqtt-packet's words for bytes that are not MQTT.
const NOT_MQTT = /^(Invalid|Malformed|Cannot parse|Packet too short|Not supported|Unknown|Packet must|Connect flag|Will )/;
const FIRST_BYTES_SHOWN = 24;

/** Turns CONNACK codes, socket and TLS errors into words a person can act on. */
export function describeConnectionError(error: Error & { code?: number | string }, context: ConnectionContext): string {
  const where = `${context.host}:${context.port}`;
  switch (error.code) {
    case 1:
      return 'the service refused MQTT 3.1.1 (CONNACK 1, unacceptable protocol version)';
    case 2:
      return 'the service rejected the client id (CONNACK 2): check orgId, typeId and deviceId';
    case 3:
      return 'the service is unavailable (CONNACK 3); retrying';
    case 4:
      return 'the service refused the token (CONNACK 4, bad user name or password)';
    case 5:
      return 'the service says this gateway is not authorized (CONNACK 5)';
    case 'ECONNREFUSED':
      return `connection refused: nothing listens on ${where} (is the service up, and is ${context.port} its ${context.transport} port? ${USUAL_PORTS})`;
    case 'ENOTFOUND':
      return `the host ${context.host} is not known to DNS (ENOTFOUND): check org and connection.host`;
    case 'EAI_AGAIN':
      return `no DNS answer for ${context.host} yet (EAI_AGAIN): is the network up?`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return `${where} cannot be reached (${error.code}): is the network up?`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `${where} does not speak TLS (${error.message}): is it a plain MQTT port? ${USUAL_PORTS}`;
    case 'CERT_NOT_YET_VALID':
    case 'CERT_HAS_EXPIRED':
      return (
        `the service's certificate is ${error.code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'} by this ` +
        `machine's clock, which reads ${context.now.toISOString()}: if that is wrong, set the time first (a Raspberry Pi ` +
        'has no battery-backed clock and takes its time from NTP: docs/raspberry-pi.md, "The clock")'
      );
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the service's certificate is not for ${context.host} (${error.message}): check org and connection.host`;
  }
  if (typeof error.code === 'string' && UNTRUSTED.has(error.code)) {
    return context.caGiven
      ? `the service's certificate is not signed by the CA in connection.caFile (${error.message})`
      : `the service's certificate is not trusted (${error.message}): give the CA that signs it in connection.caFile ` +
          '(for the IBM service, messaging.pem)';
  }
  if (error.code === 'ECONNRESET' && /before secure TLS connection/.test(error.message)) {
    return `${where} closed the connection during the TLS handshake: is it a TLS port? ${USUAL_PORTS}`;
  }
  if (context.connackSeen) return error.message;
  if (error.message === 'connack timeout') {
    return `${where} took the connection but sent no CONNACK within 15 s: is it an MQTT service? ${USUAL_PORTS}`;
  }
  if (error.code === undefined && NOT_MQTT.test(error.message)) {
    return `${where} does not answer as an MQTT service (${error.message}${sent(context.firstReply)}): ${USUAL_PORTS}`;
  }
  return error.message;
}

/** The words for a connection the service closed before its CONNACK, with no error said. */
export function describeClosedBeforeConnack(context: ConnectionContext): string {
  const where = `${context.host}:${context.port}`;
  const hint =
    context.transport === 'tcp'
      ? `a TLS port reached with transport tcp? ${USUAL_PORTS}`
      : 'is it an MQTT service, and does it take this client id?';
  return `${where} closed the connection before its CONNACK${sent(context.firstReply)}: ${hint}`;
}

/** `; it sent "HTTP/1.1 400 Bad…"`: the first bytes as text, escapes for the rest. */
function sent(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  let text = '';
  for (const byte of bytes.subarray(0, FIRST_BYTES_SHOWN)) {
    text +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `; it sent "${text}${bytes.length > FIRST_BYTES_SHOWN ? '…' : ''}"`;
}
