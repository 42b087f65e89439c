import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedAdapter } from '../../adapters/simulated/simulated-adapter.js';
import { runningAdapter } from '../../src/pipeline/adapter-boundary.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { launchChromium } from '../support/browser.js';
import { startTestGateway } from '../support/gateway.js';
import { startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { nextMatching } from '../support/wait.js';

// The web console in Debian's Chromium, against a real gateway: simulated serial devices, the simulated BLE
// radio under the real noble, a socat pty for a sensor we control, device management on, and an http.token
// (on loopback, so the token flow is tested without listening beyond it).
const TOKEN = 'console-test-token-0123456789';

let platform: EmbeddedPlatform;
let gateway: RunningGateway;
let pair: VirtualSerialPair;
let device: DeviceEnd;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;

beforeAll(async () => {
  platform = await startPlatform();
  pair = new VirtualSerialPair('lab');
  await pair.start();
  gateway = await startTestGateway(
    Number(platform.url().split(':').pop()),
    [
      {
        kind: 'simulated',
        devices: [
          { emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 250, options: { id: 'esp-01' } },
        ],
      },
      { kind: 'ble', profiles: ['ruuvitag'], simulated: true },
      { kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor', baudRate: 115200 }] },
    ],
    {
      http: { listen: '127.0.0.1:0', token: TOKEN },
      managed: { enabled: true, lifetime: 3600 },
      admission: { confirmWindowMs: 50 },
    },
  );
  device = await pair.openDevice(115200);
  browser = await launchChromium();
  page = await browser.context.newPage();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await device?.close();
  await gateway?.close();
  await pair?.stop();
  await platform?.close();
}, 30_000);

const url = () => `${gateway.http?.url}/`;

describe('the web console in a browser', () => {
  it('asks for the token once, refuses a wrong one, and keeps the right one for the tab without showing it', async () => {
    await page.goto(url());
    await page.getByRole('heading', { name: 'Token needed' }).waitFor();
    await page.getByLabel('HTTP token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused that token' }).waitFor();
    await page.getByLabel('HTTP token').fill(TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('.live-live').waitFor();
    await page.getByRole('heading', { name: 'Session' }).waitFor();
    expect(await page.content()).not.toContain(TOKEN);
    // A reload in the same tab needs no token again.
    await page.reload();
    await page.locator('.live-live').waitFor();
  });

  it('lists the serial and BLE devices, reachable by keyboard, and a sparkline gets new points', async () => {
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/devices$/);
    await page.locator('tr[data-device="mcu-sensor/esp-01"]').waitFor();
    await page.locator('tr[data-device="ruuvitag/c47c8d6a1b01"]').waitFor({ timeout: 15_000 });
    const sparkline = page.locator('tr[data-device="mcu-sensor/esp-01"] [data-field="temperature"] svg');
    const points = async () => Number(await sparkline.getAttribute('data-points'));
    await expect.poll(points, { timeout: 5000 }).toBeGreaterThan(0);
    const before = await points();
    await expect.poll(points, { timeout: 5000 }).toBeGreaterThan(before);
  });

  it('shows a bad frame from a serial port with the reason, the named byte marked, beside the good ones', async () => {
    await page.goto(`${url()}#/frames`);
    await device.write('{"id":"lab7","temperature":21.5}\n');
    await device.write('{"id":"lab7","temperature":21.5,,"humidity":40}\n');
    const rejected = page.locator('article.frame.rejected').filter({ hasText: 'invalid JSON at position 32' });
    await rejected.waitFor();
    expect(await rejected.locator('mark.offending').first().textContent()).toBe('2c');
    // The good line became a reading and an event on the device's own topic.
    await page.getByRole('combobox', { name: 'Device' }).selectOption('mcu-sensor/lab7');
    const good = page.locator('article.frame').filter({ hasText: 'mcu-sensor/lab7' }).first();
    await good.getByRole('button', { expanded: false }).click();
    await good.getByText('iot-2/type/mcu-sensor/id/lab7/evt/status/fmt/json').waitFor();
  });

  it('checks a command form as the gateway would, and a command sent from it arrives at the device', async () => {
    await page.goto(`${url()}#/commands?device=mcu-sensor/esp-01`);
    const interval = page.getByRole('form', { name: 'command set-interval' });
    await interval.getByLabel(/intervalMs/).fill('5');
    await interval.getByText('is 5; expected 100…3600000').waitFor();
    expect(await interval.getByRole('button', { name: 'Send set-interval' }).isDisabled()).toBe(true);

    const simulated = runningAdapter(gateway.adapters.find((adapter) => adapter.name === 'simulated')!);
    const actions$ = (simulated as SimulatedAdapter).actions$;
    const arrived = nextMatching(actions$, (action) => action.channel === 'ttyACM0' && action.action === 'LED is now on', 10_000);
    const led = page.getByRole('form', { name: 'command led' });
    await led.getByLabel(/led/).selectOption('on');
    // The gateway's own encoder previews the bytes (JSON line, framed with "\n").
    await led.getByText('7b 22 6c 65 64 22 3a 22 6f 6e 22 7d 0a').waitFor();
    await led.getByRole('button', { name: 'Send led' }).click();
    await led.locator('[data-outcome="written"]').filter({ hasText: '7b 22 6c 65 64 22 3a 22 6f 6e 22 7d 0a' }).waitFor();
    await arrived;
    // Logged as the console's: the latest commands list its origin.
    await page.locator('li').filter({ hasText: 'console' }).filter({ hasText: 'mcu-sensor/esp-01 led' }).waitFor();
  });

  it('shows each managed device with its lifetime and firmware state', async () => {
    await page.goto(`${url()}#/management`);
    const row = page.locator('tr').filter({ hasText: 'mcu-sensor/esp-01' });
    await row.getByText('managed', { exact: true }).waitFor({ timeout: 10_000 });
    await row.getByText('3600 s').waitFor();
    await row.getByText('idle, last update success').waitFor();
  });

  it("says which of the store's queued events were delivered already and are only kept while their device settles", async () => {
    // Every device here is new to the platform: its delivered events stay queued for admission's settleMs (60 s).
    await page.goto(`${url()}#/overview`);
    const store = page.locator('section').filter({ has: page.locator('#store-title') });
    await store.getByText(/\d+ delivered, kept while their device settles/).waitFor({ timeout: 10_000 });
    await store.getByText('yes', { exact: true }).waitFor();
  });

  it('fits a phone-sized screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url()}#/devices`);
    await page.locator('tr[data-device="mcu-sensor/esp-01"]').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
