import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../src/cli/event-stream.js';
import type { LiveBatch } from '../../src/http/console-api.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { startTestGateway } from '../support/gateway.js';
import { startPlatform } from '../support/platform.js';
import { until } from '../support/wait.js';

const TOKEN = 'console-api-token-0123456789';
const SIMULATED = [
  {
    kind: 'simulated',
    devices: [{ emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 50, options: { id: 'esp-01' } }],
  },
];

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await platform?.close();
  gateway = platform = undefined;
});

async function start(http: Record<string, unknown>): Promise<{ gateway: RunningGateway; url: string }> {
  platform = await startPlatform();
  gateway = await startTestGateway(Number(platform.url().split(':').pop()), SIMULATED, {
    http: { listen: '127.0.0.1:0', ...http },
  });
  await until(() => gateway!.pipeline.routesByDevice.size > 0, 5000, 'the first device');
  return { gateway, url: gateway.http!.url };
}

/** Whether the pipeline has a tap set (private: the console must leave none behind). */
const tapped = (gateway: RunningGateway) => (gateway.pipeline as unknown as { tap?: unknown }).tap !== undefined;

const auth = { Authorization: `Bearer ${TOKEN}` };
const post = (url: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(`${url}/api/console/commands`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }),
  );

describe('the console API of the local HTTP server', () => {
  it('serves the page without the token, under a policy that loads nothing from elsewhere', async () => {
    const { url } = await start({ token: TOKEN });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'.*frame-ancestors 'none'/);
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(await asset.text()).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost|www\.w3\.org)[a-z]/i);
    // Any other path is no file of the console: behind the token like the rest.
    expect((await fetch(`${url}/package.json`)).status).toBe(401);
    expect((await fetch(`${url}/assets/../../package.json`)).status).toBe(401);
  });

  it('asks for the token on the live stream and the command API', async () => {
    const { url } = await start({ token: TOKEN });
    expect((await fetch(`${url}/api/live`)).status).toBe(401);
    expect((await fetch(`${url}/api/console/devices`)).status).toBe(401);
    expect((await fetch(`${url}/api/live?token=wrong-token-0123456789`)).status).toBe(401);
    const devices = await fetch(`${url}/api/console/devices`, { headers: auth });
    expect(await devices.json()).toEqual([
      expect.objectContaining({
        key: 'mcu-sensor/esp-01',
        commands: expect.arrayContaining([expect.objectContaining({ commandId: 'led' })]),
      }),
    ]);
  });

  it('streams the greeting, the status and batches, and taps the pipeline only while someone reads', async () => {
    const { url, gateway } = await start({ token: TOKEN });
    expect(tapped(gateway)).toBe(false);
    const abort = new AbortController();
    const response = await fetch(`${url}/api/live?token=${TOKEN}`, { signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const parser = new EventStreamParser();
    const seen: string[] = [];
    let batch: LiveBatch | undefined;
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      for (const event of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        seen.push(event.event);
        if (event.event === 'batch') batch = JSON.parse(event.data) as LiveBatch;
      }
      if (batch?.frames.length) break;
    }
    expect(seen.slice(0, 2)).toEqual(['hello', 'status']);
    expect(tapped(gateway)).toBe(true);
    expect(batch?.frames[0]).toMatchObject({
      device: 'mcu-sensor/esp-01',
      hex: expect.stringMatching(/^7b22/),
      reading: { id: 'esp-01' },
    });
    abort.abort();
    await until(() => !tapped(gateway), 5000, 'the tap cleared after the client left');
  });

  it('sends a declared command as the console, previews without writing, and refuses what the gateway refuses', async () => {
    const { url, gateway } = await start({ token: TOKEN });
    const device = { typeId: 'mcu-sensor', deviceId: 'esp-01' };
    const preview = await post(url, { ...device, commandId: 'led', params: { led: 'on' }, dryRun: true });
    expect(preview).toEqual({
      status: 200,
      body: { ok: true, hex: Buffer.from('{"led":"on"}\n').toString('hex'), dryRun: true },
    });
    expect(gateway.pipeline.stats.commandsDelivered).toBe(0);
    const sent = await post(url, { ...device, commandId: 'led', params: { led: 'on' } });
    expect(sent).toEqual({ status: 200, body: { ok: true, hex: Buffer.from('{"led":"on"}\n').toString('hex'), dryRun: false } });
    expect(gateway.pipeline.stats.commandsDelivered).toBe(1);
    expect(await post(url, { ...device, commandId: 'led', params: { led: 'purple' } })).toEqual({
      status: 422,
      body: { ok: false, reason: 'command led: param "led" is "purple"; expected one of on, off, blink; nothing written' },
    });
    expect(await post(url, { ...device, commandId: 'self-destruct', params: {} })).toMatchObject({
      status: 422,
      body: { reason: expect.stringContaining('not declared by profile json-sensor') },
    });
    expect(await post(url, { ...device, params: {} })).toMatchObject({
      status: 400,
      body: { reason: expect.stringMatching(/^commandId: /) },
    });
    // Only JSON from a page of this server: a form posted by another site is turned away before anything runs.
    expect(
      await post(url, { ...device, commandId: 'led', params: { led: 'on' } }, { 'Content-Type': 'text/plain' }),
    ).toMatchObject({
      status: 415,
    });
    expect(
      await post(
        url,
        { ...device, commandId: 'led', params: { led: 'on' } },
        { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      ),
    ).toMatchObject({ status: 403 });
    expect(gateway.pipeline.stats.commandsDelivered).toBe(1);
  });

  it('without a token answers to loopback names only (a rebound DNS name is turned away)', async () => {
    const { url } = await start({});
    const statusWithHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${url}/api/status`, { headers: { Host: host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(url).port;
    expect(await statusWithHost(`evil.example:${port}`)).toBe(421);
    expect(await statusWithHost(`localhost:${port}`)).toBe(200);
    expect(await statusWithHost(`127.0.0.1:${port}`)).toBe(200);
  });
});
