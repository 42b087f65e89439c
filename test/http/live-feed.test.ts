import { describe, expect, it } from 'vitest';
import type { LiveEvents, LiveHello } from '../../src/http/console-api.js';
import { LiveFeed } from '../../src/http/live-feed.js';
import type { PipelineTap } from '../../src/pipeline/pipeline-tap.js';

/** The feed's tap target: records what the feed sets, as the pipeline would hold it. */
class TapHolder {
  tap: PipelineTap | undefined;
  setTap(tap: PipelineTap | undefined): void {
    this.tap = tap;
  }
}

function client() {
  const events: Array<{ event: keyof LiveEvents; data: unknown }> = [];
  return { events, send: (event: keyof LiveEvents, data: string) => events.push({ event, data: JSON.parse(data) }) };
}

const ESP = { typeId: 'mcu-sensor', deviceId: 'esp-01' };

describe('LiveFeed (the one tap, fanned out)', () => {
  it('taps the pipeline only while someone watches', () => {
    const holder = new TapHolder();
    const feed = new LiveFeed({ target: holder, status: () => ({}) as never });
    expect(holder.tap).toBeUndefined();
    const leaveA = feed.join(client().send);
    const leaveB = feed.join(client().send);
    expect(holder.tap).toBeDefined();
    leaveA();
    expect(holder.tap).toBeDefined();
    leaveB();
    leaveB();
    expect(holder.tap).toBeUndefined();
    expect(feed.watching).toBe(0);
  });

  it('greets a client with what it knows and the status, then sends each batch to every client', async () => {
    const holder = new TapHolder();
    const feed = new LiveFeed({ target: holder, status: () => ({ status: { version: 'x' } }) as never, limits: { batchMs: 10 } });
    const first = client();
    const leaveFirst = feed.join(first.send);
    holder.tap?.frame({
      at: Date.now(),
      adapter: 'simulated',
      channel: 'ttyACM0',
      profile: 'json-sensor',
      device: ESP,
      reading: { t: 1 },
    });
    const second = client();
    const leaveSecond = feed.join(second.send);
    expect(second.events[0]?.event).toBe('hello');
    expect(second.events[1]).toEqual({ event: 'status', data: { status: { version: 'x' } } });
    await expect.poll(() => first.events.some((e) => e.event === 'batch')).toBe(true);
    const batch = first.events.find((e) => e.event === 'batch');
    expect(second.events.find((e) => e.event === 'batch')).toEqual(batch);
    expect((first.events[0]!.data as LiveHello).devices).toEqual([]);
    leaveFirst();
    leaveSecond();
  });

  it('starts afresh after everyone left: nothing is kept while nobody watches', () => {
    const holder = new TapHolder();
    const feed = new LiveFeed({ target: holder, status: () => ({}) as never });
    const leave = feed.join(client().send);
    holder.tap?.frame({
      at: 1,
      adapter: 'simulated',
      channel: 'ttyACM0',
      profile: 'json-sensor',
      device: ESP,
      reading: { t: 1 },
    });
    leave();
    const again = client();
    feed.join(again.send);
    expect((again.events[0]!.data as LiveHello).devices).toEqual([]);
    feed.close();
    expect(holder.tap).toBeUndefined();
  });
});
