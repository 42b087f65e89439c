import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type PluginHarness, startPluginHarness } from '../../src/testing/index.js';
import { nextMatching } from '../support/wait.js';

const PLUGIN = fileURLToPath(new URL('../support/faulty-plugin/index.mjs', import.meta.url));
const PROFILE = fileURLToPath(new URL('../support/faulty-plugin/faulty-sensor.yaml', import.meta.url));

let harness: PluginHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await harness?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  harness = dir = undefined;
});

function trigger(): string {
  dir = mkdtempSync(join(tmpdir(), 'wiotp-kit-fault-'));
  return join(dir, 'fail-now');
}

const instanceOf = (payload: unknown) => (payload as { instance: string }).instance;

/** The payload of the first event from an instance other than `old` (a restarted plugin). */
function firstFrom(running: PluginHarness, old: string): Promise<unknown> {
  return nextMatching(running.events$, (event) => instanceOf(event.payload) !== old, 10_000).then((event) => event.payload);
}

describe('the plugin test kit and a plugin that fails', () => {
  it('with isolate, runs the plugin in a worker thread as run does, and restarts it after a throw from its timer', async () => {
    const file = trigger();
    harness = await startPluginHarness({
      plugin: PLUGIN,
      isolate: true,
      options: { id: 'fs-k1', fault: 'timer-throw', trigger: file },
      profiles: [PROFILE],
    });
    expect(harness.adapter).toBeUndefined();
    const before = instanceOf((await harness.waitForEvent({ device: { deviceId: 'fs-k1' } })).payload);
    writeFileSync(file, '');
    const after = instanceOf(await firstFrom(harness, before));
    expect(after).toMatch(/^[0-9a-f]{8}$/);
    expect(harness.logs.find((line) => String(line.msg).startsWith('adapter faulty-sensor failed'))).toMatchObject({
      level: 50,
      msg: expect.stringContaining('plugin thread ended by an uncaught Error: plugin bug in a timer callback'),
    });
  });

  it('in the test’s own thread, `adapter` is the instance running now, a new one after a restart', async () => {
    const file = trigger();
    harness = await startPluginHarness({
      plugin: PLUGIN,
      options: { id: 'fs-k2', fault: 'frames-error', trigger: file },
      profiles: [PROFILE],
    });
    const first = harness.adapter as unknown as { instance: string };
    expect(instanceOf((await harness.waitForEvent({ device: { deviceId: 'fs-k2' } })).payload)).toBe(first.instance);
    writeFileSync(file, '');
    const restarted = instanceOf(await firstFrom(harness, first.instance));
    expect((harness.adapter as unknown as { instance: string }).instance).toBe(restarted);
  });

  it('refuses isolate without a module specifier, naming why', async () => {
    await expect(
      startPluginHarness({ plugin: { createAdapter: () => ({}) as never }, isolate: true, profiles: [PROFILE] }),
    ).rejects.toThrow('plugin: isolate needs a module specifier');
  });
});
