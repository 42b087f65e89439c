import { describe, expect, it } from 'vitest';
import {
  commandTopic,
  eventTopic,
  monitorTopic,
  notifyTopic,
  parseCommandTopic,
  parseEventTopic,
  topicMatches,
} from '../../src/protocol/topics.js';

const gateway = { typeId: 'mygateway', deviceId: 'gateway1' };
const device = { typeId: 'mydevice', deviceId: 'device1' };

describe('topics from the seed', () => {
  it('builds the gateway and device event topics of the seed example', () => {
    expect(eventTopic(gateway, 'status', 'json')).toBe('iot-2/type/mygateway/id/gateway1/evt/status/fmt/json');
    expect(eventTopic(device, 'status', 'json')).toBe('iot-2/type/mydevice/id/device1/evt/status/fmt/json');
  });

  it('builds the command subscriptions of the seed example', () => {
    expect(commandTopic('mygateway', 'gateway1')).toBe('iot-2/type/mygateway/id/gateway1/cmd/+/fmt/+');
    expect(commandTopic('mydevice', 'device1')).toBe('iot-2/type/mydevice/id/device1/cmd/+/fmt/+');
    expect(commandTopic('mydevice', '+')).toBe('iot-2/type/mydevice/id/+/cmd/+/fmt/+');
  });

  it('builds notify and mon topics with iot-2 (the seed has a typo, ot-2)', () => {
    expect(notifyTopic(gateway)).toBe('iot-2/type/mygateway/id/gateway1/notify');
    expect(monitorTopic(device)).toBe('iot-2/type/mydevice/id/device1/mon');
  });

  it('refuses to build a topic from an invalid part', () => {
    expect(() => eventTopic({ typeId: 'bad type', deviceId: 'x' }, 'e', 'json')).toThrow(/typeId "bad type"/);
    expect(() => eventTopic(device, 'a/b', 'json')).toThrow(/eventId "a\/b"/);
    expect(() => eventTopic(device, 'e', '#')).toThrow(/format "#"/);
  });

  it('parses event and command topics', () => {
    expect(parseEventTopic('iot-2/type/t1/id/d1/evt/temp/fmt/json')).toEqual({
      ok: true,
      value: { device: { typeId: 't1', deviceId: 'd1' }, eventId: 'temp', format: 'json' },
    });
    expect(parseCommandTopic('iot-2/type/t1/id/d1/cmd/reboot/fmt/txt')).toEqual({
      ok: true,
      value: { device: { typeId: 't1', deviceId: 'd1' }, commandId: 'reboot', format: 'txt' },
    });
  });

  it.each([
    ['iot-2/type/t1/id/d1/evt/temp', /does not match/],
    ['iot-2/type/t1/id/d1/cmd/temp/fmt/json', /does not match/],
    ['iot-2/type/t 1/id/d1/evt/temp/fmt/json', /typeId "t 1"/],
    ['iot-2/type/t1/id//evt/temp/fmt/json', /deviceId is empty/],
  ])('refuses the event topic %s', (topic, reason) => {
    const result = parseEventTopic(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('topicMatches', () => {
  it.each([
    ['iot-2/type/+/id/+/evt/+/fmt/+', 'iot-2/type/a/id/b/evt/c/fmt/json', true],
    ['iot-2/type/+/id/+/evt/+/fmt/+', 'iot-2/type/a/id/b/cmd/c/fmt/json', false],
    ['iot-2/type/+/id/+/evt/+/fmt/+', 'iot-2/type/a/id/b/evt/c/fmt', false],
    ['iotdm-1/type/t/id/d/#', 'iotdm-1/type/t/id/d/mgmt/initiate/device/reboot', true],
    ['iotdm-1/type/t/id/d/#', 'iotdm-1/type/t/id/d', true],
    ['iotdm-1/type/t/id/d/#', 'iotdm-1/type/t/id/e/response', false],
    ['#', '$SYS/broker', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
  ])('%s vs %s -> %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
