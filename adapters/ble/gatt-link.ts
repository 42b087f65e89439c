import type { EventEmitter } from 'node:events';
import { Observable } from '../../src/rx.js';
import type { BleTransport } from './advertisement-match.js';
import { canonicalUuid } from './ble-identifiers.js';
import type { Listener, NobleCharacteristic, NoblePeripheral, NobleService } from './noble-types.js';

/** A profile's `transport.gatt`. */
export type GattSpec = NonNullable<BleTransport['gatt']>;

/** One entry of `transport.gatt.characteristics`. */
export type GattCharacteristicSpec = GattSpec['characteristics'][number];

/** What one GATT connection yields: `online` once set up, then values; `problem` for profile/device mismatches. */
export type GattLinkEvent =
  | { kind: 'online'; write?: (bytes: Uint8Array) => Promise<void> }
  | { kind: 'value'; spec: GattCharacteristicSpec; uuid: string; data: Uint8Array; notification: boolean }
  | { kind: 'problem'; reason: string };

/**
 * One GATT connection as an Observable: connects, discovers, subscribes to notifications, polls reads, and
 * errors when the link is lost or a request times out (the caller retries with back-off). A throw from a
 * poll timer errors it with what `contain` makes of the throw. Unsubscribing removes every listener and
 * timer it added and disconnects.
 */
export function openGattLink(
  peripheral: NoblePeripheral,
  gatt: GattSpec,
  requestTimeoutMs: number,
  contain: (error: unknown) => Error,
): Observable<GattLinkEvent> {
  return new Observable<GattLinkEvent>((subscriber) => {
    const scope = new LinkScope(requestTimeoutMs, (error) => subscriber.error(contain(error)));
    scope.on(peripheral, 'disconnect', (reason: unknown) => {
      subscriber.error(
        new Error(`link lost${typeof reason === 'number' ? ` (HCI reason 0x${reason.toString(16).padStart(2, '0')})` : ''}`),
      );
    });
    const run = async () => {
      await scope.request(
        peripheral,
        'connect',
        () => peripheral.connect(),
        'connect',
        (error?: unknown) => {
          if (error) throw error instanceof Error ? error : new Error(String(error));
        },
      );
      const services = await scope.request(
        peripheral,
        'servicesDiscover',
        () => peripheral.discoverServices([]),
        'service discovery',
        (found: NobleService[]) => found,
      );
      const available: Array<{ service: string; characteristic: NobleCharacteristic }> = [];
      for (const service of services) {
        const found = await scope.request(
          service,
          'characteristicsDiscover',
          () => service.discoverCharacteristics([]),
          `characteristic discovery of ${service.uuid}`,
          (list: NobleCharacteristic[]) => list,
        );
        for (const characteristic of found) available.push({ service: canonicalUuid(service.uuid), characteristic });
      }
      const find = (uuid: string, service?: string) => {
        const wanted = canonicalUuid(uuid);
        const inService = service ?? gatt.service;
        return available.find(
          (entry) =>
            canonicalUuid(entry.characteristic.uuid) === wanted && (!inService || entry.service === canonicalUuid(inService)),
        )?.characteristic;
      };
      const polled: Array<{ characteristic: NobleCharacteristic; every: number }> = [];
      for (const spec of gatt.characteristics) {
        const characteristic = find(spec.uuid, spec.service);
        if (!characteristic) {
          subscriber.next({
            kind: 'problem',
            reason: `characteristic ${spec.uuid} not found on ${peripheral.address || peripheral.id}`,
          });
          continue;
        }
        const uuid = canonicalUuid(characteristic.uuid);
        scope.on(characteristic, 'data', (data: Buffer, notification: boolean) => {
          subscriber.next({
            kind: 'value',
            spec,
            uuid,
            data: Uint8Array.from(data),
            notification: Boolean(notification),
          });
        });
        if (spec.notify) {
          if (characteristic.properties.some((p) => p === 'notify' || p === 'indicate')) {
            await scope.request(characteristic, 'notify', () => characteristic.subscribe(), `subscribe to ${spec.uuid}`);
          } else
            subscriber.next({
              kind: 'problem',
              reason: `characteristic ${spec.uuid} cannot notify (properties: ${characteristic.properties.join(', ')}); set notify: false and pollMs`,
            });
        }
        if (spec.pollMs) polled.push({ characteristic, every: spec.pollMs });
      }
      const writer = gatt.write ? find(gatt.write.uuid, gatt.write.service) : undefined;
      if (gatt.write && !writer)
        subscriber.next({
          kind: 'problem',
          reason: `write characteristic ${gatt.write.uuid} not found on ${peripheral.address || peripheral.id}`,
        });
      subscriber.next({
        kind: 'online',
        ...(writer && gatt.write ? { write: serialWriter(scope, writer, gatt.write.withoutResponse) } : {}),
      });
      for (const { characteristic, every } of polled) {
        characteristic.read();
        scope.every(every, () => characteristic.read());
      }
    };
    run().catch((error: Error) => subscriber.error(error));
    return () => {
      scope.dispose();
      if (peripheral.state === 'connected') peripheral.disconnect();
      else if (peripheral.state === 'connecting') peripheral.cancelConnect();
    };
  });
}

/** Writes one at a time (noble answers every write on a characteristic with the same event). */
function serialWriter(scope: LinkScope, characteristic: NobleCharacteristic, withoutResponse: boolean) {
  let queue: Promise<void> = Promise.resolve();
  return (bytes: Uint8Array): Promise<void> => {
    const run = queue.then(() =>
      scope.request(
        characteristic,
        'write',
        () => characteristic.write(Buffer.from(bytes), withoutResponse),
        `write to ${characteristic.uuid}`,
      ),
    );
    queue = run.catch(() => undefined);
    return run;
  };
}

/** The listeners and timers of one link, removed together; requests fail once it is disposed or time out. */
class LinkScope {
  private readonly cleanups = new Set<() => void>();
  private disposed = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimerThrow: (error: unknown) => void,
  ) {}

  /** Adds a listener that dispose() removes. */
  on(emitter: EventEmitter, event: string, handler: Listener): () => void {
    emitter.on(event, handler);
    const off = () => {
      emitter.off(event, handler);
      this.cleanups.delete(off);
    };
    this.cleanups.add(off);
    return off;
  }

  /** Runs `fn` every `ms` until disposed; a throw goes to onTimerThrow (a timer has nobody else to catch it). */
  every(ms: number, fn: () => void): void {
    const timer = setInterval(() => {
      try {
        fn();
      } catch (error) {
        this.onTimerThrow(error);
      }
    }, ms);
    this.cleanups.add(() => clearInterval(timer));
  }

  /** Triggers a request and resolves with `accept(...eventArgs)` on the first `event`; rejects on timeout or disposal. */
  request<T = void>(
    emitter: EventEmitter,
    event: string,
    trigger: () => void,
    what: string,
    accept?: (...args: never[]) => T,
  ): Promise<T> {
    if (this.disposed) return Promise.reject(new Error(`${what}: link closed`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const abort = () => finish(new Error(`${what}: link closed`));
      this.cleanups.add(abort);
      const finish = (error?: Error, value?: T) => {
        off();
        clearTimeout(timer);
        this.cleanups.delete(abort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const off = this.on(emitter, event, (...args: unknown[]) => {
        try {
          finish(undefined, accept ? accept(...(args as never[])) : (undefined as T));
        } catch (error) {
          finish(error as Error);
        }
      });
      try {
        trigger();
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const cleanup of [...this.cleanups]) cleanup();
    this.cleanups.clear();
  }
}
