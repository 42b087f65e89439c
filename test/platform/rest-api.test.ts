import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { requestJson } from '../../src/cli/rest-client.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { type RestApi, type RestApiOptions, startRestApi } from '../../src/platform/rest-api.js';
import { makeCertificate } from '../support/certificates.js';
import { connectScriptedDevice } from '../support/dm-device.js';
import { capturingLogger } from '../support/logger.js';
import { APP, startPlatform } from '../support/platform.js';
import { until } from '../support/wait.js';

const DEVICE = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
let platform: EmbeddedPlatform | undefined;
let api: RestApi | undefined;
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.end(true);
  await api?.close();
  api = undefined;
  await platform?.close();
  platform = undefined;
});

function basic(apiKey: string, token: string) {
  return { authorization: `Basic ${Buffer.from(`${apiKey}:${token}`).toString('base64')}`, 'content-type': 'application/json' };
}

async function start(options: Partial<RestApiOptions> = {}, dmResponseTimeoutMs?: number) {
  platform = await startPlatform(dmResponseTimeoutMs ? { dmResponseTimeoutMs } : {});
  api = await startRestApi({ dm: platform.dm, applications: [APP], port: 0, ...options });
  return { platform, api };
}

function reboot(url: string, headers = basic(APP.apiKey, APP.token)) {
  return requestJson(`${url}/api/v0002/mgmt/requests`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ action: 'device/reboot', devices: [DEVICE] }),
  });
}

/** Polls a request's status until every device has an outcome (as `platform dm` does), failing loudly after `ms`. */
async function finalStatus(url: string, reqId: string, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { status: http, body } = await requestJson(`${url}/api/v0002/mgmt/requests/${reqId}/deviceStatus`, {
      headers: basic(APP.apiKey, APP.token),
    });
    if (http !== 200) throw new Error(`request ${reqId}: HTTP ${http} ${JSON.stringify(body)}`);
    const status = body as { complete: boolean; results: Array<Record<string, unknown>> };
    if (status.complete) return status;
    if (Date.now() > deadline) throw new Error(`request ${reqId} not complete within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startRequest(url: string): Promise<string> {
  const started = await reboot(url);
  expect(started.status).toBe(202);
  return (started.body as { reqId: string }).reqId;
}

describe('platform REST API: credentials', () => {
  it.each([
    { name: 'the right token', token: APP.token, status: 202 },
    { name: 'a wrong token of the same length', token: `${APP.token.slice(0, -1)}X`, status: 401 },
    { name: 'a wrong token that is a prefix of the right one', token: APP.token.slice(0, -1), status: 401 },
    { name: 'a wrong token longer than the right one', token: `${APP.token}-and-more`, status: 401 },
    { name: 'an empty token', token: '', status: 401 },
  ])('answers $status to $name', async ({ token, status }) => {
    const { api } = await start();
    expect((await reboot(api.url, basic(APP.apiKey, token))).status).toBe(status);
  });

  it('refuses an unknown API key with the right token, and a request without basic auth', async () => {
    const { api } = await start();
    expect((await reboot(api.url, basic('a-abc123-other', APP.token))).status).toBe(401);
    expect((await reboot(api.url, { authorization: 'Bearer x', 'content-type': 'application/json' })).status).toBe(401);
  });
});

describe('platform REST API: the request map stays bounded', () => {
  it('forgets answered requests once their results have been readable for retainMs', async () => {
    // Long enough for this test to read every result while it polls all of them at once.
    const { platform, api } = await start({ limits: { retainMs: 1000 } });
    clients.push(await connectScriptedDevice(platform.url(), DEVICE, { 'mgmt/initiate/device/reboot': { rc: 202 } }));
    const reqIds = await Promise.all(Array.from({ length: 20 }, () => startRequest(api.url)));
    const finals = await Promise.all(reqIds.map((reqId) => finalStatus(api.url, reqId)));
    expect(finals.map((final) => final.results)).toEqual(reqIds.map(() => [{ ...DEVICE, status: 1, rc: 202 }]));
    await until(() => api.heldRequests() === 0, 5000, 'the request map empty');
  });

  it('records a device that never answers as timed out, then forgets the request', async () => {
    const { api } = await start({ limits: { retainMs: 1000 } }, 100);
    const reqIds = await Promise.all(Array.from({ length: 20 }, () => startRequest(api.url)));
    const finals = await Promise.all(reqIds.map((reqId) => finalStatus(api.url, reqId)));
    const timedOut = {
      ...DEVICE,
      status: 2,
      timedOutAfterMs: 100,
      message: expect.stringMatching(/did not answer .* within 100 ms/),
    };
    expect(finals.map((final) => final.results)).toEqual(reqIds.map(() => [timedOut]));
    await until(() => api.heldRequests() === 0, 5000, 'the request map empty');
  });

  it('refuses a new request with 503 while maxRequests are still running', async () => {
    const { api } = await start({ limits: { maxRequests: 2 } }, 60_000);
    await startRequest(api.url);
    await startRequest(api.url);
    const third = await reboot(api.url);
    expect(third.status).toBe(503);
    expect(third.body).toEqual({ message: expect.stringMatching(/too many device management requests/) });
    expect(api.heldRequests()).toBe(2);
  });
});

describe('platform REST API: where it listens', () => {
  it.each([
    { host: '127.0.0.1', url: /^http:\/\/127\.0\.0\.1:\d+$/ },
    { host: '::1', url: /^http:\/\/\[::1\]:\d+$/ },
  ])('serves plain HTTP on the loopback address $host without a warning', async ({ host, url }) => {
    const { lines, logger } = capturingLogger('info');
    const { api } = await start({ host, logger });
    expect(api.url).toMatch(url);
    expect((await reboot(api.url)).status).toBe(202);
    expect(lines.join('')).not.toMatch(/reachable from other machines/);
  });

  it('binds to 127.0.0.1 when no host is given', async () => {
    const { api } = await start();
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves HTTPS with the given certificate, and nothing in clear', async () => {
    const certificate = await makeCertificate();
    rmSync(certificate.dir, { recursive: true, force: true });
    const { api } = await start({ cert: certificate.cert, key: certificate.key });
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const started = await requestJson(`${api.url}/api/v0002/mgmt/requests`, {
      method: 'POST',
      headers: basic(APP.apiKey, APP.token),
      body: JSON.stringify({ action: 'device/reboot', devices: [DEVICE] }),
      ca: certificate.cert,
    });
    expect(started.status).toBe(202);
    // Without the certificate the client does not trust it; in clear the server does not answer HTTP.
    await expect(reboot(api.url)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(reboot(api.url.replace('https:', 'http:'))).rejects.toThrow();
  });
});
