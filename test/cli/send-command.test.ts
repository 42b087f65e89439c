import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommand, orgFromOptions } from '../../src/cli/send-command.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { runCli } from '../support/cli.js';
import { startTestGateway } from '../support/gateway.js';
import { APP, connectApplication, GATEWAY, messages$, ORG, startPlatform } from '../support/platform.js';
import { VirtualSerialPair } from '../support/socat.js';
import { nextMatching, until } from '../support/wait.js';

const DEVICE_COMMAND = ['--type', 'mcu-sensor', '--id', 'esp-5', '--command', 'led', '--data', '{"led":"blink"}'];

describe('send-command, pure parts', () => {
  it('builds the command topic and the payload it prints, and names the option that is wrong', () => {
    expect(buildCommand({ type: 'mcu-sensor', id: 'esp-01', command: 'led', data: '{ "led": "on" }', format: 'json' })).toEqual({
      ok: true,
      value: { topic: 'iot-2/type/mcu-sensor/id/esp-01/cmd/led/fmt/json', payload: Buffer.from('{"led":"on"}') },
    });
    expect(buildCommand({ type: 'mcu sensor', id: 'x', command: 'led', format: 'json' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^--type: typeId "mcu sensor" has " "/),
    });
    expect(buildCommand({ type: 't', id: 'x', command: 'led', data: '{led:on}', format: 'json' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^--data is not JSON/),
    });
    expect(buildCommand({ type: 't', id: 'x', command: 'a/b', format: 'json' })).toMatchObject({
      ok: false,
      reason: /^--command:/,
    });
    expect(buildCommand({ type: 't', id: 'x', command: 'raw', data: 'RATE=5', format: 'text' })).toMatchObject({
      ok: true,
      value: { payload: Buffer.from('RATE=5') },
    });
  });

  it('takes the organization from an API key of the form a-{org}-…', () => {
    expect(orgFromOptions(undefined, 'a-abc123-xyz')).toEqual({ ok: true, value: 'abc123' });
    expect(orgFromOptions('def456', 'a-abc123-xyz')).toEqual({ ok: true, value: 'def456' });
    expect(orgFromOptions(undefined, 'my-key')).toMatchObject({ ok: false, reason: /give --org/ });
  });
});

describe('wiotp-gateway send-command against the embedded platform', () => {
  let platform: EmbeddedPlatform;
  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterAll(async () => {
    await platform.close();
  });

  it('publishes the command as an application; another application subscribed to commands receives it', async () => {
    const watcher = await connectApplication(platform.url(), 'watcher');
    try {
      await watcher.subscribeAsync('iot-2/type/+/id/+/cmd/+/fmt/+', { qos: 1 });
      const received = nextMatching(messages$(watcher), (message) => message.topic.includes('/cmd/set-rate/'));
      const port = new URL(platform.url()).port;
      const result = await runCli([
        'send-command',
        '--host',
        '127.0.0.1',
        '--port',
        port,
        '--key',
        APP.apiKey,
        '--token',
        APP.token,
        '--type',
        'lab-sensor',
        '--id',
        'lab7',
        '--command',
        'set-rate',
        '--data',
        '{"rate": 5}',
        '--app-id',
        'lab-cli',
      ]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        `sent iot-2/type/lab-sensor/id/lab7/cmd/set-rate/fmt/json {"rate":5} (10 bytes, QoS 1, acknowledged) as a:${ORG}:lab-cli to ${platform.url()}\n`,
      );
      expect(result.code).toBe(0);
      const message = await received;
      expect(message.topic).toBe('iot-2/type/lab-sensor/id/lab7/cmd/set-rate/fmt/json');
      expect(message.payload.toString()).toBe('{"rate":5}');
    } finally {
      await watcher.endAsync();
    }
  });

  it('reaches a device on its serial port through a running gateway', async () => {
    const pair = new VirtualSerialPair('send');
    await pair.start();
    const device = await pair.openDevice();
    const gateway = await startTestGateway(Number(new URL(platform.url()).port), [
      { kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] },
    ]);
    try {
      await nextMatching(gateway.adapters[0]!.status$, (status) => status.state === 'online');
      await device.write('{"id":"esp-5","temperature":20}\n');
      await until(
        () => platform.activeDevices({ typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId }) >= 1,
        5000,
        'device known',
      );
      const result = await runCli(
        ['send-command', '--host', '127.0.0.1', '--port', new URL(platform.url()).port, ...DEVICE_COMMAND],
        15_000,
        { WIOTP_API_KEY: APP.apiKey, WIOTP_API_TOKEN: APP.token },
      );
      expect(result.code).toBe(0);
      await device.waitFor('{"led":"blink"}\n');
    } finally {
      await gateway.close();
      await device.close();
      await pair.stop();
    }
  });

  it('reads the API key and token from the environment and says when they are refused', async () => {
    const port = new URL(platform.url()).port;
    const args = ['send-command', '--host', '127.0.0.1', '--port', port, '--type', 't', '--id', 'd', '--command', 'c'];
    const refused = await runCli(args, 15_000, { WIOTP_API_KEY: APP.apiKey, WIOTP_API_TOKEN: 'wrong-token' });
    expect(refused.stderr).toMatch(
      /cannot connect to mqtt:\/\/127\.0\.0\.1:\d+ as a:abc123:cli-\d+: .*\(check --key and --token\)/,
    );
    expect(refused.stderr).not.toContain('wrong-token');
    expect(refused.code).toBe(1);
    const missing = await runCli(args, 15_000, { WIOTP_API_KEY: '', WIOTP_API_TOKEN: '' });
    expect(missing.stderr).toMatch(/give --key and --token \(or WIOTP_API_KEY and WIOTP_API_TOKEN\)/);
    expect(missing.code).toBe(2);
  });
});
