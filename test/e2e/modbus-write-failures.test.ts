import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ModbusSlaveEmulator, type ModbusWriteFault } from '../../adapters/simulated/modbus-slave-emulator.js';
import type { RunningGateway } from '../../src/pipeline/gateway.js';
import type { PipelineReject } from '../../src/pipeline/pipeline.js';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { DM_RC } from '../../src/protocol/device-management.js';
import { startTestGateway } from '../support/gateway.js';
import { connectApplication, GATEWAY, startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { until } from '../support/wait.js';

const TH = { typeId: 'th-sensor', deviceId: 'th-rs485-gw-1' };

let platform: EmbeddedPlatform | undefined;
let gateway: RunningGateway | undefined;
let pair: VirtualSerialPair | undefined;
let device: DeviceEnd | undefined;
const clients: MqttClient[] = [];

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await device?.close();
  device = undefined;
  await pair?.stop();
  pair = undefined;
  for (const client of clients.splice(0)) client.end(true);
  await platform?.close();
  platform = undefined;
});

/**
 * The real gateway, managed, polling an XY-MD02 emulator at the device end of a socat pty; the emulator
 * answers reads, and writes as `fault` says (normally without one). Resolves once the platform manages the sensor.
 */
async function setup(fault?: ModbusWriteFault) {
  platform = await startPlatform();
  pair = new VirtualSerialPair('rs485');
  await pair.start();
  const end = await pair.openDevice();
  device = end;
  const slave = new ModbusSlaveEmulator([1], fault);
  end.port.on('data', (chunk: Buffer) => {
    for (const reply of slave.receive(chunk).replies ?? []) void end.write(reply);
  });
  const port = Number(platform.url().split(':').pop());
  gateway = await startTestGateway(port, [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'modbus-th-sensor' }] }], {
    managed: { enabled: true, lifetime: 3600, remanageDelayMs: 100 },
    admission: { confirmWindowMs: 50 },
  });
  const rejects: PipelineReject[] = [];
  gateway.pipeline.rejects$.subscribe((reject) => rejects.push(reject));
  await platform.dm.until(TH, (state) => state.managed);
  return { platform, gateway, rejects };
}

const WRITE_OFFSET_0 = '01 06 01 01 00 00';
const written = () => device!.received.toString('hex').match(/../g)?.join(' ') ?? '';

describe('a Modbus write the slave does not carry out is a failed command', () => {
  it.each<{ name: string; fault: ModbusWriteFault; because: RegExp }>([
    {
      name: 'an exception reply',
      fault: { exception: 0x02 },
      because: /slave 1 answered exception 0x02 ILLEGAL DATA ADDRESS to write single register \(0x06\)$/,
    },
    {
      name: 'a reply with a bad CRC',
      fault: 'bad-crc',
      because: /slave 1 answered write single register \(0x06\) with a bad response: Modbus CRC mismatch/,
    },
    {
      name: 'no reply in time',
      fault: 'silence',
      because: /slave 1 did not answer write single register \(0x06\) within 500 ms$/,
    },
  ])('device management answers 500 for $name, and the pipeline counts it', async ({ fault, because }) => {
    const { platform, gateway, rejects } = await setup(fault);
    const response = await platform.dm.request(TH, 'mgmt/custom/th/reset-offset');
    expect(response.rc).toBe(DM_RC.INTERNAL_ERROR);
    expect(response.message).toMatch(because);
    expect(response.message).toMatch(/^custom action th\/reset-offset failed: command set-temperature-offset: write to /);
    // The write did go out on the wire: it is the slave that refused it.
    expect(written()).toContain(WRITE_OFFSET_0);
    expect(gateway.pipeline.stats.commandsDelivered).toBe(0);
    expect(gateway.pipeline.stats.rejects.command).toBe(1);
    expect(rejects.filter((r) => r.stage === 'command').map((r) => r.reason)).toEqual([expect.stringMatching(because)]);
  });

  it('counts an MQTT command answered by an exception as a refused command', async () => {
    const { platform, gateway } = await setup({ exception: 0x04 });
    const app = await connectApplication(platform.url());
    clients.push(app);
    await until(() => platform.activeDevices({ typeId: GATEWAY.typeId, deviceId: GATEWAY.deviceId }) >= 1, 3000, 'subscription');
    await app.publishAsync(`iot-2/type/${TH.typeId}/id/${TH.deviceId}/cmd/set-temperature-offset/fmt/json`, '{"value":1}', {
      qos: 1,
    });
    await until(() => gateway.pipeline.stats.rejects.command === 1, 5000, 'the refused write counted');
    expect(gateway.pipeline.stats.commandsDelivered).toBe(0);
  });

  it('answers 202 for a write the slave echoes', async () => {
    const { platform, gateway } = await setup();
    expect((await platform.dm.request(TH, 'mgmt/custom/th/reset-offset')).rc).toBe(DM_RC.ACCEPTED);
    expect(gateway.pipeline.stats.commandsDelivered).toBe(1);
  });
});
