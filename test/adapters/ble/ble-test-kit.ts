import { pino } from 'pino';
import { type Observable, ReplaySubject, type Subscription, skip, skipWhile } from 'rxjs';
import { type BleAdapter, type BleAdapterInput, createBleAdapter } from '../../../adapters/ble/ble-adapter.js';
import { SimulatedRadio, type SimulatedRadioOptions } from '../../../adapters/ble/simulated-radio.js';
import type { ChannelStatus, Frame, FrameReject } from '../../../src/adapter.js';
import { createDecoder } from '../../../src/codecs/codec-spec.js';
import type { Reading } from '../../../src/codecs/decoder.js';
import { loadProfiles } from '../../../src/config/load.js';
import { type HardwareProfile, type HardwareProfileInput, hardwareProfileSchema } from '../../../src/config/profile-schema.js';
import { silentLogger } from '../../../src/logging.js';
import { nextMatching } from '../../support/wait.js';

const builtIn = loadProfiles();
if (!builtIn.ok) throw new Error(builtIn.reason);

/** A built-in profile, optionally with its transport changed (e.g. a shorter poll interval for a test). */
export function profile(name: string, change: (input: HardwareProfileInput) => void = () => undefined): HardwareProfile {
  const found = builtIn.ok ? builtIn.value.get(name) : undefined;
  if (!found) throw new Error(`no built-in profile ${name}`);
  const input = structuredClone(found) as HardwareProfileInput;
  change(input);
  return hardwareProfileSchema.parse(input);
}

/** A built-in profile without its rate limit: every advertisement becomes a frame. */
export const unlimited = (name: string) =>
  profile(name, (p) => void Object.assign(p.transport, { rateLimit: { intervalMs: 0 } }));

/** "aa:bb:cc:dd:ee:ff" → "aabbccddeeff", the adapter's channel for that address. */
export const compact = (address: string) => address.replace(/:/g, '');

/** A profile written in the test. */
export function customProfile(input: HardwareProfileInput): HardwareProfile {
  return hardwareProfileSchema.parse(input);
}

/** A running adapter on a simulated radio, with everything it emitted replayed for late subscribers. */
export interface Rig {
  radio: SimulatedRadio;
  adapter: BleAdapter;
  frames$: Observable<Frame>;
  status$: Observable<ChannelStatus>;
  rejects$: Observable<FrameReject>;
  profiles: Map<string, HardwareProfile>;
  /** What the adapter logged (debug and up), when the rig was started with `captureLogs`. */
  logs: LogLine[];
  close(): Promise<void>;
}

/** One pino log line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's number for `error`. */
export const ERROR_LEVEL = 50;

/** Starts the BLE adapter on a SimulatedRadio driven through the real noble object. */
export async function startRig(
  profiles: HardwareProfile[],
  radioOptions: SimulatedRadioOptions,
  adapterOptions: Partial<BleAdapterInput> = {},
  rigOptions: { captureLogs?: boolean } = {},
): Promise<Rig> {
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const logs: LogLine[] = [];
  const logger = rigOptions.captureLogs
    ? pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) })
    : silentLogger();
  const radio = new SimulatedRadio(radioOptions);
  const adapter = createBleAdapter(
    {
      profiles: profiles.map((p) => p.name),
      reconnect: { initialMs: 20, maxMs: 100 },
      requestTimeoutMs: 2000,
      ...adapterOptions,
    },
    {
      logger,
      profile: (name) => {
        const found = byName.get(name);
        if (!found) throw new Error(`no profile ${name}`);
        return found;
      },
    },
    { bindings: radio },
  );
  const frames$ = new ReplaySubject<Frame>(500);
  const status$ = new ReplaySubject<ChannelStatus>(500);
  const rejects$ = new ReplaySubject<FrameReject>(100);
  const subscriptions: Subscription[] = [
    adapter.frames$.subscribe(frames$),
    adapter.status$.subscribe(status$),
    adapter.rejects$.subscribe(rejects$),
  ];
  await adapter.start();
  return {
    radio,
    adapter,
    frames$,
    status$,
    rejects$,
    profiles: byName,
    logs,
    async close() {
      await adapter.close();
      radio.close();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

/** Decodes a frame as the pipeline does: with `context.codec` when the adapter sent one, else the profile's codec. */
export function decodeFrame(frame: Frame, profiles: Map<string, HardwareProfile>): Reading {
  const spec = frame.context?.codec ?? profiles.get(frame.profile)?.codec;
  if (!spec) throw new Error(`no codec for ${frame.profile}`);
  const result = createDecoder(spec).decode(frame.bytes, frame.context);
  if (!result.ok) throw new Error(`frame of ${frame.source.channel} does not decode: ${result.reason}`);
  return result.value;
}

/** Hex of bytes, to key advertised values by the exact payload that carried them. */
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What a replaying stream holds right now (a ReplaySubject replays synchronously on subscribe). */
export function replayed<T>(source: Observable<T>): T[] {
  const values: T[] = [];
  source.subscribe((value) => values.push(value)).unsubscribe();
  return values;
}

/** The first value that comes after `earlier` in a replaying stream and matches (order, not clock: ms can tie). */
export function nextAfter<T>(source: Observable<T>, earlier: T, predicate: (value: T) => boolean): Promise<T> {
  return nextMatching(
    source.pipe(
      skipWhile((value) => value !== earlier),
      skip(1),
    ),
    predicate,
  );
}
