import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../support/certificates.js';
import { CliProcess, runCli } from '../support/cli.js';
import { connectScriptedDevice } from '../support/dm-device.js';
import { APP, GATEWAY, ORG } from '../support/platform.js';

const DEVICE = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
const ANSWERS = {
  'mgmt/initiate/device/reboot': { rc: 202 },
  'mgmt/initiate/device/factory_reset': { rc: 500, message: 'flash busy' },
  'mgmt/custom/sensor/self-destruct': { rc: 501 },
};
// Credentials travel in the environment, as the README recommends, so no token is in any process's arguments.
const PLATFORM_ENV = {
  WIOTP_PLATFORM_GATEWAYS: `${GATEWAY.typeId}:${GATEWAY.deviceId}:${GATEWAY.token}`,
  WIOTP_PLATFORM_APPS: `${APP.apiKey}:${APP.token}`,
};
const DM_ENV = { WIOTP_API_AUTH: `${APP.apiKey}:${APP.token}` };

async function startPlatformProcess(extra: string[] = []) {
  const cli = new CliProcess(
    ['platform', '--org', ORG, '--port', '0', '--api-port', '0', '--log-level', 'warn', ...extra],
    PLATFORM_ENV,
  );
  const mqttUrl = (await cli.waitForLine(/^listening on mqtt:/)).replace('listening on ', '');
  const apiUrl = (await cli.waitForLine(/\(REST API\)$/)).replace('listening on ', '').replace(' (REST API)', '');
  return { cli, mqttUrl, apiUrl };
}

describe('wiotp-gateway platform dm', () => {
  let platform: Awaited<ReturnType<typeof startPlatformProcess>>;
  let device: MqttClient;
  const dm = (args: string[], env: NodeJS.ProcessEnv = DM_ENV) =>
    runCli(['platform', 'dm', ...args, '--api', platform.apiUrl, '--timeout', '5'], 15_000, env);

  beforeAll(async () => {
    platform = await startPlatformProcess();
    device = await connectScriptedDevice(platform.mqttUrl, DEVICE, ANSWERS);
  });
  afterAll(async () => {
    device?.end(true);
    await platform?.cli.stop();
  });

  it('says "accepted (202)" and exits 0 when the device accepts', async () => {
    const result = await dm(['reboot', '--type', DEVICE.typeId, '--id', DEVICE.deviceId]);
    expect(result).toMatchObject({ code: 0, stdout: 'mcu-sensor:esp-01 reboot: accepted (202)\n', stderr: '' });
  });

  it('prints the status as a JSON line with --json', async () => {
    const result = await dm(['reboot', '--type', DEVICE.typeId, '--id', DEVICE.deviceId, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ...DEVICE, status: 1, rc: 202, outcome: 'accepted' });
  });

  it('says "failed (500)" with the device\'s message and exits 1', async () => {
    const result = await dm(['factory-reset', '--type', DEVICE.typeId, '--id', DEVICE.deviceId]);
    expect(result).toMatchObject({ code: 1, stdout: 'mcu-sensor:esp-01 factory-reset: failed (500): flash busy\n' });
  });

  it('says "not supported (501)" and exits 1', async () => {
    const result = await dm(['sensor/self-destruct', '--type', DEVICE.typeId, '--id', DEVICE.deviceId]);
    expect(result).toMatchObject({ code: 1, stdout: 'mcu-sensor:esp-01 sensor/self-destruct: not supported (501)\n' });
  });

  it('says it timed out, and after how long, with exit code 3 when the device never answers', async () => {
    const result = await runCli(
      ['platform', 'dm', 'reboot', '--type', 'mcu-sensor', '--id', 'never-answers', '--api', platform.apiUrl, '--timeout', '1'],
      15_000,
      DM_ENV,
    );
    expect(result).toMatchObject({
      code: 3,
      stdout: "mcu-sensor:never-answers reboot: timed out after 1 s waiting for the device's response\n",
    });
  });

  it('exits 1 naming HTTP 401 when the platform refuses the credentials', async () => {
    const result = await dm(['reboot', '--type', DEVICE.typeId, '--id', DEVICE.deviceId], {
      WIOTP_API_AUTH: `${APP.apiKey}:wrong`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/HTTP 401/);
  });

  it('exits 2 for a usage mistake', async () => {
    const result = await dm(['explode', '--type', DEVICE.typeId, '--id', DEVICE.deviceId]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown action "explode"/);
  });

  it('documents its exit codes in --help', async () => {
    const { stdout } = await runCli(['platform', 'dm', '--help']);
    expect(stdout).toMatch(/Exit codes: 0 accepted or done.*1 refused or failed.*2 usage error, 3 timed out/s);
  });
});

describe('wiotp-gateway platform dm over HTTPS', () => {
  it('talks to a REST API served with --cert/--key when given the certificate with --ca', async () => {
    const certificate = await makeCertificate();
    const platform = await startPlatformProcess(['--cert', certificate.certFile, '--key', certificate.keyFile]);
    const device = await connectScriptedDevice(platform.mqttUrl, DEVICE, ANSWERS);
    try {
      expect(platform.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const args = ['platform', 'dm', 'reboot', '--type', DEVICE.typeId, '--id', DEVICE.deviceId, '--api', platform.apiUrl];
      const trusted = await runCli([...args, '--ca', certificate.certFile], 15_000, DM_ENV);
      expect(trusted).toMatchObject({ code: 0, stdout: 'mcu-sensor:esp-01 reboot: accepted (202)\n' });
      const untrusted = await runCli(args, 15_000, DM_ENV);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/cannot reach the platform REST API .*SELF_SIGNED/);
    } finally {
      device.end(true);
      await platform.cli.stop();
      rmSync(certificate.dir, { recursive: true, force: true });
    }
  });
});
