import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { BleAdapter } from '../../adapters/ble/ble-adapter.js';
import { SIMULATED_BTHOME_KEY } from '../../adapters/ble/simulated-devices.js';
import type { SimulatedAdapter } from '../../adapters/simulated/simulated-adapter.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { gatewayConfigSchema } from '../config/gateway-config.js';
import { loadProfiles } from '../config/load.js';
import { createLogger } from '../logging.js';
import { runningAdapter } from '../pipeline/adapter-boundary.js';
import { startGateway } from '../pipeline/gateway.js';
import { EmbeddedPlatform } from '../platform/platform.js';
import { isoTime } from '../protocol/iso-time.js';
import { ALL_EVENTS_FILTER } from '../protocol/topics.js';
import { endStartUp } from '../start-up.js';
import { builtInCatalog } from './adapter-catalog.js';
import { untilSignal } from './signals.js';

const ORG = 'demo42';
const DEFAULT_HTTP = '127.0.0.1:9464';
const GATEWAY = { typeId: 'demo-gateway', deviceId: 'gw-01', token: 'demo-gateway-token' };
const APP = { apiKey: 'a-demo42-viewer', token: 'demo-app-token' };

/** The demo's gateway: simulated serial devices of every profile kind. */
export function demoConfig(port: number, storeDirectory: string, httpListen: string | false = false): GatewayConfig {
  return gatewayConfigSchema.parse({
    org: ORG,
    gateway: { typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId },
    auth: { token: GATEWAY.token },
    connection: { transport: 'tcp', host: '127.0.0.1', port, reconnect: { initialMs: 200, maxMs: 5000 } },
    adapters: [
      {
        kind: 'simulated',
        devices: [
          { emulator: 'json-sensor', profile: 'json-sensor', channel: 'ttyACM0', intervalMs: 2000, options: { id: 'esp-01' } },
          { emulator: 'gps', profile: 'nmea-gps', channel: 'ttyUSB0', intervalMs: 3000 },
          { emulator: 'struct-sensor', profile: 'slip-struct-sensor', channel: 'ttyUSB1', intervalMs: 4000 },
          { emulator: 'modbus-th', profile: 'modbus-th-sensor', channel: 'ttyRS485', options: { slaves: [1] } },
        ],
      },
      // A simulated radio under the real noble: a RuuviTag, BTHome sensors, a pvvx thermometer, a heart-rate strap.
      {
        kind: 'ble',
        profiles: ['ruuvitag', 'bthome-sensor', 'atc-thermometer', 'ble-heart-rate'],
        simulated: true,
        // The encrypted BTHome sensor's key (bthome.io's published example key).
        keys: { 'a4:c1:38:00:00:03': SIMULATED_BTHOME_KEY },
      },
    ],
    // The demo's queue lives in a temporary directory, removed when it stops.
    store: { path: storeDirectory },
    http: httpListen === false ? false : { listen: httpListen },
    log: { level: 'warn' },
  });
}

function line(text: string): void {
  process.stdout.write(`${isoTime(Date.now()).slice(11, 23)}  ${text}\n`);
}

/** Runs the whole demo on loopback until `duration` seconds pass or Ctrl-C. */
export async function runDemo(options: { duration?: number; commandAfter: number; http?: string }): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error' });
  const platform = await EmbeddedPlatform.start({
    orgId: ORG,
    gateways: [GATEWAY],
    applications: [APP],
    listeners: { port: 0 },
    logger,
  });
  const url = platform.url();
  const port = Number(url.split(':').pop());
  line(`platform   listening on ${url} (org ${ORG})`);

  const app = await mqtt.connectAsync(url, {
    clientId: `a:${ORG}:demo-viewer`,
    username: APP.apiKey,
    password: APP.token,
    reconnectPeriod: 0,
  });
  app.on('error', () => undefined);
  await app.subscribeAsync(ALL_EVENTS_FILTER, { qos: 1 });
  app.on('message', (topic, payload) => {
    const [, , typeId, , deviceId, , eventId] = topic.split('/');
    line(`event      ${typeId}/${deviceId} ${eventId}  ${payload.toString()}`);
  });
  line(`app        a:${ORG}:demo-viewer subscribed to ${ALL_EVENTS_FILTER}`);

  const profiles = loadProfiles();
  if (!profiles.ok) throw new Error(profiles.reason);
  const storeDirectory = mkdtempSync(join(tmpdir(), 'wiotp-demo-store-'));
  const start = (http: string) =>
    startGateway({
      config: demoConfig(port, storeDirectory, http),
      token: GATEWAY.token,
      profiles: profiles.value,
      catalog: builtInCatalog(),
      logger,
    });
  // The default port may be taken (another demo, a running gateway): the demo then takes any free one.
  const gateway = await start(options.http ?? DEFAULT_HTTP).catch((error: NodeJS.ErrnoException) => {
    if (options.http || error.code !== 'EADDRINUSE') throw error;
    return start('127.0.0.1:0');
  });
  endStartUp();
  if (gateway.http) {
    line(`http       status on ${gateway.http.url}/api/status, metrics on ${gateway.http.url}/metrics`);
    line(`console on ${gateway.http.url}/`);
  }
  line(`gateway    g:${ORG}:${GATEWAY.typeId}:${GATEWAY.deviceId} started; simulated serial and BLE devices attached`);
  // The simulated devices and radio of the adapters running now (behind their fault boundaries).
  for (const adapter of gateway.adapters.map(runningAdapter)) {
    const actions = (adapter as Partial<SimulatedAdapter>).actions$;
    actions?.subscribe(({ channel, action }) => line(`device     ${channel}: ${action}  <- command arrived at the device`));
    (adapter as Partial<BleAdapter>).radio?.writes$.subscribe((write) =>
      line(
        `device     ${write.address}: wrote ${Buffer.from(write.data).toString('hex')} to ${write.characteristic}  <- command arrived over BLE`,
      ),
    );
  }
  gateway.pipeline.rejects$.subscribe((reject) => line(`rejected   ${reject.stage}: ${reject.reason}`));

  const commands = setTimeout(() => {
    line('app        sending command "led" {"led":"on"} to mcu-sensor/esp-01');
    app.publish('iot-2/type/mcu-sensor/id/esp-01/cmd/led/fmt/json', JSON.stringify({ led: 'on' }), { qos: 1 });
    line('app        sending command "set-temperature-offset" {"value":1.5} to th-sensor/th-ttyRS485-1');
    app.publish('iot-2/type/th-sensor/id/th-ttyRS485-1/cmd/set-temperature-offset/fmt/json', JSON.stringify({ value: 1.5 }), {
      qos: 1,
    });
    line('app        sending command "vibrate" {"hex":"01"} to heart-rate-monitor/e01122334405');
    app.publish('iot-2/type/heart-rate-monitor/id/e01122334405/cmd/vibrate/fmt/json', JSON.stringify({ hex: '01' }), { qos: 1 });
  }, options.commandAfter * 1000);

  const duration = options.duration;
  const stop = duration
    ? new Promise<void>((resolve) => setTimeout(resolve, duration * 1000))
    : untilSignal().then(() => undefined);
  await stop;
  clearTimeout(commands);
  const stats = gateway.pipeline.stats;
  line(
    `summary    frames ${stats.frames}, events published ${gateway.sender.stats.published}, commands delivered ${stats.commandsDelivered}, devices ${stats.devices}`,
  );
  await gateway.close();
  rmSync(storeDirectory, { recursive: true, force: true });
  await app.endAsync();
  await platform.close();
}
