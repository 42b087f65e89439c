import type { Adapter, ChannelStatus } from '../adapter.js';
import { monotonicNow } from '../clock.js';
import { isoTime } from '../protocol/iso-time.js';
import type { NotificationReason } from '../protocol/notification.js';
import { merge, type Subscription } from '../rx.js';
import type { GatewaySession, SessionStatus } from '../session/gateway-session.js';
import { inMemoryNote, type QueueStats, settlingNote } from '../store/queued-event.js';
import type { SqliteQueue } from '../store/sqlite-queue.js';
import type { Admission } from './admission.js';
import type { AdmissionState, AdmissionStats } from './admission-contract.js';
import { channelKey } from './device-routes.js';
import type { Pipeline, PipelineReject, PipelineStats } from './pipeline.js';
import { hexOf } from './reject-log.js';
import type { Sender, SenderStats } from './sender.js';

/** `pass`, `warn` (working, but look) or `fail`, as Kubernetes-style health endpoints report. */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/** One health check and its outcome. */
export interface HealthCheck {
  name: string;
  status: HealthStatus;
  detail: string;
}

/** A health endpoint's answer: the worst check decides. */
export interface HealthReport {
  status: HealthStatus;
  checks: HealthCheck[];
}

/** One device behind the gateway as the status API shows it (never a metric label: too many). */
export interface DeviceStatus {
  typeId: string;
  deviceId: string;
  profile: string;
  adapter: string;
  channel: string;
  admission: AdmissionState;
  lastSeen: string;
  frames: number;
  events: number;
}

/** Everything `/api/status` answers. */
export interface GatewayStatus {
  gateway: { org: string; typeId: string; deviceId: string; clientId: string };
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  process: { pid: number; rssBytes: number; heapUsedBytes: number };
  session: SessionStatus & { url: string; connects: number; disconnects: number; onlineSince: string | undefined };
  adapters: Array<{ name: string; started: boolean; channels: ChannelStatus[] }>;
  devices: DeviceStatus[];
  queue: QueueStats & { oldestAgeSeconds: number | undefined };
  pipeline: PipelineStats;
  sender: SenderStats;
  admission: AdmissionStats;
  notifications: Partial<Record<NotificationReason, number>>;
  /** `hex`: the frame's bytes as the reject's log line shows them (a Uint8Array would be JSON as {"0":…,"1":…}). */
  recentRejects: Array<Omit<PipelineReject, 'at' | 'source' | 'bytes'> & { at: string; channel?: string; hex?: string }>;
}

/** What the view reads: the parts of a running gateway. */
export interface GatewayParts {
  org: string;
  version: string;
  session: GatewaySession;
  adapters: Adapter[];
  pipeline: Pipeline;
  queue: SqliteQueue;
  sender: Sender;
  admission: Admission;
  notificationCounts: Partial<Record<NotificationReason, number>>;
}

/**
 * A read-only view of a running gateway (DESIGN: watch): the local HTTP server, the health event and
 * the console read it; nothing flows back. It keeps each channel's latest status and nothing else.
 */
export class GatewayView {
  /** When the gateway started (wall clock ms), shown as startedAt; uptime is measured on the monotonic clock. */
  readonly startedAt = Date.now();
  private readonly startedMonotonic = monotonicNow();
  private readonly channels = new Map<string, ChannelStatus>();
  private readonly subscription: Subscription;
  private adaptersStarted = false;

  constructor(private readonly parts: GatewayParts) {
    this.subscription = merge(...parts.adapters.map((adapter) => adapter.status$)).subscribe((status) => {
      const key = channelKey(status.adapter, status.channel);
      if (status.state === 'closed') this.channels.delete(key);
      else this.channels.set(key, status);
    });
  }

  /** The pipeline started every adapter (readiness). */
  markStarted(): void {
    this.adaptersStarted = true;
  }

  /** Liveness: the process answers. Nothing here can block, so answering is the check. */
  live(): HealthReport {
    return { status: 'pass', checks: [{ name: 'process', status: 'pass', detail: `up ${this.uptimeSeconds()} s` }] };
  }

  /** Readiness: the session is online and the adapters are started; a backlog or an offline channel warns. */
  ready(): HealthReport {
    const session = this.parts.session.current;
    const checks: HealthCheck[] = [
      {
        name: 'session',
        status: session.state === 'online' ? 'pass' : 'fail',
        detail: session.state === 'online' ? 'online' : `${session.state}${session.reason ? `: ${session.reason}` : ''}`,
      },
      {
        name: 'adapters',
        status: this.adaptersStarted ? 'pass' : 'fail',
        detail: this.adaptersStarted ? `${this.parts.adapters.length} started` : 'starting',
      },
    ];
    const offline = [...this.channels.values()].filter((channel) => channel.state !== 'online');
    checks.push({
      name: 'channels',
      status: offline.length === 0 ? 'pass' : 'warn',
      detail:
        offline.length === 0
          ? `${this.channels.size} online`
          : offline.map((c) => `${c.adapter} ${c.channel} ${c.state}${c.reason ? ` (${c.reason})` : ''}`).join('; '),
    });
    const queue = this.parts.queue.stats();
    const memory = inMemoryNote(queue);
    checks.push({
      name: 'queue',
      // In memory by choice (store.enabled: false) is no fault; only a store that could not be opened warns.
      status: queue.fallbackReason === undefined ? 'pass' : 'warn',
      detail: `${queue.depth} queued${settlingNote(queue)}${memory ? `, ${memory}` : ''}`,
    });
    return { status: worst(checks), checks };
  }

  /** Everything `/api/status` shows. */
  status(): GatewayStatus {
    const { session, pipeline, queue, sender, admission, adapters } = this.parts;
    const gateway = session.gateway;
    const queueStats = queue.stats();
    const now = Date.now();
    const onlineSince = session.onlineSince;
    return {
      gateway: { org: this.parts.org, ...gateway, clientId: session.clientId },
      version: this.parts.version,
      startedAt: isoTime(this.startedAt),
      uptimeSeconds: this.uptimeSeconds(),
      process: { pid: process.pid, rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed },
      session: {
        ...session.current,
        url: session.url,
        ...session.counters,
        onlineSince: onlineSince ? isoTime(onlineSince) : undefined,
      },
      adapters: adapters.map((adapter) => ({
        name: adapter.name,
        started: this.adaptersStarted,
        channels: [...this.channels.values()].filter((channel) => channel.adapter === adapter.name),
      })),
      devices: [...pipeline.routesByDevice.entries()].map(([key, route]) => ({
        typeId: route.device.typeId,
        deviceId: route.device.deviceId,
        profile: route.profile.name,
        adapter: route.adapter.name,
        channel: route.source.channel,
        admission: admission.status(key),
        lastSeen: isoTime(route.lastSeen),
        frames: route.frames,
        events: route.events,
      })),
      queue: {
        ...queueStats,
        oldestAgeSeconds: queueStats.oldestReadAt === undefined ? undefined : Math.max(0, (now - queueStats.oldestReadAt) / 1000),
      },
      pipeline: pipeline.stats,
      sender: sender.stats,
      admission: admission.stats(),
      notifications: this.parts.notificationCounts,
      recentRejects: pipeline.recentRejects.map(({ at, source, bytes, ...reject }) => ({
        ...reject,
        at: isoTime(at),
        ...(source ? { channel: source.channel } : {}),
        ...(bytes ? { hex: hexOf(bytes) } : {}),
      })),
    };
  }

  close(): void {
    this.subscription.unsubscribe();
  }

  /** On the monotonic clock: NTP stepping the wall clock at boot would make it years, or negative. */
  private uptimeSeconds(): number {
    return Math.round((monotonicNow() - this.startedMonotonic) / 1000);
  }
}

function worst(checks: HealthCheck[]): HealthStatus {
  if (checks.some((check) => check.status === 'fail')) return 'fail';
  return checks.some((check) => check.status === 'warn') ? 'warn' : 'pass';
}
