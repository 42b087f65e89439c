import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/pipeline/gateway-view.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { runCli } from '../support/cli.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { startPlatform } from '../support/platform.js';

let platform: EmbeddedPlatform | undefined;
const gateways: GatewayProcess[] = [];

afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.dispose();
  await platform?.close();
  platform = undefined;
});

const SIMULATED = [
  {
    kind: 'simulated',
    devices: [{ emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 50, options: { id: 'esp-01' } }],
  },
];

/** A gateway on the embedded platform, its new device publishing (and, for `settleMs`, 60 s, keeping what it published). */
async function publishingGateway(extra: Record<string, unknown> = {}) {
  platform = await startPlatform();
  const gateway = new GatewayProcess({ mqttPort: Number(platform.url().split(':').pop()), adapters: SIMULATED, extra });
  gateways.push(gateway);
  await gateway.start();
  await gateway.waitFor((status) => status.sender.published >= 3, 'three events published');
  return gateway;
}

async function queueCheck(url: string) {
  const report = (await (await fetch(`${url}/readyz`)).json()) as HealthReport;
  return { status: report.status, check: report.checks.find((check) => check.name === 'queue') };
}

/** "N queued" or "N event(s)", then how many of them were delivered and are only kept while their device settles. */
const SETTLING = /\((?:\d+ to send; )?\d+ delivered, kept while their device settles\)/;

describe('`status` and /readyz about the queue', () => {
  it('say which queued events were delivered already and are only kept while their device settles', async () => {
    const gateway = await publishingGateway();
    const { queue } = await gateway.status();
    expect(queue.retained).toBeGreaterThan(0);
    expect(queue.retained).toBeLessThanOrEqual(queue.depth);

    const { check } = await queueCheck(gateway.url);
    expect(check).toMatchObject({ status: 'pass' });
    expect(check?.detail).toMatch(new RegExp(`^\\d+ queued ${SETTLING.source}$`));

    const status = await runCli(['status', '--url', gateway.url]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^queue\\s+\\d+ event\\(s\\) ${SETTLING.source}, \\d+ bytes`, 'm'));
  });

  it('a queue in memory by choice (store.enabled: false) is no warning: it says so, without "could not be opened"', async () => {
    const gateway = await publishingGateway({ store: { enabled: false } });
    const { status, check } = await queueCheck(gateway.url);
    expect(status).toBe('pass');
    expect(check).toMatchObject({ status: 'pass' });
    expect(check?.detail).toMatch(/, in memory: store\.enabled is false$/);

    const cli = await runCli(['status', '--url', gateway.url]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^ready\s+pass$/m);
    expect(cli.stdout).toMatch(/^queue\s+.*\d+ bytes.* {2}in memory: store\.enabled is false$/m);
    expect(cli.stdout).not.toContain('could not be opened');
    expect(cli.stdout).not.toContain('IN MEMORY ONLY');
  });
});
