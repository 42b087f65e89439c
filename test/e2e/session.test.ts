import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { MAX_PAYLOAD_BYTES, TLS_CIPHER_SUITES } from '../../src/protocol/limits.js';
import { ConnectionLostError, PayloadTooLargeError, UnsupportedQosError } from '../../src/session/errors.js';
import { GatewaySession, type GatewaySessionOptions } from '../../src/session/gateway-session.js';
import { makeCertificate } from '../support/certificates.js';
import { connectApplication, connectRawGateway, GATEWAY, messages$, ORG, startPlatform } from '../support/platform.js';
import { nextMatching, until } from '../support/wait.js';

let platform: EmbeddedPlatform | undefined;
const sessions: GatewaySession[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
});

function portOf(protocol: 'mqtt' | 'mqtts' | 'wss' = 'mqtt'): number {
  const address = platform!.addresses.find((a) => a.protocol === protocol);
  if (!address) throw new Error(`no ${protocol} listener`);
  return address.port;
}

function session(overrides: Partial<GatewaySessionOptions> = {}, logger = silentLogger()): GatewaySession {
  const created = new GatewaySession(
    {
      orgId: ORG,
      gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
      token: GATEWAY.token,
      transport: 'tcp',
      host: '127.0.0.1',
      reconnect: { initialMs: 50, maxMs: 200 },
      ...overrides,
      port: overrides.port ?? portOf(),
    },
    logger,
  );
  sessions.push(created);
  return created;
}

async function application() {
  const app = await connectApplication(platform!.url());
  clients.push(app);
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
  return app;
}

describe('GatewaySession over tcp', () => {
  it('connects as g:org:type:id with use-token-auth and publishes an event on the device topic', async () => {
    platform = await startPlatform();
    const app = await application();
    const gw = session();
    expect(gw.clientId).toBe(`g:${ORG}:rpi:gw1`);
    await gw.start();
    const arriving = nextMatching(messages$(app));
    await gw.publishEvent({ typeId: 'mydevice', deviceId: 'device1' }, 'status', 'json', '{"ok":true}', { qos: 1 });
    const message = await arriving;
    expect(message.topic).toBe('iot-2/type/mydevice/id/device1/evt/status/fmt/json');
    expect(message.retain).toBe(false);
  });

  it("writes packet numbers without mqtt-packet's 65,536-Buffer cache (~6.7 MiB of heap for good)", async () => {
    platform = await startPlatform();
    const app = await application();
    const gw = session();
    await gw.start();
    const arriving = nextMatching(messages$(app));
    await gw.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'json', '{"n":1}', { qos: 1 });
    await arriving;
    const mqttPacket = createRequire(import.meta.url)('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
  });

  it('sends PINGREQ every keepalive period even while PUBACKs keep arriving (no timer moved per event)', async () => {
    platform = await startPlatform();
    const broker = (platform as unknown as { broker: { once(event: 'ping', listener: () => void): void } }).broker;
    const gw = session({ keepaliveSeconds: 1 });
    await gw.start();
    const pinged = new Promise<void>((resolve) => broker.once('ping', resolve));
    const publishing = setInterval(() => {
      void gw.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'json', '{"n":1}', { qos: 1 }).catch(() => undefined);
    }, 100);
    try {
      await pinged;
    } finally {
      clearInterval(publishing);
    }
  });

  it('refuses a payload over 131072 bytes with a typed error before sending, and stays connected', async () => {
    platform = await startPlatform();
    const app = await application();
    const gw = session();
    await gw.start();
    const big = new Uint8Array(MAX_PAYLOAD_BYTES + 1);
    const error = await gw.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'bin', big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).size).toBe(MAX_PAYLOAD_BYTES + 1);
    // Still online: the platform would have disconnected us had it been sent.
    const arriving = nextMatching(messages$(app));
    await gw.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'bin', new Uint8Array(MAX_PAYLOAD_BYTES), { qos: 1 });
    expect((await arriving).payload.length).toBe(MAX_PAYLOAD_BYTES);
    expect(gw.current.state).toBe('online');
  });

  it('refuses QoS 2', async () => {
    platform = await startPlatform();
    const gw = session();
    await gw.start();
    await expect(gw.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'json', '{}', { qos: 2 as 1 })).rejects.toBeInstanceOf(
      UnsupportedQosError,
    );
  });

  it('delivers commands for the gateway and any device behind it on commands$, with one wildcard subscription', async () => {
    platform = await startPlatform();
    const gw = session();
    await gw.start();
    const app = await application();
    const forDevice = nextMatching(gw.commands$, (c) => c.device.deviceId === 'device1');
    const forGateway = nextMatching(gw.commands$, (c) => c.device.deviceId === GATEWAY.deviceId);
    // A wildcard subscription names no device: the service counts none as active for it.
    expect(platform.activeDevices(GATEWAY)).toBe(0);
    await app.publishAsync('iot-2/type/mydevice/id/device1/cmd/blink/fmt/json', '{"n":2}', { qos: 1 });
    await app.publishAsync('iot-2/type/rpi/id/gw1/cmd/reboot/fmt/txt', 'now', { qos: 1 });
    expect(await forDevice).toMatchObject({ commandId: 'blink', format: 'json', device: { typeId: 'mydevice' } });
    expect((await forGateway).payload.toString()).toBe('now');
  });

  it('surfaces platform notifications on notifications$, typed', async () => {
    platform = await startPlatform();
    const gw = session();
    await gw.start();
    const notification = nextMatching(gw.notifications$);
    await gw.publish('not/an/allowed/topic', 'x', { qos: 1 });
    expect(await notification).toMatchObject({ reason: 'topic-not-allowed', request: 'publish', topic: 'not/an/allowed/topic' });
  });

  it('reconnects after the platform restarts on the same port and restores its subscriptions', async () => {
    platform = await startPlatform();
    const port = portOf();
    const gw = session();
    await gw.start();
    const offline = nextMatching(gw.status$, (s) => s.state === 'offline');
    await platform.close();
    await offline;
    platform = await startPlatform({ listeners: { port } });
    await nextMatching(gw.status$, (s) => s.state === 'online', 5000);
    const app = await application();
    const command = nextMatching(gw.commands$);
    await until(
      () => platform!.subscribersOf('iot-2/type/mydevice/id/device1/cmd/ping/fmt/json').length > 0,
      3000,
      'subscriptions restored',
    );
    await app.publishAsync('iot-2/type/mydevice/id/device1/cmd/ping/fmt/json', '{}', { qos: 1 });
    expect((await command).commandId).toBe('ping');
  });

  it('reports a client-id conflict in plain words when another client keeps taking the connection over', async () => {
    platform = await startPlatform();
    const gw = session();
    await gw.start();
    const conflict = nextMatching(gw.status$, (s) => s.conflict === true, 10_000);
    // A rival that reconnects as fast as it is kicked out, like a second gateway with the same identity.
    const rival = await connectRawGateway(platform.url(), { reconnectPeriod: 20 });
    clients.push(rival);
    const status = await conflict;
    expect(status.reason).toMatch(/another client is probably using the client id g:abc123:rpi:gw1/);
  });

  it('rejects a wrong token on start with CONNACK 4 in plain words, and stops there', async () => {
    platform = await startPlatform();
    const gw = session({ token: 'wrong' });
    await expect(gw.start()).rejects.toMatchObject({ code: 4 });
    const status = await firstValueFrom(gw.status$.pipe(filter((s) => s.state === 'closed')));
    expect(status).toMatchObject({ authRefused: true, reason: expect.stringMatching(/refused the token \(CONNACK 4/) });
  });

  it('keeps retrying a refused token when retryOnAuthFailure is set', async () => {
    platform = await startPlatform();
    const gw = session({ token: 'wrong', retryOnAuthFailure: true });
    await expect(gw.start()).rejects.toMatchObject({ code: 4 });
    const retrying = await firstValueFrom(gw.status$.pipe(filter((s) => s.state === 'connecting')));
    expect(retrying.reason).toMatch(/refused the token/);
  });
});

/** Settles when `done` is called: its error, or undefined. */
function settled(): { done: (error?: Error) => void; outcome: Promise<Error | undefined> } {
  let done: (error?: Error) => void = () => undefined;
  const outcome = new Promise<Error | undefined>((resolve) => {
    done = resolve;
  });
  return { done, outcome };
}

/**
 * A broker that answers CONNECT and SUBSCRIBE but not PUBLISH on its first connection, and drops that
 * connection after `dropAfter` publishes; later connections get their PUBACKs. For what aedes never does.
 */
async function withholdingBroker(dropAfter: number): Promise<{ server: Server; port: number; published: number[] }> {
  const published: number[] = [];
  let connections = 0;
  const server = createServer((socket: Socket) => {
    const first = ++connections === 1;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') socket.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      if (packet.cmd === 'subscribe') {
        socket.write(
          mqttPacket.generate({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 1) }),
        );
      }
      if (packet.cmd === 'pingreq') socket.write(mqttPacket.generate({ cmd: 'pingresp' }));
      if (packet.cmd === 'publish' && packet.messageId !== undefined) {
        published.push(packet.messageId);
        if (!first) socket.write(mqttPacket.generate({ cmd: 'puback', messageId: packet.messageId }));
        else if (published.length === dropAfter) socket.destroy();
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, published };
}

describe("GatewaySession.send (the durable queue's path)", () => {
  it("writes a tick's QoS 1 events to the socket at once, each settled by its own PUBACK, in order", async () => {
    platform = await startPlatform();
    const app = await application();
    const gw = session();
    await gw.start();
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      app.on('message', (_topic, payload) => {
        received.push(payload.toString());
        if (received.length === 50) resolve();
      }),
    );
    const stream = (gw as unknown as { client: MqttClient }).client.stream;
    const writes = vi.spyOn(stream, 'write');
    const sends = Array.from({ length: 50 }, (_, i) => {
      const send = settled();
      gw.send('iot-2/type/t/id/d/evt/e/fmt/json', `{"n":${i}}`, 1, send.done);
      return send.outcome;
    });
    expect(await Promise.all(sends)).toEqual(Array(50).fill(undefined));
    await all;
    expect(writes).toHaveBeenCalledTimes(1);
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `{"n":${i}}`));
  });

  it.each(['tcp', 'tls'] as const)(
    'sends a publish made right after a QoS 0 one at once over %s, not after the service delays its ACK',
    async (transport) => {
      const certificate = await makeCertificate();
      platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
      const gw = session(
        transport === 'tls' ? { transport, port: portOf('mqtts'), caFile: certificate.certFile } : { transport: 'tcp' },
      );
      await gw.start();
      const acknowledged = () =>
        new Promise<number>((resolve) => {
          const sentAt = performance.now();
          gw.send('iot-2/type/t/id/d/evt/e/fmt/json', '{"n":1}', 1, () => resolve(performance.now() - sentAt));
        });
      // Past its first segments a connection's receiver ACKs one it does not answer (a QoS 0 PUBLISH) only when its
      // delayed-ACK timer fires, 40 ms on Linux; with Nagle's algorithm the next small write waited for that ACK.
      for (let i = 0; i < 50; i++) await acknowledged();
      const latencies: number[] = [];
      for (let round = 0; round < 5; round++) {
        gw.send(`iot-2/type/${GATEWAY.typeId}/id/${GATEWAY.deviceId}/evt/health/fmt/json`, '{"h":1}', 0, () => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        latencies.push(await acknowledged());
      }
      latencies.sort((a, b) => a - b);
      expect(latencies[2]).toBeLessThan(20);
    },
  );

  it.each(['tcp', 'tls'] as const)(
    "takes send()'s PUBACKs before mqtt.js over %s, which still gets commands and its own publishes' acks",
    async (transport) => {
      const certificate = await makeCertificate();
      platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
      const app = await application();
      const gw = session(
        transport === 'tls' ? { transport, port: portOf('mqtts'), caFile: certificate.certFile } : { transport: 'tcp' },
      );
      await gw.start();
      const seenByMqttJs: number[] = [];
      (gw as unknown as { client: MqttClient }).client.on('packetreceive', (packet) => {
        if (packet.cmd === 'puback' && packet.messageId !== undefined) seenByMqttJs.push(packet.messageId);
      });
      const commands: string[] = [];
      const gotCommands = new Promise<void>((resolve) =>
        gw.commands$.subscribe((command) => {
          commands.push(command.payload.toString());
          if (commands.length === 20) resolve();
        }),
      );
      const sends: Promise<Error | undefined>[] = [];
      const published: Promise<void>[] = [];
      for (let burst = 0; burst < 20; burst++) {
        for (let i = 0; i < 100; i++) {
          const send = settled();
          gw.send('iot-2/type/t/id/d/evt/e/fmt/json', `{"n":${burst * 100 + i}}`, 1, send.done);
          sends.push(send.outcome);
        }
        // mqtt.js's own QoS 1 publish (device management's path) and a command, amid the PUBACKs.
        published.push(gw.publish('iot-2/type/t/id/d/evt/dm/fmt/json', `{"burst":${burst}}`, { qos: 1 }));
        await app.publishAsync('iot-2/type/t/id/d/cmd/c/fmt/json', `{"burst":${burst}}`, { qos: 1 });
      }
      expect(await Promise.all(sends)).toEqual(Array(2000).fill(undefined));
      await Promise.all(published);
      await gotCommands;
      expect(commands).toEqual(Array.from({ length: 20 }, (_, burst) => `{"burst":${burst}}`));
      // mqtt.js saw the acks of its 20 publishes only, never the 2,000 of send().
      expect(seenByMqttJs).toHaveLength(20);
    },
  );

  it('fails the sends awaiting their PUBACK when the connection drops, and sends again once back online', async () => {
    const broker = await withholdingBroker(3);
    try {
      const gw = session({ port: broker.port });
      await gw.start();
      const sends = [0, 1, 2].map((i) => {
        const send = settled();
        gw.send('iot-2/type/t/id/d/evt/e/fmt/json', `{"n":${i}}`, 1, send.done);
        return send.outcome;
      });
      const outcomes = await Promise.all(sends);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(ConnectionLostError);
      await firstValueFrom(gw.status$.pipe(filter((status) => status.state === 'online')));
      const again = settled();
      gw.send('iot-2/type/t/id/d/evt/e/fmt/json', '{"n":0}', 1, again.done);
      expect(await again.outcome).toBeUndefined();
      expect(new Set(broker.published).size).toBe(broker.published.length);
    } finally {
      broker.server.close();
    }
  });
});

describe('GatewaySession over TLS and secure WebSockets', () => {
  it.each(['tls', 'wss'] as const)('connects over %s with the CA file, and fails without it', async (transport) => {
    const certificate = await makeCertificate();
    platform = await startPlatform({
      listeners: { port: 0, tlsPort: 0, wsPort: 0, cert: certificate.cert, key: certificate.key },
    });
    const port = portOf(transport === 'tls' ? 'mqtts' : 'wss');
    const app = await connectApplication(platform.url(), 'app-tls');
    clients.push(app);
    await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+');
    const trusted = session({ transport, port, caFile: certificate.certFile, wsPath: '/mqtt' });
    await trusted.start();
    const arriving = nextMatching(messages$(app));
    await trusted.publishEvent({ typeId: 't', deviceId: 'd' }, 'e', 'json', '{}', { qos: 1 });
    expect((await arriving).topic).toBe('iot-2/type/t/id/d/evt/e/fmt/json');
    await trusted.close();

    const untrusted = session({ transport, port, reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    await expect(untrusted.start()).rejects.toThrow(/self-signed|certificate/i);
  });

  it('says what to check when the port or transport does not match the service, or its certificate is not trusted', async () => {
    const certificate = await makeCertificate();
    platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
    const slow = { reconnect: { initialMs: 60_000, maxMs: 60_000 } };
    const offlineReason = async (gw: GatewaySession) => {
      gw.start().catch(() => undefined);
      const status = await firstValueFrom(gw.status$.pipe(filter((s) => s.state === 'offline')));
      return status.reason;
    };
    // A TLS port reached in clear: the TLS server closes without a word.
    expect(await offlineReason(session({ ...slow, port: portOf('mqtts') }))).toMatch(
      new RegExp(
        `127\\.0\\.0\\.1:${portOf('mqtts')} closed the connection before its CONNACK: a TLS port reached with transport tcp\\?`,
      ),
    );
    // A plain MQTT port reached with TLS.
    expect(await offlineReason(session({ ...slow, transport: 'tls', port: portOf(), caFile: certificate.certFile }))).toMatch(
      /closed the connection during the TLS handshake: is it a TLS port\?/,
    );
    // No CA given for a certificate the system does not trust.
    expect(await offlineReason(session({ ...slow, transport: 'tls', port: portOf('mqtts') }))).toMatch(
      /certificate is not trusted \(self-signed certificate\): give the CA that signs it in connection\.caFile/,
    );
    // Something else on the port: an HTTP server.
    const http = createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const port = (http.address() as { port: number }).port;
      expect(await offlineReason(session({ ...slow, port }))).toMatch(
        /does not answer as an MQTT service \(.*; it sent "HTTP\/1\.1 400 Bad Request…"\)/,
      );
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it.each([
    ['not yet valid', { notBeforeDate: new Date(Date.now() + 10 * 365 * 86_400_000) }],
    ['expired', { notBeforeDate: new Date(Date.now() - 2 * 86_400_000), notAfterDate: new Date(Date.now() - 86_400_000) }],
  ])("a certificate %s by this machine's clock names the clock (a Pi's is wrong until NTP sets it)", async (words, validity) => {
    const certificate = await makeCertificate(validity);
    platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
    const gw = session({
      transport: 'tls',
      port: portOf('mqtts'),
      caFile: certificate.certFile,
      reconnect: { initialMs: 60_000, maxMs: 60_000 },
    });
    await expect(gw.start()).rejects.toThrow();
    expect(gw.current.reason).toMatch(new RegExp(`certificate is ${words} by this machine's clock, which reads \\d{4}-.*NTP`));
  });

  it('connects without the CA only when certificate checks are turned off, and warns', async () => {
    const certificate = await makeCertificate();
    platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
    const warnings: string[] = [];
    const logger = silentLogger();
    logger.warn = ((_obj: unknown, message?: string) => {
      warnings.push(String(message));
    }) as typeof logger.warn;
    const gw = session({ transport: 'tls', port: portOf('mqtts'), rejectUnauthorized: false }, logger);
    await gw.start();
    expect(warnings.some((w) => /certificate checks are turned off/.test(w))).toBe(true);
  });

  it('serves TLS 1.2 only, with exactly the four cipher suites of the seed', async () => {
    const certificate = await makeCertificate();
    platform = await startPlatform({ listeners: { port: 0, tlsPort: 0, cert: certificate.cert, key: certificate.key } });
    const port = portOf('mqtts');
    const handshake = (options: Record<string, unknown>) =>
      new Promise<{ protocol: string | null; cipher: string }>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: certificate.cert, ...options }, () => {
          resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
          socket.destroy();
        });
        socket.on('error', reject);
      });
    const negotiated = await handshake({});
    expect(negotiated.protocol).toBe('TLSv1.2');
    expect(TLS_CIPHER_SUITES).toContain(negotiated.cipher);
    for (const suite of TLS_CIPHER_SUITES) {
      expect((await handshake({ ciphers: suite, maxVersion: 'TLSv1.2' })).cipher).toBe(suite);
    }
    await expect(handshake({ minVersion: 'TLSv1.3' })).rejects.toThrow();
    await expect(handshake({ ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', maxVersion: 'TLSv1.2' })).rejects.toThrow();
    await expect(handshake({ ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' })).rejects.toThrow();
  });
});
