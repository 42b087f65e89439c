import { createRequire } from 'node:module';
import { Observable } from '../../src/rx.js';
import { type BindingsThrow, bindingsOf, guardBindingsEmit, stopCentral, withAddedListeners } from './noble-internals.js';
import type { Noble, NobleBindings, NobleState } from './noble-types.js';

/** How to get a noble central: injected bindings (the simulated radio), or the HCI socket of one adapter. */
export interface LoadNobleOptions {
  bindings?: NobleBindings;
  /** 0 for hci0 (the default), 1 for hci1…; sets NOBLE_HCI_DEVICE_ID. */
  hciDevice?: number;
}

/** Bluetooth cannot be used here: no adapter, no permission, or noble's native part missing. One sentence. */
export class BluetoothUnavailableError extends Error {
  override readonly name = 'BluetoothUnavailableError';
}

const require = createRequire(import.meta.url);

/**
 * Loads noble lazily: `@abandonware/noble` opens the HCI socket when it is imported and throws on a
 * machine without Bluetooth, so nothing imports it at module load. Each call returns a fresh central.
 */
export async function loadNoble(options: LoadNobleOptions = {}): Promise<Noble> {
  return createCentral(options);
}

/** loadNoble without the promise: a fresh central now, or a BluetoothUnavailableError. */
function createCentral(options: LoadNobleOptions): Noble {
  try {
    if (options.bindings) {
      const withBindings = require('@abandonware/noble/with-bindings') as (bindings: NobleBindings) => Noble;
      return withBindings(options.bindings);
    }
    if (options.hciDevice !== undefined) process.env.NOBLE_HCI_DEVICE_ID = String(options.hciDevice);
    // with-custom-binding builds a new central each time (the package's main export is a shared singleton).
    const withOptions = require('@abandonware/noble/with-custom-binding') as (options: object) => Noble;
    return withOptions(options.hciDevice === undefined ? {} : { deviceId: options.hciDevice });
  } catch (error) {
    throw new BluetoothUnavailableError(describeLoadError(error, options.hciDevice));
  }
}

/** Turns what noble threw at load or init time into one sentence that says what to do. */
export function describeLoadError(error: unknown, hciDevice?: number): string {
  const err = error as NodeJS.ErrnoException;
  const detail = err instanceof Error ? err.message : String(error);
  const device = `hci${hciDevice ?? 0}`;
  if (err?.code === 'MODULE_NOT_FOUND' || /Cannot find module|No native build|bindings file/i.test(detail)) {
    return `Bluetooth support is not installed: @abandonware/bluetooth-hci-socket did not build (noble: ${detail})`;
  }
  if (/EAFNOSUPPORT|Address family not supported/i.test(detail)) return `no Bluetooth adapter found (noble: ${detail})`;
  if (/ENODEV|No such device/i.test(detail)) return `no Bluetooth adapter ${device} found (noble: ${detail})`;
  if (/EPERM|EACCES|not permitted|Permission denied/i.test(detail)) {
    return `not allowed to open ${device}: run with cap_net_raw, see docs/raspberry-pi-ble.md (noble: ${detail})`;
  }
  if (/EBUSY|busy/i.test(detail))
    return `${device} is busy: stop bluetoothd or use another adapter, see docs/raspberry-pi-ble.md (noble: ${detail})`;
  return `Bluetooth is unavailable (noble: ${detail})`;
}

/** Why a radio in this state cannot scan, in one sentence; undefined for poweredOn. */
export function describeRadioState(state: NobleState | string): string | undefined {
  switch (state) {
    case 'poweredOn':
      return undefined;
    case 'unauthorized':
      return 'Bluetooth adapter state is unauthorized: give node cap_net_raw or run as root, see docs/raspberry-pi-ble.md';
    case 'unsupported':
      return 'Bluetooth adapter state is unsupported: it does not do Bluetooth Low Energy (try another hciDevice)';
    case 'poweredOff':
      return 'Bluetooth adapter is powered off or down (hciconfig hciN up, or rfkill unblock bluetooth)';
    default:
      return `Bluetooth adapter state is ${state}`;
  }
}

/**
 * Resolves once noble is poweredOn. Rejects with a BluetoothUnavailableError when the state says it never
 * will (unsupported, unauthorized, poweredOff), when noble's init fails (reported as a warning), or after `ms`.
 */
export function waitForPoweredOn(noble: Noble, ms = 10_000, hciDevice?: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      noble.off('stateChange', onState);
      noble.off('warning', onWarning);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new Error('no longer waiting for the Bluetooth adapter'));
    let last = 'unknown';
    const onState = (state: string) => {
      last = state;
      if (state === 'poweredOn') return finish();
      if (state === 'unknown' || state === 'resetting') return;
      finish(new BluetoothUnavailableError(describeRadioState(state)));
    };
    const onWarning = (message: string) => {
      if (/Initialization .* failed/i.test(message))
        finish(new BluetoothUnavailableError(describeLoadError(new Error(message), hciDevice)));
    };
    let current: string;
    try {
      current = noble.state; // initialises the bindings now, so a failing HCI socket throws here
    } catch (error) {
      return reject(new BluetoothUnavailableError(describeLoadError(error, hciDevice)));
    }
    const timer = setTimeout(
      () => finish(new BluetoothUnavailableError(`the Bluetooth adapter did not power on within ${ms} ms (state ${last})`)),
      ms,
    );
    noble.on('warning', onWarning);
    noble.on('stateChange', onState);
    signal?.addEventListener('abort', onAbort);
    onState(current);
  });
}

/** What one attempt at the radio needs. */
export interface OpenRadioOptions extends LoadNobleOptions {
  /** How long the radio may take to reach poweredOn. */
  timeoutMs: number;
  /** Told about every throw inside a bindings event (noble's handlers or the adapter's listeners). */
  onThrow: BindingsThrow;
}

/**
 * One attempt at the radio: a fresh central, emitted once it is poweredOn. Errors (BluetoothUnavailableError)
 * when noble cannot load, its init fails, or poweredOn does not come within timeoutMs; retry it with back-off.
 * Unsubscribing lets go of the central entirely (its scan, its listeners on the bindings, the HCI socket and
 * its exit hooks), so attempts can repeat for weeks without leaking.
 */
export function openRadio(options: OpenRadioOptions): Observable<Noble> {
  return new Observable<Noble>((subscriber) => {
    const cleanups: Array<() => void> = [];
    const waiting = new AbortController();
    try {
      const made = withAddedListeners(options.bindings ? [options.bindings] : [], () => createCentral(options));
      const noble = made.value;
      cleanups.push(made.remove, () => stopCentral(noble));
      const bindings = bindingsOf(noble);
      if (bindings) cleanups.push(guardBindingsEmit(bindings, options.onThrow));
      // init runs synchronously in here (reading noble.state); the HCI bindings add their exit hooks then.
      const init = withAddedListeners([process], () =>
        waitForPoweredOn(noble, options.timeoutMs, options.hciDevice, waiting.signal),
      );
      cleanups.push(init.remove);
      init.value.then(
        () => subscriber.next(noble),
        (error: unknown) => subscriber.error(error),
      );
    } catch (error) {
      subscriber.error(error);
    }
    return () => {
      waiting.abort();
      for (const cleanup of cleanups.reverse()) cleanup();
    };
  });
}
