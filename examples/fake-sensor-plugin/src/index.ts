// An adapter plugin for wiotp-gateway, written as a plugin author would: against the package's public
// contract (`wiotp-gateway/adapter`) only. It fakes temperature sensors that print a JSON object every
// interval and obey an LED command; a real plugin would talk to a vendor SDK or a network protocol here.
import { BehaviorSubject, Subject } from 'rxjs';
import type {
  Adapter,
  AdapterContext,
  AdapterFactory,
  ChannelStatus,
  Frame,
  FrameReject,
  FrameSource,
} from 'wiotp-gateway/adapter';
import { z } from 'zod';

/** The plugin's options, as the gateway config writes them under `adapters[].options`. */
export const optionsSchema = z
  .object({
    sensors: z
      .array(
        z
          .object({
            /** The sensor's id: its channel and the `{sensor}` template variable. */
            id: z.string().regex(/^[A-Za-z0-9_.-]{1,36}$/, 'expected 1–36 of A-Z a-z 0-9 - _ .'),
            /** A hardware profile with `transport.kind: plugin`. */
            profile: z.string().min(1).default('fake-sensor'),
            intervalMs: z.number().int().min(10).default(1000),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** The options as validated (defaults filled in). */
export type FakeSensorOptions = z.infer<typeof optionsSchema>;

interface Sensor {
  id: string;
  profile: string;
  intervalMs: number;
  source: FrameSource;
  led: 'on' | 'off';
  temperature: number;
  timer?: NodeJS.Timeout;
}

/** Fake sensors as one adapter: one channel per sensor, frames on a timer, LED commands written back. */
export class FakeSensorAdapter implements Adapter {
  readonly name = 'fake-sensor';
  readonly frames$ = new Subject<Frame>();
  readonly rejects$ = new Subject<FrameReject>();
  readonly status$: BehaviorSubject<ChannelStatus>;
  /** Every command the sensors received (for the plugin's own tests). */
  readonly received: Array<{ channel: string; bytes: Uint8Array }> = [];
  private readonly sensors = new Map<string, Sensor>();

  constructor(
    options: FakeSensorOptions,
    private readonly context: AdapterContext,
  ) {
    for (const sensor of options.sensors) {
      // Fails before anything starts when the profile is missing or is not for this plugin.
      const profile = context.profile(sensor.profile);
      if (profile.transport.kind !== 'plugin')
        throw new Error(`sensor ${sensor.id}: profile ${profile.name} has transport ${profile.transport.kind}, expected plugin`);
      this.sensors.set(sensor.id, {
        ...sensor,
        source: { adapter: this.name, channel: sensor.id, vars: { sensor: sensor.id } },
        led: 'off',
        temperature: 21,
      });
    }
    this.status$ = new BehaviorSubject<ChannelStatus>({
      adapter: this.name,
      channel: 'all',
      state: 'connecting',
      at: Date.now(),
    });
  }

  async start(): Promise<void> {
    for (const sensor of this.sensors.values()) {
      sensor.timer = setInterval(() => this.emit(sensor), sensor.intervalMs);
      this.emit(sensor);
    }
    this.status$.next({ adapter: this.name, channel: 'all', state: 'online', at: Date.now() });
    this.context.logger.info({ sensors: this.sensors.size }, 'fake sensors started');
  }

  /** A command for one sensor: the profile's json encoder wrote `{"led":"on"}`. */
  async write(channel: string, bytes: Uint8Array): Promise<void> {
    const sensor = this.sensors.get(channel);
    if (!sensor) throw new Error(`no fake sensor ${channel}`);
    this.received.push({ channel, bytes });
    const command = JSON.parse(Buffer.from(bytes).toString('utf8')) as { led?: 'on' | 'off' };
    if (command.led) sensor.led = command.led;
    // The device reports its new state at once, as many do.
    this.emit(sensor);
  }

  async close(): Promise<void> {
    for (const sensor of this.sensors.values()) clearInterval(sensor.timer);
    this.status$.next({ adapter: this.name, channel: 'all', state: 'closed', at: Date.now() });
    this.frames$.complete();
    this.rejects$.complete();
    this.status$.complete();
  }

  private emit(sensor: Sensor): void {
    sensor.temperature = Math.round((sensor.temperature + 0.1) * 10) / 10;
    const reading = { temperature: sensor.temperature, led: sensor.led };
    this.frames$.next({
      source: sensor.source,
      profile: sensor.profile,
      at: Date.now(),
      bytes: Buffer.from(JSON.stringify(reading)),
    });
  }
}

/** The plugin's entry point, as the gateway loads it: `createAdapter(options, context)`. */
export const createAdapter: AdapterFactory = (options, context) => {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`wiotp-fake-sensor-plugin options: ${problems.join('; ')}`);
  }
  return new FakeSensorAdapter(parsed.data, context);
};
