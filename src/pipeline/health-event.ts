import type { Logger } from '../logging.js';
import { deviceKey } from '../protocol/ids.js';
import { eventTopic } from '../protocol/topics.js';
import type { GatewayView } from './gateway-view.js';
import type { Sender } from './sender.js';

/** The health event's payload: the gateway's own figures, as zigbee2mqtt's health topic and ThingsBoard's self-statistics give. */
export interface HealthPayload {
  uptimeSeconds: number;
  rssBytes: number;
  /** Share of one core used since the last event, 0–1 (or more on several cores). */
  cpu: number;
  eventsPerSecond: number;
  session: string;
  /** `retained`: of `events`, those delivered already and only kept while their device settles. */
  queue: { events: number; retained: number; bytes: number; oldestAgeSeconds: number | null; durable: boolean };
  devices: Record<string, number>;
  channels: Record<string, number>;
  notifications: Record<string, number>;
  rejects: Record<string, number>;
}

/**
 * Publishes the gateway's health on its own event topic (`evt/health/fmt/json`) every `intervalSeconds`,
 * at QoS 0 through the sender: while offline it is dropped, never queued (a stale health is no news).
 */
export class HealthEvent {
  private timer: NodeJS.Timeout | undefined;
  private lastAt = performance.now();
  private lastCpu = process.cpuUsage();
  private lastEvents = 0;
  private readonly topic: string;
  private readonly key: string;

  constructor(
    private readonly view: GatewayView,
    private readonly sender: Sender,
    gateway: { typeId: string; deviceId: string },
    private readonly intervalSeconds: number,
    private readonly logger: Logger,
  ) {
    this.topic = eventTopic(gateway, 'health', 'json');
    this.key = deviceKey(gateway);
  }

  start(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => this.publish(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The payload now (also what the next event would carry); advances the rate counters. */
  measure(): HealthPayload {
    const status = this.view.status();
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    const events = status.pipeline.events;
    const payload: HealthPayload = {
      uptimeSeconds: status.uptimeSeconds,
      rssBytes: process.memoryUsage.rss(),
      cpu: Number(((cpu.user + cpu.system) / 1000 / elapsedMs).toFixed(4)),
      eventsPerSecond: Number((((events - this.lastEvents) * 1000) / elapsedMs).toFixed(2)),
      session: status.session.state,
      queue: {
        events: status.queue.depth,
        retained: status.queue.retained,
        bytes: status.queue.bytes,
        oldestAgeSeconds: status.queue.oldestAgeSeconds ?? null,
        durable: status.queue.durable,
      },
      devices: { ...status.admission },
      channels: countBy(status.adapters.flatMap((adapter) => adapter.channels.map((channel) => channel.state))),
      notifications: Object.fromEntries(Object.entries(status.notifications).map(([reason, count]) => [reason, count ?? 0])),
      rejects: { ...status.pipeline.rejects },
    };
    this.lastAt = now;
    this.lastCpu = process.cpuUsage();
    this.lastEvents = events;
    return payload;
  }

  private publish(): void {
    try {
      const refused = this.sender.accept(this.key, this.topic, JSON.stringify(this.measure()), 0, Date.now());
      if (refused) this.logger.warn(`health event not sent: ${refused}`);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'health event failed');
    }
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
