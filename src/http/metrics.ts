import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { monotonicNow } from '../clock.js';
import type { GatewayStatus } from '../pipeline/gateway-view.js';

/** Where the metrics read their values: the status a `GatewayView` gives, taken once per scrape. */
export type StatusSource = () => GatewayStatus;

/**
 * The gateway's Prometheus metrics (prom-client): the process's default metrics plus the gateway's own,
 * in base units with `_total` counters, labelled by adapter, profile, stage or reason and never by device
 * id (one series per device would grow without bound). Values are read at scrape time, so an idle
 * scrape costs nothing on the hot path.
 */
export function createMetricsRegistry(status: StatusSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // One status snapshot per scrape, shared by every collector of that scrape (aged on the monotonic clock: on the wall
  // clock, a step back would serve the same snapshot for as long).
  let snapshot: { at: number; value: GatewayStatus } | undefined;
  const current = () => {
    const now = monotonicNow();
    if (!snapshot || now - snapshot.at > 100) snapshot = { at: now, value: status() };
    return snapshot.value;
  };
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    read: (s: GatewayStatus) => Array<[Record<string, string>, number]>,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(current())) this.inc(labels, value);
      },
    });
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    read: (s: GatewayStatus) => Array<[Record<string, string>, number]>,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(current())) this.set(labels, value);
      },
    });
  const one = (value: number): Array<[Record<string, string>, number]> => [[{}, value]];

  counter('wiotp_frames_total', 'Frames read from peripherals, per profile.', ['profile'], (s) =>
    Object.entries(s.pipeline.byProfile).map(([profile, counts]) => [{ profile }, counts.frames]),
  );
  counter('wiotp_events_total', 'Events made from frames (before sending), per profile.', ['profile'], (s) =>
    Object.entries(s.pipeline.byProfile).map(([profile, counts]) => [{ profile }, counts.events]),
  );
  counter('wiotp_adapter_frames_total', 'Frames read, per adapter.', ['adapter'], (s) =>
    Object.entries(s.pipeline.byAdapter).map(([adapter, frames]) => [{ adapter }, frames]),
  );
  counter(
    'wiotp_rejects_total',
    'Frames and commands refused, per stage (framing, decode, device, publish, command).',
    ['stage'],
    (s) => Object.entries(s.pipeline.rejects).map(([stage, count]) => [{ stage }, count]),
  );
  counter('wiotp_events_published_total', 'Events the service acknowledged (QoS 1) or that were written (QoS 0).', [], (s) =>
    one(s.sender.published),
  );
  counter('wiotp_events_qos0_dropped_total', 'QoS 0 events dropped while offline, over the rate or not admitted.', [], (s) =>
    one(s.sender.qos0Dropped),
  );
  counter('wiotp_publishes_interrupted_total', 'Publishes the connection cut before their PUBACK (sent again).', [], (s) =>
    one(s.sender.interrupted),
  );
  counter('wiotp_commands_delivered_total', 'Commands written to a device.', [], (s) => one(s.pipeline.commandsDelivered));
  counter(
    'wiotp_commands_refused_total',
    'Commands refused (undeclared, malformed, or the write failed); nothing written.',
    [],
    (s) => one(s.pipeline.rejects.command),
  );
  counter('wiotp_notifications_total', 'Notifications from the service, per reason.', ['reason'], (s) =>
    Object.entries(s.notifications).map(([reason, count]) => [{ reason }, count ?? 0]),
  );
  gauge('wiotp_queue_events', 'Events in the durable queue.', [], (s) => one(s.queue.depth));
  gauge(
    'wiotp_queue_retained_events',
    'Of wiotp_queue_events, those delivered already and only kept while their device settles.',
    [],
    (s) => one(s.queue.retained),
  );
  gauge('wiotp_queue_bytes', 'Bytes (topic and payload) in the durable queue.', [], (s) => one(s.queue.bytes));
  gauge('wiotp_queue_oldest_age_seconds', 'Age of the oldest queued event (0 when empty).', [], (s) =>
    one(s.queue.oldestAgeSeconds ?? 0),
  );
  counter(
    'wiotp_queue_dropped_total',
    'Events the queue gave up, per reason (full, expired, write-failed, refused).',
    ['reason'],
    (s) => Object.entries(s.queue.dropped).map(([reason, count]) => [{ reason }, count]),
  );
  counter(
    'wiotp_queue_sync_failures_total',
    "Syncs of the queue's file the disk failed (EIO: a failing SD card); what was committed since may not survive a power cut.",
    [],
    (s) => one(s.queue.syncFailures),
  );
  gauge(
    'wiotp_queue_durable',
    '1 when the queue is on disk, 0 in memory (store.enabled: false, or the store could not be opened).',
    [],
    (s) => one(s.queue.durable ? 1 : 0),
  );
  gauge('wiotp_session_online', '1 while the MQTT session is online.', [], (s) => one(s.session.state === 'online' ? 1 : 0));
  counter('wiotp_session_connects_total', 'MQTT connections made (more than one: reconnects).', [], (s) =>
    one(s.session.connects),
  );
  counter('wiotp_session_disconnects_total', 'MQTT connections lost.', [], (s) => one(s.session.disconnects));
  gauge('wiotp_devices', 'Devices behind the gateway, per admission state.', ['state'], (s) =>
    (['active', 'known', 'waiting', 'pending', 'settling', 'backoff', 'limited', 'refused'] as const).map((state) => [
      { state },
      s.admission[state],
    ]),
  );
  gauge('wiotp_channels', 'Adapter channels (ports, BLE peripherals), per adapter and state.', ['adapter', 'state'], (s) => {
    const counts = new Map<string, number>();
    for (const adapter of s.adapters)
      for (const channel of adapter.channels) {
        const key = `${adapter.name}\u0000${channel.state}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    return [...counts].map(([key, count]) => {
      const [adapter, state] = key.split('\u0000') as [string, string];
      return [{ adapter, state }, count];
    });
  });
  return registry;
}
