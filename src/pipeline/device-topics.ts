import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { eventTopic } from '../protocol/topics.js';

interface Cached {
  key: string;
  topics: Map<string, string>;
}

/**
 * Each device's key and event topics, built and validated once per device object (the pipeline keeps one
 * DeviceRef per device), so the hot path does no string building or validation per event.
 */
export class DeviceTopics {
  private readonly cache = new WeakMap<DeviceRef, Cached>();

  /** `typeId/deviceId`. */
  keyOf(device: DeviceRef): string {
    return this.entry(device).key;
  }

  /** The device's event topic (seed: Publishing events); throws, naming the part, when one is invalid. */
  eventTopic(device: DeviceRef, eventId: string, format: string): string {
    const { topics } = this.entry(device);
    const name = `${eventId}/${format}`;
    let topic = topics.get(name);
    if (topic === undefined) {
      topic = eventTopic(device, eventId, format);
      topics.set(name, topic);
    }
    return topic;
  }

  private entry(device: DeviceRef): Cached {
    let cached = this.cache.get(device);
    if (!cached) {
      cached = { key: deviceKey(device), topics: new Map() };
      this.cache.set(device, cached);
    }
    return cached;
  }
}
