import { BehaviorSubject, firstValueFrom, ReplaySubject, Subject, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Adapter, ChannelStatus, Frame, FrameReject } from '../../src/adapter.js';
import { AdapterBoundary } from '../../src/pipeline/adapter-boundary.js';
import { capturingLogger } from '../support/logger.js';
import { nextMatching, until } from '../support/wait.js';

/** An adapter the test drives by hand: what it emits, whether start() throws, what write() does. */
class HandDriven implements Adapter {
  readonly name = 'hand';
  readonly frames$ = new Subject<Frame>();
  readonly rejects$ = new Subject<FrameReject>();
  readonly status$ = new BehaviorSubject<ChannelStatus>({ adapter: 'hand', channel: 'a', state: 'connecting', at: 0 });
  started = 0;
  closed = 0;
  written: string[] = [];

  constructor(
    readonly id: number,
    private readonly behaviour: { startThrows?: boolean; closeThrows?: boolean } = {},
  ) {}

  async start(): Promise<void> {
    this.started++;
    if (this.behaviour.startThrows) throw new Error(`instance ${this.id} cannot open its bus`);
    this.status$.next({ adapter: 'hand', channel: 'a', state: 'online', at: Date.now() });
  }

  async write(channel: string, bytes: Uint8Array): Promise<void> {
    const text = Buffer.from(bytes).toString();
    if (text === 'refuse') throw new Error('the device said no');
    this.written.push(`${channel}:${text}`);
  }

  async close(): Promise<void> {
    this.closed++;
    if (this.behaviour.closeThrows) throw new Error('close went wrong');
    this.status$.next({ adapter: 'hand', channel: 'a', state: 'closed', at: Date.now() });
    this.frames$.complete();
  }

  emit(text: string): void {
    this.frames$.next({
      source: { adapter: 'hand', channel: 'a', vars: {} },
      profile: 'p',
      at: Date.now(),
      bytes: Buffer.from(text),
    });
  }
}

const boundaries: AdapterBoundary[] = [];
afterEach(async () => {
  await Promise.all(boundaries.splice(0).map((boundary) => boundary.close()));
});

/**
 * A boundary around hand-driven instances; `next` says how the factory makes the next ones (it may throw), `clock` is
 * its monotonic clock.
 */
function contain(next: (id: number) => HandDriven = (id) => new HandDriven(id), clock?: () => number) {
  const log = capturingLogger('info');
  const made: HandDriven[] = [];
  const make = async () => {
    const adapter = next(made.length);
    made.push(adapter);
    return adapter;
  };
  const first = next(0);
  made.push(first);
  // random 0: each delay is half its ceiling, 10, 20, 40 … ms.
  const boundary = new AdapterBoundary(first, make, {
    initialMs: 20,
    maxMs: 160,
    logger: log.logger,
    random: () => 0,
    ...(clock ? { monotonicNow: clock } : {}),
  });
  boundaries.push(boundary);
  const frames = new ReplaySubject<string>();
  boundary.frames$.subscribe((frame) => frames.next(Buffer.from(frame.bytes).toString()));
  const statuses = new ReplaySubject<ChannelStatus>();
  boundary.status$.subscribe((status) => statuses.next(status));
  return { boundary, made, frames, statuses, log };
}

describe('AdapterBoundary: one adapter’s fault never reaches the gateway', () => {
  it('restarts an adapter whose frames$ errors: offline with the reason, a fresh instance, frames resume', async () => {
    const { boundary, made, frames, statuses, log } = contain();
    await boundary.start();
    made[0]!.emit('one');
    made[0]!.frames$.error(new Error('bus parity error'));
    const offline = await nextMatching(statuses, (s) => s.state === 'offline');
    expect(offline).toMatchObject({
      adapter: 'hand',
      channel: 'a',
      reason: 'frames$ errored: bus parity error; restart 1 in 10 ms',
    });
    await until(() => made.length === 2 && made[1]!.started === 1, 2000, 'a second instance started');
    expect(made[0]!.closed).toBe(1);
    made[1]!.emit('two');
    expect(await firstValueFrom(frames.pipe(take(2), toArray()))).toEqual(['one', 'two']);
    const states = await firstValueFrom(statuses.pipe(take(4), toArray()));
    expect(states.map((s) => s.state)).toEqual(['connecting', 'online', 'offline', 'connecting']);
    await nextMatching(statuses, (s) => s.state === 'online' && s.at > offline.at);
    // Logged with its context and the stack of the error.
    const [line] = log.records(/adapter hand failed/);
    expect(line).toMatchObject({ level: 50, fault: 'frames$ errored', faults: 1, restartInMs: 10 });
    expect(line!.err).toMatchObject({ stack: expect.stringContaining('adapter-boundary.test.ts') });
    expect(boundary.faults).toBe(1);
  });

  it('contains a throw in start(): start resolves, the adapter reports offline as a whole, retried with growing back-off', async () => {
    const { boundary, made, statuses } = contain((id) => new HandDriven(id, { startThrows: id < 3 }));
    // The instance reported a channel before it failed: that channel goes offline.
    await expect(boundary.start()).resolves.toBeUndefined();
    const reasons = await firstValueFrom(statuses.pipe(take(6), toArray()));
    expect(reasons.filter((s) => s.state === 'offline').map((s) => s.reason)).toEqual([
      'start() failed: instance 0 cannot open its bus; restart 1 in 10 ms',
      'start() failed: instance 1 cannot open its bus; restart 2 in 20 ms',
      'start() failed: instance 2 cannot open its bus; restart 3 in 40 ms',
    ]);
    await until(() => made.length === 4, 2000, 'a fourth instance');
    await nextMatching(statuses, (s) => s.state === 'online');
    expect(boundary.faults).toBe(3);
  });

  it('reports a fault on the whole adapter (channel "*") when it had reported no channel, and clears it once restarted', async () => {
    const log = capturingLogger('info');
    let calls = 0;
    // An adapter that reports no channel at all.
    const silent = (start: () => Promise<void>): Adapter => ({
      name: 'hand',
      frames$: new Subject<Frame>(),
      rejects$: new Subject<FrameReject>(),
      status$: new Subject<ChannelStatus>(),
      start,
      close: async () => {},
    });
    const first = silent(() => Promise.reject(new Error('no bus')));
    const boundary = new AdapterBoundary(
      first,
      async () => {
        calls++;
        return silent(async () => {});
      },
      { initialMs: 20, maxMs: 160, logger: log.logger, random: () => 0 },
    );
    boundaries.push(boundary);
    const statuses = new ReplaySubject<ChannelStatus>();
    boundary.status$.subscribe((status) => statuses.next(status));
    await boundary.start();
    expect(await nextMatching(statuses, (s) => s.state === 'offline')).toMatchObject({
      channel: '*',
      reason: /^start\(\) failed: no bus/,
    });
    expect(await nextMatching(statuses, (s) => s.state === 'online')).toMatchObject({ channel: '*' });
    expect(calls).toBe(1);
  });

  it('treats frames$ completing before close() as a fault, and completing on close() as the end', async () => {
    const { boundary, made, statuses } = contain();
    await boundary.start();
    made[0]!.frames$.complete();
    expect(await nextMatching(statuses, (s) => s.state === 'offline')).toMatchObject({
      reason: 'frames$ completed before close(); restart 1 in 10 ms',
    });
    await until(() => made[1]?.started === 1, 2000, 'restarted');
    await boundary.close();
    expect(made[1]!.closed).toBe(1);
    expect(boundary.faults).toBe(1);
  });

  it('ignores a late error from an instance it has already replaced', async () => {
    const { boundary, made } = contain();
    await boundary.start();
    made[0]!.rejects$.error(new Error('first fault'));
    await until(() => made[1]?.started === 1, 2000, 'restarted');
    made[0]!.status$.error(new Error('echo of the first fault'));
    made[0]!.frames$.error(new Error('another echo'));
    made[1]!.emit('still here');
    expect(boundary.faults).toBe(1);
    expect(made.length).toBe(2);
  });

  it('refuses a write while restarting, naming why; a refused write fails the command, not the adapter', async () => {
    const { boundary, made } = contain();
    await boundary.start();
    await boundary.write!('a', Buffer.from('hello'));
    await expect(boundary.write!('a', Buffer.from('refuse'))).rejects.toThrow('the device said no');
    expect(boundary.faults).toBe(0);
    made[0]!.frames$.error(new Error('gone'));
    await expect(boundary.write!('a', Buffer.from('lost?'))).rejects.toThrow('adapter hand is restarting after a fault');
    await until(() => made[1]?.started === 1, 2000, 'restarted');
    await boundary.write!('a', Buffer.from('again'));
    expect(made.map((adapter) => adapter.written)).toEqual([['a:hello'], ['a:again']]);
  });

  it('starts the back-off over after a minute of running on the monotonic clock, never for a step of the wall clock', async () => {
    let mono = 5_000;
    const { boundary, made, statuses } = contain(undefined, () => mono);
    const offline = (text: string) => nextMatching(statuses, (s) => s.state === 'offline' && (s.reason ?? '').includes(text));
    const started = (n: number) => until(() => made.length === n && made[n - 1]!.started === 1, 2000, `instance ${n} started`);
    await boundary.start();
    made[0]!.frames$.error(new Error('first'));
    await started(2);
    // NTP steps the wall clock an hour forward; the second instance ran a second when it fails.
    const realNow = Date.now.bind(Date);
    const stepped = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    try {
      mono += 1000;
      made[1]!.frames$.error(new Error('second'));
      expect((await offline('second')).reason).toBe('frames$ errored: second; restart 2 in 20 ms');
      await started(3);
    } finally {
      stepped.mockRestore();
    }
    // The third runs a minute: its fault starts the back-off over.
    mono += 60_000;
    made[2]!.frames$.error(new Error('third'));
    expect((await offline('third')).reason).toBe('frames$ errored: third; restart 3 in 10 ms');
  });

  it('retries with back-off when the factory itself throws on a restart', async () => {
    let attempts = 0;
    const { boundary, made, statuses } = contain((id) => {
      if (id > 0 && attempts++ < 2) throw new Error(`factory attempt ${attempts} failed`);
      return new HandDriven(id);
    });
    await boundary.start();
    made[0]!.frames$.error(new Error('first'));
    await nextMatching(
      statuses,
      (s) => s.reason?.startsWith('createAdapter failed: factory attempt 2 failed; restart 3') ?? false,
    );
    await until(() => made.length === 2 && made[1]!.started === 1, 2000, 'a working instance');
    expect(boundary.faults).toBe(3);
  });

  it('close() during the back-off makes no new instance, reports every channel closed and completes the streams', async () => {
    const { boundary, made, statuses } = contain((id) => new HandDriven(id, { closeThrows: true }));
    await boundary.start();
    made[0]!.frames$.error(new Error('fault'));
    await nextMatching(statuses, (s) => s.state === 'offline');
    let completed = false;
    boundary.frames$.subscribe({ complete: () => (completed = true) });
    await boundary.close();
    expect(completed).toBe(true);
    expect(made.length).toBe(1);
    expect(await nextMatching(statuses, (s) => s.state === 'closed')).toMatchObject({ channel: 'a' });
  });

  it('logs a close() that throws and goes on', async () => {
    const { boundary, made, log } = contain((id) => new HandDriven(id, { closeThrows: true }));
    await boundary.start();
    await expect(boundary.close()).resolves.toBeUndefined();
    expect(made[0]!.closed).toBe(1);
    expect(log.records(/close\(\) threw/)).toHaveLength(1);
  });

  it('gives a late subscriber every channel’s current state first', async () => {
    const { boundary } = contain();
    await boundary.start();
    const first = await firstValueFrom(boundary.status$);
    expect(first).toMatchObject({ channel: 'a', state: 'online' });
  });
});
