import type { Reading } from '../codecs/decoder.js';
import type { HardwareProfile } from '../config/profile-schema.js';
import type { DeviceRef } from '../protocol/ids.js';
import { eventTopic, validateTopicName } from '../protocol/topics.js';
import { fail, ok, type Result } from '../result.js';
import { deviceTemplateFor, resolveDevice, type TemplateVars } from './device-template.js';
import { mapReading } from './event-mapping.js';

/** One event a reading would be published as. */
export interface OutcomeEvent {
  eventId: string;
  format: string;
  topic: string;
  payload: Reading;
}

/**
 * What the gateway would make of one decoded reading under a profile, on a channel with these variables: the
 * device and the events (with their topics), by the same rules the pipeline uses. Fails as the pipeline would
 * reject the frame, with its reason.
 */
export function frameOutcome(
  profile: HardwareProfile,
  channel: { vars: TemplateVars; deviceId?: string },
  reading: Reading,
): Result<{ device: DeviceRef; events: OutcomeEvent[] }> {
  const device = resolveDevice(deviceTemplateFor(profile.device, channel), channel.vars, reading);
  if (!device.ok) return fail(device.reason);
  const events: OutcomeEvent[] = [];
  for (const event of mapReading(profile.events, reading)) {
    const eventId = validateTopicName('eventId', event.eventId);
    if (!eventId.ok) return eventId;
    events.push({
      eventId: event.eventId,
      format: event.format,
      topic: eventTopic(device.value, event.eventId, event.format),
      payload: event.payload,
    });
  }
  return ok({ device: device.value, events });
}
