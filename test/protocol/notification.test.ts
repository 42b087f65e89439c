import { describe, expect, it } from 'vitest';
import { DM_RC, parseDmRequest, parseDmResponse, parseDmTopic } from '../../src/protocol/device-management.js';
import { buildNotification, NOTIFICATION_TEXT, parseNotification } from '../../src/protocol/notification.js';

describe('notifications', () => {
  it.each(Object.entries(NOTIFICATION_TEXT))('round-trips and classifies %s', (reason, { rc, message }) => {
    const built = buildNotification({
      request: 'publish',
      time: new Date('2026-01-02T03:04:05.000Z'),
      topic: 'iot-2/type/t/id/d/evt/e/fmt/json',
      typeId: 't',
      deviceId: 'd',
      clientId: 'g:abc123:gw:1',
      reason: reason as keyof typeof NOTIFICATION_TEXT,
    });
    expect(Object.keys(built)).toEqual(['Request', 'Time', 'Topic', 'Type', 'Id', 'Client', 'RC', 'Message']);
    expect(built.RC).toBe(rc);
    const parsed = parseNotification(JSON.stringify(built));
    expect(parsed).toEqual({
      ok: true,
      value: {
        request: 'publish',
        time: '2026-01-02T03:04:05.000Z',
        topic: 'iot-2/type/t/id/d/evt/e/fmt/json',
        typeId: 't',
        deviceId: 'd',
        clientId: 'g:abc123:gw:1',
        rc,
        message,
        reason,
      },
    });
  });

  it('names the field that is missing or mistyped', () => {
    const result = parseNotification(
      '{"Request":"publish","Time":"t","Topic":"x","Type":"t","Id":"d","Client":"c","RC":"91","Message":"m"}',
    );
    expect(result).toEqual({ ok: false, reason: 'notification field "RC" is "91"; expected a number' });
    expect(parseNotification('not json').ok).toBe(false);
  });
});

describe('device management envelopes and topics', () => {
  it('parses platform requests, custom actions and device operations', () => {
    expect(parseDmTopic('iotdm-1/type/t/id/d/mgmt/initiate/device/reboot')).toEqual({
      ok: true,
      value: { direction: 'from-platform', device: { typeId: 't', deviceId: 'd' }, operation: 'mgmt/initiate/device/reboot' },
    });
    const custom = parseDmTopic('iotdm-1/type/t/id/d/mgmt/custom/bundle1/blink');
    expect(custom.ok && custom.value.custom).toEqual({ bundleId: 'bundle1', actionId: 'blink' });
    expect(parseDmTopic('iotdevice-1/type/t/id/d/response/')).toMatchObject({ ok: true, value: { operation: 'response' } });
    expect(parseDmTopic('iotdevice-1/type/t/id/d/mgmt/explode')).toMatchObject({ ok: false });
    expect(parseDmTopic('iotdm-1/type/t/id/d/mgmt/initiate/device/explode')).toMatchObject({ ok: false });
  });

  it('parses request and response envelopes', () => {
    expect(parseDmRequest('{"d":{"a":1},"reqId":"r1"}')).toEqual({ ok: true, value: { d: { a: 1 }, reqId: 'r1' } });
    expect(parseDmRequest('{"reqId":5}')).toEqual({ ok: false, reason: 'reqId is 5; expected a string' });
    expect(parseDmResponse(`{"rc":${DM_RC.ACCEPTED},"reqId":"r1"}`)).toEqual({ ok: true, value: { rc: 202, reqId: 'r1' } });
    expect(parseDmResponse('{"rc":"200","reqId":"r1"}')).toMatchObject({ ok: false, reason: 'rc is "200"; expected an integer' });
  });
});
