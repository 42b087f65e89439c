import type { MqttClient } from 'mqtt';
import { deviceDmTopic, dmRequestFilter } from '../../src/protocol/device-management.js';
import type { DeviceRef } from '../../src/protocol/ids.js';
import { connectRawGateway } from './platform.js';

/** What the scripted device answers to an operation (`mgmt/initiate/device/reboot`, …); no entry, no answer. */
export type ScriptedAnswers = Record<string, { rc: number; message?: string }>;

/**
 * A raw gateway (our test GATEWAY) that answers the platform's device management requests for one device with
 * scripted return codes, as a managed gateway would: a stand-in for a device whose answers a test chooses.
 */
export async function connectScriptedDevice(url: string, device: DeviceRef, answers: ScriptedAnswers): Promise<MqttClient> {
  const client = await connectRawGateway(url);
  client.on('message', (topic, payload) => {
    const operation = topic.split('/').slice(5).join('/');
    const answer = answers[operation];
    const { reqId } = JSON.parse(payload.toString()) as { reqId?: string };
    if (!answer || reqId === undefined) return;
    client.publish(deviceDmTopic(device, 'response'), JSON.stringify({ ...answer, reqId }), { qos: 1 });
  });
  await client.subscribeAsync(dmRequestFilter(device), { qos: 1 });
  return client;
}
