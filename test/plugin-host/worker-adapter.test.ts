import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom, type Observable, ReplaySubject, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelStatus, Frame } from '../../src/adapter.js';
import { loadProfiles } from '../../src/config/load.js';
import { WorkerAdapter } from '../../src/plugin-host/worker-adapter.js';
import { capturingLogger } from '../support/logger.js';
import { nextMatching } from '../support/wait.js';

const PLUGIN = fileURLToPath(new URL('../support/faulty-plugin/index.mjs', import.meta.url));
const PROFILE = fileURLToPath(new URL('../support/faulty-plugin/faulty-sensor.yaml', import.meta.url));
const loaded = loadProfiles([PROFILE]);
if (!loaded.ok) throw new Error(loaded.reason);
const profiles = loaded.value;

const adapters: WorkerAdapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((adapter) => adapter.close()));
});

async function plugin(options: Record<string, unknown>, specifier = PLUGIN, writeTimeoutMs?: number) {
  const log = capturingLogger('info');
  const adapter = await WorkerAdapter.create({
    specifier,
    baseDir: process.cwd(),
    options,
    profiles,
    logger: log.logger,
    ...(writeTimeoutMs ? { writeTimeoutMs } : {}),
  });
  adapters.push(adapter);
  // Everything from the start, whenever the test looks.
  const frames = new ReplaySubject<Frame>();
  const statuses = new ReplaySubject<ChannelStatus>();
  const frameErrors = new ReplaySubject<Error>();
  adapter.frames$.subscribe({ next: (frame) => frames.next(frame), error: (error: Error) => frameErrors.next(error) });
  adapter.status$.subscribe((status) => statuses.next(status));
  return { adapter, frames, statuses, frameErrors, log };
}

const payload = (frame: Frame) => JSON.parse(Buffer.from(frame.bytes).toString('utf8')) as { seq: number; instance: string };

describe('a plugin in a worker thread, seen as an Adapter', () => {
  it('passes frames as bytes, one source object per channel, and the status the plugin reports', async () => {
    const { adapter, frames, statuses } = await plugin({ id: 'fs-1' });
    expect(adapter.name).toBe('faulty-sensor');
    await adapter.start();
    const [first, second] = await firstValueFrom(frames.pipe(take(2), toArray()));
    expect(payload(first!).seq).toBe(1);
    expect(payload(second!).seq).toBe(2);
    expect(Buffer.isBuffer(first!.bytes)).toBe(true);
    expect(first!.profile).toBe('faulty-sensor');
    // The pipeline caches a device on its source object: the same object for every frame of a channel.
    expect(second!.source).toBe(first!.source);
    expect(first!.source).toEqual({ adapter: 'faulty-sensor', channel: 'fs-1', vars: { sensor: 'fs-1' } });
    await nextMatching(statuses, (status) => status.state === 'online');
  });

  it('gives up a write the plugin never answers, keeping nothing of it', async () => {
    const { adapter } = await plugin({ id: 'fs-9' }, PLUGIN, 200);
    await adapter.start();
    await expect(adapter.write!('fs-9', Buffer.from('{"text":"hang"}'))).rejects.toThrow(
      'not written: the plugin did not answer within 0.2 s',
    );
    expect((adapter as unknown as { writes: Map<number, unknown> }).writes.size).toBe(0);
    await expect(adapter.write!('fs-9', Buffer.from('{"text":"hello"}'))).resolves.toBeUndefined();
  });

  it('answers a write when the plugin has taken it, and rejects with the plugin’s own message when it refuses', async () => {
    const { adapter } = await plugin({ id: 'fs-2' });
    await adapter.start();
    await expect(adapter.write!('fs-2', Buffer.from('{"text":"hello"}'))).resolves.toBeUndefined();
    await expect(adapter.write!('fs-2', Buffer.from('{"text":"refuse"}'))).rejects.toThrow(
      'sensor fs-2 refused {"text":"refuse"}',
    );
  });

  it('forwards the plugin’s log lines to the gateway’s logger with their fields', async () => {
    const { adapter, log } = await plugin({ id: 'fs-3' });
    await adapter.start();
    const [line] = log.records(/faulty sensor started/);
    expect(line).toMatchObject({ level: 30, sensor: 'fs-3', instance: expect.stringMatching(/^[0-9a-f]{8}$/) });
  });

  it.each([
    ['timer-throw', 'plugin thread ended by an uncaught Error: plugin bug in a timer callback'],
    ['unhandled-rejection', 'plugin thread ended by an uncaught Error: plugin bug: a promise nobody awaits'],
    ['frames-error', 'sensor bus parity error'],
    ['exit', 'plugin thread exited with code 3'],
  ])(
    'turns a %s in the plugin into an error on frames$ carrying its message, and the gateway’s thread goes on',
    async (fault, message) => {
      const { adapter, frameErrors } = await plugin({ id: 'fs-4', fault, after: 2 });
      await adapter.start();
      const error = await firstValueFrom(frameErrors);
      expect(error.message).toBe(message);
      if (fault !== 'exit') expect(error.stack).toContain('faulty-plugin/index.mjs');
      // A dead thread answers no write: it is refused at once, naming why.
      if (fault !== 'frames-error')
        await expect(adapter.write!('fs-4', Buffer.from('{}'))).rejects.toThrow(/^not written: plugin thread /);
    },
  );

  it('reports a throw in start() as a failed start with the plugin’s message', async () => {
    const { adapter } = await plugin({ id: 'fs-5', fault: 'start-throw' });
    await expect(adapter.start()).rejects.toThrow('cannot open the sensor bus');
  });

  it('refuses, with the plugin’s message, a createAdapter that throws, an unknown profile or a module that is no plugin', async () => {
    await expect(plugin({ fault: 'melt' })).rejects.toThrow(/faulty-plugin options: fault: expected one of none/);
    await expect(plugin({ profile: 'no-such-profile' })).rejects.toThrow(/no hardware profile named "no-such-profile"; known: /);
    await expect(plugin({}, './no-such-plugin.mjs')).rejects.toThrow(/plugin \.\/no-such-plugin\.mjs cannot be loaded/);
    await expect(plugin({}, PROFILE.replace(/faulty-sensor\.yaml$/, '../logger.ts'))).rejects.toThrow(/is TypeScript/);
  });

  it('closes the plugin (its channels report closed) and ends the thread; frames$ completes, not errors', async () => {
    const { adapter, statuses, frameErrors } = await plugin({ id: 'fs-6' });
    await adapter.start();
    const done = lastState(adapter.status$);
    await adapter.close();
    expect(await done).toBe('closed');
    await expect(nextMatching(statuses, (status) => status.state === 'closed')).resolves.toBeDefined();
    let errored = false;
    frameErrors.subscribe(() => {
      errored = true;
    });
    expect(errored).toBe(false);
  });
});

/** The last channel state before the stream completes. */
function lastState(status$: Observable<ChannelStatus>): Promise<string | undefined> {
  return new Promise((resolve) => {
    let last: string | undefined;
    status$.pipe(filter(() => true)).subscribe({ next: (status) => (last = status.state), complete: () => resolve(last) });
  });
}
