import type { EventEmitter } from 'node:events';
import type { Noble, NobleBindings } from './noble-types.js';

/*
 * What the adapter does to the insides of @abandonware/noble 1.9.2-26 (lib/noble.js and lib/hci-socket/*.js),
 * because noble has no API for it: it never forgets a peripheral it saw, and a throw in any handler of a
 * bindings event escapes into the HCI socket's callback. Every access is optional, so other bindings or
 * another noble version only lose the pruning; test/adapters/ble/noble-internals.test.ts pins the structure.
 */

/** A per-peripheral cache: an object keyed by peripheral id (or, in the HCI GAP layer, by address). */
type Cache = Record<string, unknown>;

interface NobleInsides {
  initialized?: boolean;
  _state?: string;
  _bindings?: NobleBindings & HciBindingsInsides;
  _peripherals?: Record<string, { state?: string; address?: string } | undefined>;
  _services?: Cache;
  _characteristics?: Cache;
  _descriptors?: Cache;
  /** Spelt so in noble 1.9.2 ("UUids"). */
  _discoveredPeripheralUUids?: Cache;
}

interface HciBindingsInsides {
  _addresses?: Record<string, string | undefined>;
  _addresseTypes?: Cache;
  _connectable?: Cache;
  scannable?: Cache;
  _gap?: { _discoveries?: Cache };
  _hci?: { _socket?: { stop?(): void }; pollIsDevUp?: () => void };
}

const insides = (noble: Noble) => noble as unknown as NobleInsides;

/** The bindings a central drives: the injected ones, or the HCI bindings noble made for itself. */
export function bindingsOf(noble: Noble): NobleBindings | undefined {
  return insides(noble)._bindings;
}

/** Entries in noble's per-peripheral caches (each holds one entry per peripheral id). */
export interface NobleCacheSizes {
  peripherals: number;
  services: number;
  characteristics: number;
  descriptors: number;
  discovered: number;
}

/** How many peripherals each of noble's caches holds. */
export function nobleCacheSizes(noble: Noble | undefined): NobleCacheSizes {
  const n = noble ? insides(noble) : {};
  const size = (cache: Cache | undefined) => (cache ? Object.keys(cache).length : 0);
  return {
    peripherals: size(n._peripherals),
    services: size(n._services),
    characteristics: size(n._characteristics),
    descriptors: size(n._descriptors),
    discovered: size(n._discoveredPeripheralUUids),
  };
}

/** True unless the peripheral has a link up or on its way (noble could still get events for it). */
export function isIdle(noble: Noble, id: string): boolean {
  const state = insides(noble)._peripherals?.[id]?.state;
  return state === undefined || state === 'disconnected' || state === 'error';
}

/**
 * Forgets a peripheral everywhere noble and its HCI bindings keep it (if it advertises again, noble makes a
 * new object for it). Only for idle peripherals: noble's handlers throw on events for an id it forgot.
 */
export function forgetPeripheral(noble: Noble, id: string): void {
  const n = insides(noble);
  const bindings = n._bindings;
  const address = n._peripherals?.[id]?.address || bindings?._addresses?.[id];
  for (const cache of [n._peripherals, n._services, n._characteristics, n._descriptors, n._discoveredPeripheralUUids]) {
    if (cache) delete cache[id];
  }
  for (const cache of [bindings?._addresses, bindings?._addresseTypes, bindings?._connectable, bindings?.scannable]) {
    if (cache) delete cache[id];
  }
  const discoveries = bindings?._gap?._discoveries;
  if (discoveries && address) delete discoveries[address];
}

/**
 * The HCI GAP layer keeps every address it hears (`_discoveries`), but noble reports a connectable advertiser only
 * after its scan response or a second advertisement: one heard once (at the edge of range, a private address about to
 * rotate) is never reported, so the adapter's own expiry never sees it. Each advertisement replaces the address's
 * entry with a new object, so an entry that is the same object at two sweeps in a row and still unreported heard
 * nothing in between: it goes. Pass what the previous call returned; returns what this one saw unreported.
 */
export function forgetUnreportedDiscoveries(noble: Noble, seenBefore: ReadonlyMap<string, unknown>): Map<string, unknown> {
  const n = insides(noble);
  const discoveries = n._bindings?._gap?._discoveries;
  const unreported = new Map<string, unknown>();
  if (!discoveries) return unreported;
  const reported = new Set<string>();
  for (const peripheral of Object.values(n._peripherals ?? {})) if (peripheral?.address) reported.add(peripheral.address);
  for (const [address, entry] of Object.entries(discoveries)) {
    if (reported.has(address)) continue;
    if (seenBefore.get(address) === entry) delete discoveries[address];
    else unreported.set(address, entry);
  }
  return unreported;
}

/** Bindings events that are about the radio; every other one names a peripheral id first. */
const RADIO_EVENTS = new Set(['stateChange', 'addressChange', 'scanParametersSet', 'scanStart', 'scanStop']);

/** What a throw inside a bindings event was about. */
export type BindingsThrow = (event: string, peripheralId: string | undefined, error: unknown) => void;

/**
 * Runs every event the bindings emit inside a try/catch. noble's handlers and the adapter's listeners run
 * synchronously inside `emit`, so this one place catches a throw from any of them that would otherwise
 * surface in the HCI socket's callback as an uncaught exception. Returns the function that removes it.
 */
export function guardBindingsEmit(bindings: EventEmitter, onThrow: BindingsThrow): () => void {
  const own = Object.hasOwn(bindings, 'emit');
  const original = bindings.emit;
  const guarded = function (this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    try {
      return original.call(this, event, ...args);
    } catch (error) {
      const name = String(event);
      const id = typeof args[0] === 'string' && !RADIO_EVENTS.has(name) ? args[0] : undefined;
      onThrow(name, id, error);
      return true;
    }
  };
  bindings.emit = guarded;
  return () => {
    if (bindings.emit !== guarded) return;
    if (own) bindings.emit = original;
    else Reflect.deleteProperty(bindings, 'emit');
  };
}

/**
 * Runs `create` and returns its result with a function that removes every listener it added to `emitters`
 * (noble's on the bindings it was handed, the HCI bindings' exit hooks on `process`), so a central that is
 * given up leaves nothing behind.
 */
export function withAddedListeners<T>(emitters: readonly EventEmitter[], create: () => T): { value: T; remove: () => void } {
  const before = emitters.map((emitter) => new Map(emitter.eventNames().map((name) => [name, new Set(emitter.listeners(name))])));
  const added = () =>
    emitters.flatMap((emitter, i) =>
      emitter.eventNames().flatMap((name) => {
        const earlier = before[i]?.get(name);
        return emitter.listeners(name).flatMap((listener) => (earlier?.has(listener) ? [] : [{ emitter, name, listener }]));
      }),
    );
  const removeAll = (listeners: ReturnType<typeof added>) => () => {
    for (const { emitter, name, listener } of listeners) emitter.off(name, listener as (...args: unknown[]) => void);
  };
  let value: T;
  try {
    value = create();
  } catch (error) {
    removeAll(added())();
    throw error;
  }
  return { value, remove: removeAll(added()) };
}

/**
 * Stops what a central runs on its own: its scan, and for HCI bindings the socket and the once-a-second
 * "is the adapter up" poll (noble has no way to end either).
 */
export function stopCentral(noble: Noble): void {
  const n = insides(noble);
  try {
    if (n.initialized && n._state === 'poweredOn') noble.stopScanning();
  } catch {
    // a radio that is failing may refuse even this; the central is being dropped anyway
  }
  const hci = n._bindings?._hci;
  if (hci) {
    hci.pollIsDevUp = () => undefined;
    try {
      hci._socket?.stop?.();
    } catch {
      // already stopped, or never bound
    }
  }
}
