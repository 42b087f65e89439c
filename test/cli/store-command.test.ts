import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../src/store/sqlite-queue.js';
import { runCli } from '../support/cli.js';
import { testQueueOptions } from '../support/queue-options.js';

const dirs: string[] = [];
const open: SqliteQueue[] = [];
afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A stopped gateway's queue: a config naming a store directory, and a queue file in it with events of two devices. */
function stoppedGateway() {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-store-cli-'));
  dirs.push(dir);
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      'org: abc123',
      'gateway: { typeId: rpi, deviceId: gw1 }',
      'auth: { token: t }',
      'store: { path: ./state }',
      'adapters: [{ kind: serial, ports: [{ path: /dev/null, profile: json-sensor }] }]',
    ].join('\n'),
  );
  const file = join(dir, 'state', 'queue-abc123-rpi-gw1.sqlite');
  const queue = new SqliteQueue(testQueueOptions(file, { maxBytes: 1 << 24 }));
  const topic = (d: string) => `iot-2/type/sensor/id/${d}/evt/e/fmt/json`;
  for (let i = 0; i < 3; i++) queue.append('sensor/a', topic('a'), `{"n":${i}}`, 1, Date.now() - 60_000);
  queue.append('sensor/b', topic('b'), '{"n":9}', 1, Date.now());
  const keepOpen = () => open.push(queue);
  return { config, file, queue, keepOpen };
}

describe('wiotp-gateway store', () => {
  it('stats: events and bytes per device, found from the gateway config', async () => {
    const { config, file, queue } = stoppedGateway();
    queue.close();
    const text = await runCli(['store', 'stats', '--config', config]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`store ${file} (gateway abc123/rpi/gw1)`);
    expect(text.stdout).toMatch(/4 event\(s\)/);
    expect(text.stdout).toMatch(/sensor\/a\s+3\s+\d+\s+6\d s/);
    const json = await runCli(['store', 'stats', '--file', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      events: 4,
      devices: [
        { device: 'sensor/a', events: 3 },
        { device: 'sensor/b', events: 1 },
      ],
    });
  });

  it('export: every queued event, oldest first, as JSON lines', async () => {
    const { file, queue } = stoppedGateway();
    queue.close();
    const result = await runCli(['store', 'export', '--file', file, '--format', 'jsonl']);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.payload)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":9}']);
    expect(events[0]).toMatchObject({
      device: 'sensor/a',
      topic: 'iot-2/type/sensor/id/a/evt/e/fmt/json',
      qos: 1,
      retained: false,
    });
  });

  it('purge: refuses without --yes, then deletes everything', async () => {
    const { file, queue } = stoppedGateway();
    queue.close();
    const refused = await runCli(['store', 'purge', '--file', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes/);
    const purged = await runCli(['store', 'purge', '--file', file, '--yes']);
    expect(purged.stdout).toContain('deleted 4 event(s)');
    const stats = await runCli(['store', 'stats', '--file', file, '--json']);
    expect(JSON.parse(stats.stdout).events).toBe(0);
  });

  it('says so when a running gateway holds the queue', async () => {
    const { file, queue, keepOpen } = stoppedGateway();
    keepOpen();
    queue.commit();
    const result = await runCli(['store', 'stats', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/in use by another process \(is another wiotp-gateway running/);
  });
});
