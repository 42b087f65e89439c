// A plugin that fails on purpose, for the containment tests: a sensor that reports like the example plugin,
// then fails the way its options say. Plain JavaScript, as a plugin ships. Each createAdapter is a new
// instance with its own id, so a test can tell frames of a restarted instance from the old one's.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { BehaviorSubject, Subject } from 'rxjs';

const FAULTS = ['none', 'frames-error', 'frames-complete', 'timer-throw', 'unhandled-rejection', 'start-throw', 'exit'];

export function createAdapter(options, context) {
  const { id = 'fs-1', profile = 'faulty-sensor', intervalMs = 20, fault = 'none', after = 3, trigger } = options ?? {};
  if (!FAULTS.includes(fault)) throw new Error(`faulty-plugin options: fault: expected one of ${FAULTS.join(', ')}`);
  // Fails at creation, as a real plugin should, when the profile is missing (context.profile works in a worker too).
  context.profile(profile);
  return new FaultySensor({ id, profile, intervalMs, fault, after, trigger }, context);
}

class FaultySensor {
  name = 'faulty-sensor';
  frames$ = new Subject();
  rejects$ = new Subject();
  instance = randomBytes(4).toString('hex');
  received = [];

  constructor(options, context) {
    this.options = options;
    this.logger = context.logger;
    this.source = { adapter: this.name, channel: options.id, vars: { sensor: options.id } };
    this.status$ = new BehaviorSubject({ adapter: this.name, channel: options.id, state: 'connecting', at: Date.now() });
    this.seq = 0;
  }

  async start() {
    if (this.options.fault === 'start-throw') throw new Error('cannot open the sensor bus');
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.status$.next({ adapter: this.name, channel: this.options.id, state: 'online', at: Date.now() });
    this.logger.info({ instance: this.instance, sensor: this.options.id }, 'faulty sensor started');
  }

  async write(channel, bytes) {
    const text = Buffer.from(bytes).toString('utf8');
    if (text.includes('refuse')) throw new Error(`sensor ${channel} refused ${text}`);
    // A sensor that never answers (a write stuck behind flow control).
    if (text.includes('hang')) return new Promise(() => undefined);
    this.received.push({ channel, text });
  }

  async close() {
    clearInterval(this.timer);
    this.status$.next({ adapter: this.name, channel: this.options.id, state: 'closed', at: Date.now() });
    this.frames$.complete();
    this.rejects$.complete();
    this.status$.complete();
  }

  tick() {
    this.seq++;
    const reading = { sensor: this.options.id, seq: this.seq, instance: this.instance };
    this.frames$.next({
      source: this.source,
      profile: this.options.profile,
      at: Date.now(),
      bytes: Buffer.from(JSON.stringify(reading)),
    });
    if (this.due()) this.fail();
  }

  /** After `after` frames, or once the `trigger` file exists (removed, so the next instance runs on). */
  due() {
    if (this.options.trigger) {
      if (!existsSync(this.options.trigger)) return false;
      rmSync(this.options.trigger, { force: true });
      return true;
    }
    return this.seq === this.options.after;
  }

  fail() {
    // The last frame's seq: a test can check that it reached the queue before the process ended.
    this.logger.warn({ seq: this.seq, instance: this.instance, fault: this.options.fault }, 'failing on purpose');
    switch (this.options.fault) {
      case 'frames-error':
        return this.frames$.error(new Error('sensor bus parity error'));
      case 'frames-complete':
        return this.frames$.complete();
      case 'timer-throw':
        throw new Error('plugin bug in a timer callback');
      case 'unhandled-rejection':
        void Promise.reject(new Error('plugin bug: a promise nobody awaits'));
        return;
      case 'exit':
        process.exit(3);
    }
  }
}
