import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { monotonicNow } from '../clock.js';
import type { GatewayStatus } from '../pipeline/gateway-view.js';

/**
 * How often the event loop's delay is sampled (prom-client's `eventLoopMonitoringPrecision`). prom-client's 10 ms is a
 * timer 100 times a second for good once /metrics is first scraped: an idle gateway then cost 17 times its CPU (0.015%
 * → 0.27% of a core on the development VM, 0.10% at 100 ms, 0.04% at 250 ms) and a Pi's core never rested. Every
 * 250 ms still sees any stall of 250 ms or more (the 4 KiB a tty buffers last ~350 ms at 115200 baud), and shorter
 * ones in proportion.
 */
export const LOOP_DELAY_SAMPLE_MS = 250;

/** prom-client's loop-delay gauges whose values are whole sampling intervals (its period included). */
const LOOP_DELAY_GAUGES = ['min', 'max', 'mean', 'p50', 'p90', 'p99'].map((stat) => `nodejs_eventloop_lag_${stat}_seconds`);

/**
 * A loop-delay sample without its sampling period: Node's histogram records the time between two of its timer's
 * callbacks, so a free loop reads as the period itself (prom-client passes that on: 0.010 s at its default). NaN and
 * an empty histogram's huge minimum are left as they are.
 */
export function delayAlone(intervalSeconds: number, periodMs: number): number {
  if (!Number.isFinite(intervalSeconds) || intervalSeconds > 1e6) return intervalSeconds;
  return Math.max(0, intervalSeconds - periodMs / 1000);
}

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
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LOOP_DELAY_SAMPLE_MS });
  for (const name of LOOP_DELAY_GAUGES) {
    const gauge = registry.getSingleMetric(name);
    if (!(gauge instanceof Gauge)) continue;
    // The delay alone, as the names say, whatever the period: dashboards and alerts on these names keep their meaning.
    const get = gauge.get.bind(gauge);
    gauge.get = async () => {
      const metric = await get();
      return {
        ...metric,
        values: metric.values.map((sample) => ({ ...sample, value: delayAlone(sample.value, LOOP_DELAY_SAMPLE_MS) })),
      };
    };
  }
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
