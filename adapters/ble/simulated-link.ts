import type { SimulatedCharacteristic, SimulatedDevice, SimulatedSample, SimulatedValues } from './simulated-devices.js';

/** A write that reached a simulated GATT server. */
export interface SimulatedWrite {
  /** "aa:bb:cc:dd:ee:ff". */
  address: string;
  service: string;
  characteristic: string;
  data: Uint8Array;
  withoutResponse: boolean;
  at: number;
}

/** One GATT value a simulated server sent (a read response or a notification). */
export interface SimulatedGattValue {
  address: string;
  characteristic: string;
  data: Uint8Array;
  values: SimulatedValues;
  notification: boolean;
}

/** Sends a value over the link (the radio turns it into noble's `read` event). */
export type SendValue = (characteristic: SimulatedCharacteristic, sample: SimulatedSample, notification: boolean) => void;

/**
 * The server side of one GATT connection to a simulated device: discovery answers, reads, writes (with the
 * device's reply), and the notification timers of subscribed characteristics, all stopped by close().
 */
export class SimulatedLink {
  private readonly notifying = new Map<string, NodeJS.Timeout | undefined>();
  private open = true;

  constructor(
    readonly device: SimulatedDevice,
    private readonly send: SendValue,
  ) {}

  /** Service UUIDs, optionally only those asked for. */
  services(uuids: string[] | undefined): string[] {
    const all = [...new Set(this.device.characteristics.map((c) => c.service))];
    return all.filter((service) => !uuids?.length || uuids.includes(service));
  }

  /** Characteristics of one service as noble's bindings report them. */
  characteristics(service: string, uuids: string[] | undefined): Array<{ uuid: string; properties: string[] }> {
    return this.device.characteristics
      .filter((c) => c.service === service && (!uuids?.length || uuids.includes(c.uuid)))
      .map((c) => ({ uuid: c.uuid, properties: c.properties }));
  }

  /** The characteristic's current value, or undefined when it cannot be read. */
  read(service: string, uuid: string): { characteristic: SimulatedCharacteristic; sample: SimulatedSample } | undefined {
    const characteristic = this.find(service, uuid);
    return characteristic?.read ? { characteristic, sample: characteristic.read() } : undefined;
  }

  /** Applies a write; false for what a real server answers with an ATT error (not writable that way). */
  write(service: string, uuid: string, data: Buffer, withoutResponse: boolean): { accepted: boolean; reply?: () => void } {
    const characteristic = this.find(service, uuid);
    const allowed = withoutResponse ? 'writeWithoutResponse' : 'write';
    if (!characteristic?.write || !characteristic.properties.includes(allowed)) return { accepted: false };
    const reply = characteristic.write(Buffer.from(data));
    const replyOn = characteristic.replyOn ? this.find(service, characteristic.replyOn) : undefined;
    if (!reply || !replyOn) return { accepted: true };
    return {
      accepted: true,
      reply: () => {
        if (this.notifying.has(replyOn.uuid))
          this.deliver(replyOn, { data: reply, values: { reply: reply.toString('utf8') } }, true);
      },
    };
  }

  /** Turns notifications of a characteristic on or off; false when it cannot notify. */
  subscribe(service: string, uuid: string, on: boolean): boolean {
    const characteristic = this.find(service, uuid);
    if (!characteristic?.properties.some((p) => p === 'notify' || p === 'indicate')) return false;
    clearInterval(this.notifying.get(uuid));
    this.notifying.delete(uuid);
    if (on && this.open) {
      const { next, notifyEveryMs } = characteristic;
      const every =
        next && notifyEveryMs ? setInterval(() => this.deliver(characteristic, next(), true), notifyEveryMs) : undefined;
      this.notifying.set(uuid, every);
    }
    return true;
  }

  /** Sends a value unless the link was closed meanwhile. */
  deliver(characteristic: SimulatedCharacteristic, sample: SimulatedSample, notification: boolean): void {
    if (this.open) this.send(characteristic, sample, notification);
  }

  /** Ends the link: no more notifications. */
  close(): void {
    this.open = false;
    for (const timer of this.notifying.values()) clearInterval(timer);
    this.notifying.clear();
  }

  private find(service: string, uuid: string): SimulatedCharacteristic | undefined {
    return this.device.characteristics.find((c) => c.service === service && c.uuid === uuid);
  }
}
