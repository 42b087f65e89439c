import type { LiveBatch, LiveDevice, LiveFrame, LiveHello, LiveStatus } from '../http/console-api.js';
import { isoTime } from '../protocol/iso-time.js';
import { formatTable } from './table.js';

/** Most bytes of a frame a line shows in hex. */
const HEX_BYTES = 48;

/** What `watch` knows of a running gateway: its devices, latest rejects and status, from the live stream. */
export class WatchState {
  readonly devices = new Map<string, LiveDevice>();
  readonly rejects: LiveFrame[] = [];
  status: LiveStatus | undefined;

  /** Applies one event of the live stream; returns the frames it carried, oldest first. */
  apply(event: string, data: unknown): LiveFrame[] {
    if (event === 'status') {
      this.status = data as LiveStatus;
      return [];
    }
    if (event !== 'hello' && event !== 'batch') return [];
    const update = data as LiveHello | LiveBatch;
    for (const device of update.devices) this.devices.set(device.key, device);
    for (const frame of update.frames) if (frame.reject) this.rejects.push(frame);
    this.rejects.splice(0, Math.max(0, this.rejects.length - 10));
    return update.frames;
  }
}

/** HH:MM:SS.mmm of a time. */
function clock(ms: number): string {
  return isoTime(ms).slice(11, 23);
}

/** A reading's fields as `name=value`, compact. */
function values(reading: LiveDevice['reading'], width: number): string {
  if (!reading) return '';
  const text = Object.entries(reading)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** A frame's bytes in hex, the byte a reject names in brackets, cut at HEX_BYTES bytes. */
export function frameHex(frame: LiveFrame): string {
  const bytes = (frame.hex ?? '').match(/../g) ?? [];
  const shown = bytes.slice(0, HEX_BYTES).map((byte, index) => (index === frame.reject?.offset ? `[${byte}]` : byte));
  return `${shown.join(' ')}${bytes.length > HEX_BYTES ? ` …(${bytes.length} bytes)` : ''}`;
}

/** One line per frame: time, device (or channel), the bytes in hex, then the reading or the reason it was refused. */
export function formatFrameLine(frame: LiveFrame): string {
  const where = frame.device ?? `${frame.adapter} ${frame.channel}`;
  const outcome = frame.reject
    ? `REJECTED ${frame.reject.stage}: ${frame.reject.reason}`
    : `-> ${JSON.stringify(frame.reading ?? {})}${frame.events?.length ? `  (${frame.events.map((e) => e.eventId).join(', ')})` : ''}`;
  return `${clock(frame.at)}  ${where}  ${frame.hex === undefined ? '(no bytes)' : frameHex(frame)}  ${outcome}`;
}

/** The dashboard `watch` redraws: the gateway, each device with its rate and last values, the latest rejects. */
export function formatDashboard(state: WatchState, now: number, width = 120): string {
  const status = state.status?.status;
  const lines: string[] = [];
  if (status) {
    const q = status.queue;
    lines.push(
      `gateway  ${status.gateway.clientId}  session ${status.session.state}${status.session.reason ? ` (${status.session.reason})` : ''}  ` +
        `queue ${q.depth}  frames ${status.pipeline.frames}  events ${status.pipeline.events}  published ${status.sender.published}`,
    );
  } else {
    lines.push('gateway  (waiting for its status)');
  }
  // Every device the gateway knows; the live stream adds rates and values for those heard since watch started.
  const known = new Map(status?.devices.map((device) => [`${device.typeId}/${device.deviceId}`, device]));
  const keys = [...new Set([...known.keys(), ...state.devices.keys()])].sort();
  lines.push('');
  if (keys.length === 0) lines.push('no device has sent a frame yet');
  else {
    const rows = keys.map((key) => {
      const live = state.devices.get(key);
      const seen = known.get(key);
      const lastSeen = live?.lastSeen ?? (seen ? Date.parse(seen.lastSeen) : now);
      return [
        key,
        `${live?.profile ?? seen?.profile} ${live?.channel ?? seen?.channel}`,
        seen?.admission ?? '',
        live ? `${live.eventsPerSecond}` : '-',
        `${Math.max(0, Math.round((now - lastSeen) / 1000))} s`,
        live ? `${live.rejects}` : '-',
        values(live?.reading, Math.max(30, width - 100)),
      ];
    });
    lines.push(formatTable(['DEVICE', 'PROFILE CHANNEL', 'ADMISSION', 'EV/S', 'SEEN', 'REJ', 'LAST VALUES'], rows));
  }
  if (state.rejects.length > 0) {
    lines.push('', 'latest rejects');
    for (const frame of state.rejects.slice(-5)) {
      lines.push(
        `  ${clock(frame.at)}  ${frame.device ?? `${frame.adapter} ${frame.channel}`}  ${frame.reject?.stage}: ${frame.reject?.reason}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What `watch --json` prints for one event of the stream: one JSON object per device, frame, command or status. */
export function jsonLines(event: string, data: unknown, frames: boolean): string[] {
  if (event === 'status') return [JSON.stringify({ type: 'status', ...(data as LiveStatus) })];
  if (event !== 'hello' && event !== 'batch') return [];
  const update = data as LiveHello | LiveBatch;
  return [
    ...update.devices.map((device) => JSON.stringify({ type: 'device', ...device })),
    ...update.frames
      .filter((frame) => frames || frame.reject)
      .map((frame) => JSON.stringify({ type: frame.reject ? 'reject' : 'frame', ...frame })),
    ...update.commands.map((command) => JSON.stringify({ type: 'command', ...command })),
  ];
}
