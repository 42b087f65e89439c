import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IClientOptions } from 'mqtt';
import { applicationClientId, gatewayClientId } from '../protocol/client-id.js';
import type { DeviceRef } from '../protocol/ids.js';
import {
  DEFAULT_DOMAIN,
  PORT_MQTT,
  PORT_MQTTS,
  PORT_WSS,
  TLS_CIPHER_SUITES,
  TLS_MIN_VERSION,
  TOKEN_AUTH_USERNAME,
} from '../protocol/limits.js';

/** How the gateway reaches the service (seed: MQTT client connection). */
export type Transport = 'tcp' | 'tls' | 'wss';

/** Everything needed to open the one gateway connection. */
export interface EndpointOptions {
  orgId: string;
  gateway: DeviceRef;
  /** The gateway's authentication token: the MQTT password. Never logged. */
  token: string;
  transport: Transport;
  /** Messaging domain; the host is `{orgId}.messaging.{domain}`. */
  domain?: string;
  /** Overrides the host entirely (a local broker, the embedded platform). */
  host?: string;
  port?: number;
  /** PEM file with the CA chain that signs the server certificate. */
  caFile?: string;
  /** PEM text, as an alternative to caFile. */
  ca?: string | Buffer;
  /** Certificate checks; on unless turned off explicitly. */
  rejectUnauthorized?: boolean;
  /** WebSocket path, for `wss`. */
  wsPath?: string;
  cleanSession?: boolean;
  keepaliveSeconds?: number;
}

/** A resolved connection: the URL to show people, the options for mqtt.js, and warnings to log once. */
export interface ResolvedEndpoint {
  url: string;
  clientId: string;
  options: IClientOptions;
  warnings: string[];
}

/** Pure translation from our options to mqtt.js options (no sockets), so the rules are tested alone. */
export function resolveEndpoint(endpoint: EndpointOptions): ResolvedEndpoint {
  const credentials = {
    clientId: gatewayClientId(endpoint.orgId, endpoint.gateway),
    username: TOKEN_AUTH_USERNAME,
    password: endpoint.token,
    secret: 'gateway token',
  };
  return resolveConnection(endpoint, credentials);
}

/** An application's connection (client id `a:{orgId}:{appId}`, API key and token), to the service or the embedded platform. */
export interface ApplicationEndpointOptions extends Omit<EndpointOptions, 'gateway' | 'token'> {
  appId: string;
  apiKey: string;
  /** The API key's token: the MQTT password. Never logged. */
  token: string;
}

/** Like `resolveEndpoint`, for an application (seed: applications use API keys). */
export function resolveApplicationEndpoint(endpoint: ApplicationEndpointOptions): ResolvedEndpoint {
  const credentials = {
    clientId: applicationClientId(endpoint.orgId, endpoint.appId),
    username: endpoint.apiKey,
    password: endpoint.token,
    secret: 'API token',
  };
  return resolveConnection(endpoint, credentials);
}

function resolveConnection(
  endpoint: Omit<EndpointOptions, 'gateway' | 'token'>,
  credentials: { clientId: string; username: string; password: string; secret: string },
): ResolvedEndpoint {
  const host = endpoint.host ?? `${endpoint.orgId}.messaging.${endpoint.domain ?? DEFAULT_DOMAIN}`;
  const defaultPort = { tcp: PORT_MQTT, tls: PORT_MQTTS, wss: PORT_WSS }[endpoint.transport];
  const port = endpoint.port ?? defaultPort;
  const protocol = { tcp: 'mqtt', tls: 'mqtts', wss: 'wss' } as const;
  const { clientId } = credentials;
  const warnings: string[] = [];
  const options: IClientOptions = {
    protocol: protocol[endpoint.transport],
    host,
    hostname: host,
    port,
    clientId,
    username: credentials.username,
    password: credentials.password,
    protocolVersion: 4,
    clean: endpoint.cleanSession ?? true,
    keepalive: endpoint.keepaliveSeconds ?? 60,
    connectTimeout: 15_000,
    resubscribe: false,
  };
  if (endpoint.transport === 'tcp') {
    warnings.push(
      `connecting without TLS on port ${port}: the ${credentials.secret} travels in clear; use transport "tls" or "wss"`,
    );
  } else {
    const rejectUnauthorized = endpoint.rejectUnauthorized ?? true;
    if (!rejectUnauthorized) {
      warnings.push('TLS certificate checks are turned off (rejectUnauthorized: false): the server is not authenticated');
    }
    const ca = endpoint.ca ?? (endpoint.caFile ? readFileSync(endpoint.caFile) : undefined);
    const tls = {
      rejectUnauthorized,
      minVersion: TLS_MIN_VERSION as 'TLSv1.2',
      ciphers: TLS_CIPHER_SUITES.join(':'),
      // SNI carries host names only; an IP address there is refused by Node.
      ...(isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
    };
    Object.assign(options, tls);
    if (endpoint.transport === 'wss') {
      options.path = endpoint.wsPath ?? '/mqtt';
      // mqtt.js hands only some TLS options to ws; give it all of them.
      options.wsOptions = { ...tls } as IClientOptions['wsOptions'];
    }
  }
  const path = endpoint.transport === 'wss' ? (options.path ?? '') : '';
  return { url: `${protocol[endpoint.transport]}://${host}:${port}${path}`, clientId, options, warnings };
}
