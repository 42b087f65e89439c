import { type Observable, ReplaySubject, type Subscription } from 'rxjs';
import { type BleAdapter, type BleAdapterInput, createBleAdapter } from '../../../adapters/ble/ble-adapter.js';
import { SimulatedRadio, type SimulatedRadioOptions } from '../../../adapters/ble/simulated-radio.js';
import type { ChannelStatus, Frame, FrameReject } from '../../../src/adapter.js';
import type { CodecSpec } from '../../../src/codecs/codec-spec.js';
import { createDecoder } from '../../../src/codecs/codec-spec.js';
import type { Reading } from '../../../src/codecs/decoder.js';
import { loadProfiles } from '../../../src/config/load.js';
import { type HardwareProfile, type HardwareProfileInput, hardwareProfileSchema } from '../../../src/config/profile-schema.js';
import { silentLogger } from '../../../src/logging.js';

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
  close(): Promise<void>;
}

/** Starts the BLE adapter on a SimulatedRadio driven through the real noble object. */
export async function startRig(
  profiles: HardwareProfile[],
  radioOptions: SimulatedRadioOptions,
  adapterOptions: Partial<BleAdapterInput> = {},
): Promise<Rig> {
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const radio = new SimulatedRadio(radioOptions);
  const adapter = createBleAdapter(
    {
      profiles: profiles.map((p) => p.name),
      reconnect: { initialMs: 20, maxMs: 100 },
      requestTimeoutMs: 2000,
      ...adapterOptions,
    },
    {
      logger: silentLogger(),
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
    async close() {
      await adapter.close();
      radio.close();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

/** Decodes a frame as the pipeline does: with `context.codec` when the adapter sent one, else the profile's codec. */
export function decodeFrame(frame: Frame, profiles: Map<string, HardwareProfile>): Reading {
  const spec = (frame.context?.codec as CodecSpec | undefined) ?? profiles.get(frame.profile)?.codec;
  if (!spec) throw new Error(`no codec for ${frame.profile}`);
  const result = createDecoder(spec).decode(frame.bytes, frame.context);
  if (!result.ok) throw new Error(`frame of ${frame.source.channel} does not decode: ${result.reason}`);
  return result.value;
}

/** Hex of bytes, to key advertised values by the exact payload that carried them. */
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
