import type { DeviceStatus, LiveDevice } from '../../http/console-api.js';
import { ago, short } from '../format.js';
import { type LiveStore, numericFields } from '../live-store.js';
import { href } from '../route.js';
import { Sparkline } from './sparkline.js';

/** A device as the table shows it: what the status says, and what the live stream adds. */
interface DeviceRow {
  key: string;
  status?: DeviceStatus;
  live?: LiveDevice;
}

/** Every device: profile, adapter and channel, admission, last seen, rates, the last values with sparklines. */
export function DevicesView({ store }: { store: LiveStore }) {
  const rows = new Map<string, DeviceRow>();
  for (const device of store.status?.status.devices ?? []) {
    const key = `${device.typeId}/${device.deviceId}`;
    rows.set(key, { key, status: device });
  }
  for (const [key, live] of store.devices) rows.set(key, { ...rows.get(key), key, live });
  const now = Date.now();
  if (rows.size === 0) return <p class="muted">No device has sent a frame yet.</p>;
  return (
    <div class="table-wrap">
      <table class="devices">
        <caption class="visually-hidden">Devices behind the gateway</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Profile, channel</th>
            <th scope="col">Admission</th>
            <th scope="col">Last seen</th>
            <th scope="col">Events/s</th>
            <th scope="col">Last values</th>
          </tr>
        </thead>
        <tbody>
          {[...rows.values()]
            .sort((a, b) => a.key.localeCompare(b.key))
            .map(({ key, status, live }) => {
              const history = store.history.get(key);
              const reading = live?.reading ?? {};
              const numeric = new Set(numericFields(live?.reading).map(([name]) => name));
              const others = Object.entries(reading).filter(
                ([name]) => !numeric.has(name) && ![...numeric].some((n) => n.startsWith(`${name}.`)),
              );
              return (
                <tr key={key} data-device={key}>
                  <th scope="row" data-label="Device">
                    {key}
                    <div class="links">
                      <a href={href('frames', { device: key })}>frames</a>{' '}
                      <a href={href('commands', { device: key })}>commands</a>
                    </div>
                  </th>
                  <td data-label="Profile, channel">
                    {status?.profile ?? live?.profile}
                    <div class="muted">
                      {status?.adapter ?? live?.adapter} {status?.channel ?? live?.channel}
                    </div>
                  </td>
                  <td data-label="Admission">
                    <span class={`badge admission-${status?.admission ?? 'unknown'}`}>{status?.admission ?? '–'}</span>
                  </td>
                  <td data-label="Last seen">{ago(live?.lastSeen ?? status?.lastSeen, now)}</td>
                  <td data-label="Events/s">{live ? live.eventsPerSecond : '–'}</td>
                  <td data-label="Last values" class="values">
                    {[...numeric].map((name) => {
                      const points = history?.get(name) ?? [];
                      const value = points[points.length - 1]?.[1];
                      return (
                        <div class="value" key={name} data-field={name}>
                          <span class="name">{name}</span> <span class="number">{value}</span>
                          <Sparkline points={points} now={now} label={`${key} ${name}`} />
                        </div>
                      );
                    })}
                    {others.length > 0 && (
                      <p class="others">
                        {others.map(([name, value]) => (
                          <span key={name}>
                            <span class="muted">{name}</span> {short(value)}
                          </span>
                        ))}
                      </p>
                    )}
                    {!live && <span class="muted">values appear with the next frame</span>}
                  </td>
                </tr>
              );
            })}
        </tbody>
      </table>
    </div>
  );
}
