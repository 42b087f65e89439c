import { ago } from '../format.js';
import type { LiveStore } from '../live-store.js';

const FIRMWARE_STATES = ['idle', 'downloading', 'downloaded'];
const UPDATE_STATUS = [
  'success',
  'in progress',
  'out of memory',
  'connection lost',
  'verification failed',
  'unsupported image',
  'invalid URI',
];

/** Device management: each device's managed state, lifetime, location and firmware. */
export function ManagementView({ store }: { store: LiveStore }) {
  const managed = store.status?.managed;
  if (!managed) return <p class="muted">This gateway does not use device management (the config has no managed section).</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Managed devices</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Managed</th>
            <th scope="col">Lifetime</th>
            <th scope="col">Location</th>
            <th scope="col">Firmware</th>
          </tr>
        </thead>
        <tbody>
          {managed.map((device) => (
            <tr key={`${device.typeId}/${device.deviceId}`}>
              <th scope="row" data-label="Device">
                {device.typeId}/{device.deviceId}
              </th>
              <td data-label="Managed">
                <span class={`badge ${device.managed ? 'ok' : 'bad'}`}>{device.managed ? 'managed' : 'not managed'}</span>
                {device.managedSince && <div class="muted">since {ago(device.managedSince)}</div>}
              </td>
              <td data-label="Lifetime">
                {device.lifetimeSeconds === 0 ? 'never expires' : `${device.lifetimeSeconds} s`}
                {device.expiresAt && <div class="muted">until {new Date(device.expiresAt).toLocaleString()}</div>}
              </td>
              <td data-label="Location">{device.location ? `${device.location.latitude}, ${device.location.longitude}` : '–'}</td>
              <td data-label="Firmware">
                {FIRMWARE_STATES[device.firmware.state] ?? device.firmware.state}, last update{' '}
                {UPDATE_STATUS[device.firmware.updateStatus] ?? device.firmware.updateStatus}
                {device.firmware.version && <div class="muted">version {device.firmware.version}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
