import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { fromEvent, type Observable } from 'rxjs';
import { silentLogger } from '../../src/logging.js';
import { EmbeddedPlatform, type PlatformOptions } from '../../src/platform/platform.js';
import { once } from './wait.js';

export const ORG = 'abc123';
export const GATEWAY = { typeId: 'rpi', deviceId: 'gw1', token: 'gateway-token-1' };
export const APP = { apiKey: 'a-abc123-testkey', token: 'app-token-1' };

/** The embedded platform on a free loopback port, with one gateway and one application. */
export function startPlatform(overrides: Partial<PlatformOptions> = {}): Promise<EmbeddedPlatform> {
  return EmbeddedPlatform.start({
    orgId: ORG,
    gateways: [GATEWAY],
    applications: [APP],
    listeners: { port: 0 },
    logger: silentLogger(),
    ...overrides,
  });
}

/** Connects a plain mqtt.js client and waits for CONNACK; rejects with the CONNACK error. */
export async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const outcome = await Promise.race([
    once(client, 'connect').then(() => undefined),
    once<[Error]>(client, 'error').then(([error]) => error),
  ]);
  if (outcome) {
    client.end(true);
    throw outcome;
  }
  return client;
}

/** An application client (`a:org:app`, API key and token). */
export function connectApplication(url: string, appId = 'app1'): Promise<MqttClient> {
  return connect(url, { clientId: `a:${ORG}:${appId}`, username: APP.apiKey, password: APP.token });
}

/** A raw gateway client (not our session), for testing the platform's rules. */
export function connectRawGateway(url: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return connect(url, {
    clientId: `g:${ORG}:${GATEWAY.typeId}:${GATEWAY.deviceId}`,
    username: 'use-token-auth',
    password: GATEWAY.token,
    ...extra,
  });
}

/** Messages arriving at a client as an Observable. */
export function messages$(client: MqttClient): Observable<{ topic: string; payload: Buffer; retain: boolean }> {
  return fromEvent(client, 'message', (topic: string, payload: Buffer, packet: { retain: boolean }) => ({
    topic,
    payload,
    retain: packet.retain,
  }));
}
