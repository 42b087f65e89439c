import { createServer, type Server } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortChannel } from '../../adapters/serial/serialport-channel.js';
import { TcpChannel } from '../../adapters/serial/tcp-channel.js';
import { JsonSensorEmulator } from '../../adapters/simulated/json-sensor-emulator.js';
import { SimulatedChannel } from '../../adapters/simulated/simulated-channel.js';
import { TEMPLATE_VARIABLES, type TemplateVariable, type VariableSet } from '../../src/config/template-variables.js';
import { silentLogger } from '../../src/logging.js';
import { VirtualSerialPair } from '../support/socat.js';
import { profile, startRig } from './ble/ble-test-kit.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The variables a channel set (with a value), checked against the declaration of its set. */
function expectDeclared(vars: Record<string, unknown>, set: VariableSet): void {
  const declared: readonly TemplateVariable[] = TEMPLATE_VARIABLES[set];
  const offered = Object.keys(vars).filter((name) => vars[name] !== undefined && !name.includes('deviceId'));
  expect(offered.filter((name) => !declared.some((variable) => variable.name === name))).toEqual([]);
  // Variables not marked "sometimes" are there on every channel of the set.
  for (const variable of declared.filter((v) => !v.sometimes)) expect(vars[variable.name]).toBeDefined();
}

describe('the template variables each adapter declares are the ones it sets', () => {
  it('a serial port (a socat pty)', async () => {
    const pair = new VirtualSerialPair('vars');
    await pair.start();
    cleanups.push(() => pair.stop());
    const line = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
    const channel = new SerialPortChannel(pair.gatewayPath, { kind: 'path', path: pair.gatewayPath }, line, silentLogger());
    await channel.open();
    cleanups.push(() => channel.close());
    expectDeclared(channel.vars, 'serial');
    expect(channel.vars['port.name']).toBe('vars-gw');
  });

  it('a serial-over-TCP server', async () => {
    const server: Server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const channel = new TcpChannel(`tcp://127.0.0.1:${port}`, { host: '127.0.0.1', port });
    await channel.open();
    cleanups.push(() => channel.close());
    expectDeclared(channel.vars, 'serial-tcp');
  });

  it('a simulated device', async () => {
    const channel = new SimulatedChannel('ttyX', new JsonSensorEmulator('x'), undefined, 60_000, () => undefined);
    await channel.open();
    cleanups.push(() => channel.close());
    expectDeclared(channel.vars, 'simulated');
  });

  it('a BLE advertiser on the simulated radio', async () => {
    const rig = await startRig([profile('ruuvitag')], {
      devices: [{ kind: 'ruuvi', address: 'c4:7c:8d:6a:1b:01', intervalMs: 10 }],
    });
    cleanups.push(() => rig.close());
    const frame = await firstValueFrom(rig.frames$);
    expectDeclared(frame.source.vars, 'ble');
    expect(frame.source.vars.address).toBe('c47c8d6a1b01');
  });
});
