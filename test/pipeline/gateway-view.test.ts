import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../src/adapter.js';
import { type GatewayParts, GatewayView } from '../../src/pipeline/gateway-view.js';

/** Only what readiness reads: the session's state, the queue's stats and the adapters' statuses. */
function view() {
  const status$ = new Subject<ChannelStatus>();
  const parts = {
    session: { current: { state: 'online', at: 0 } },
    queue: { stats: () => ({ durable: true, depth: 0 }) },
    adapters: [{ name: 'ble', status$ }],
  } as unknown as GatewayParts;
  const gatewayView = new GatewayView(parts);
  gatewayView.markStarted();
  return { gatewayView, status$ };
}

const channels = (v: GatewayView) => v.ready().checks.find((check) => check.name === 'channels');

describe('GatewayView readiness', () => {
  it('warns for an offline channel, and forgets a closed one instead of piling up rotating BLE addresses', () => {
    const { gatewayView, status$ } = view();
    status$.next({ adapter: 'ble', channel: 'radio', state: 'online', at: 0 });
    for (let i = 0; i < 1000; i++) {
      status$.next({ adapter: 'ble', channel: `addr-${i}`, state: 'online', at: 0 });
      status$.next({ adapter: 'ble', channel: `addr-${i}`, state: 'closed', at: 1, reason: 'not heard for 120000 ms' });
    }
    expect(channels(gatewayView)).toEqual({ name: 'channels', status: 'pass', detail: '1 online' });
    status$.next({ adapter: 'ble', channel: 'radio', state: 'offline', at: 2, reason: 'poweredOff' });
    expect(channels(gatewayView)).toMatchObject({ status: 'warn', detail: 'ble radio offline (poweredOff)' });
  });
});
