import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../src/adapter.js';
import { type GatewayParts, GatewayView } from '../../src/pipeline/gateway-view.js';
import type { PipelineReject } from '../../src/pipeline/pipeline.js';
import type { QueueStats } from '../../src/store/queued-event.js';

/** Only what readiness and the status read: the session, the queue's stats, the adapters' statuses, the pipeline's rejects. */
function view(queue: Partial<QueueStats> = {}, recentRejects: PipelineReject[] = []) {
  const status$ = new Subject<ChannelStatus>();
  const parts = {
    session: { current: { state: 'online', at: 0 }, gateway: {}, counters: {} },
    queue: { stats: () => ({ durable: true, depth: 0, retained: 0, ...queue }) },
    adapters: [{ name: 'ble', status$ }],
    pipeline: { routesByDevice: new Map(), recentRejects },
    sender: {},
    admission: { stats: () => ({}) },
  } as unknown as GatewayParts;
  const gatewayView = new GatewayView(parts);
  gatewayView.markStarted();
  return { gatewayView, status$ };
}

const channels = (v: GatewayView) => v.ready().checks.find((check) => check.name === 'channels');
const queueCheck = (v: GatewayView) => v.ready().checks.find((check) => check.name === 'queue');

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

describe('GatewayView: the queue in readiness', () => {
  it('passes a queue in memory by choice (store.enabled: false), saying so; warns only for a store that could not be opened, saying why', () => {
    expect(queueCheck(view({ durable: false, location: ':memory:' }).gatewayView)).toEqual({
      name: 'queue',
      status: 'pass',
      detail: '0 queued, in memory: store.enabled is false',
    });
    const reason = '/var/lib/wiotp-gateway/q.sqlite is not writable (SQLITE_READONLY): check the directory';
    const fallback = view({ durable: false, location: ':memory:', fallbackReason: reason }).gatewayView;
    expect(queueCheck(fallback)).toEqual({
      name: 'queue',
      status: 'warn',
      detail: `0 queued, in memory only: the store could not be opened (${reason})`,
    });
    expect(fallback.ready().status).toBe('warn');
  });

  it('tells delivered events kept while their device settles from those waiting to be sent', () => {
    expect(queueCheck(view({ depth: 3, retained: 3 }).gatewayView)).toMatchObject({
      status: 'pass',
      detail: '3 queued (3 delivered, kept while their device settles)',
    });
    expect(queueCheck(view({ depth: 5, retained: 3 }).gatewayView)?.detail).toBe(
      '5 queued (2 to send; 3 delivered, kept while their device settles)',
    );
    expect(queueCheck(view({ depth: 5 }).gatewayView)?.detail).toBe('5 queued');
  });
});

describe('GatewayView: the status API', () => {
  it('shows a reject’s bytes in hex, as the log line does, not as a Uint8Array’s JSON ({"0":103,…})', () => {
    const bytes = new TextEncoder().encode('garbage\n');
    const { gatewayView } = view({}, [
      { stage: 'framing', reason: 'not a line', at: 0, source: { adapter: 'serial', channel: 'ttyACM0', vars: {} }, bytes },
      { stage: 'device', reason: 'no device', at: 0 },
    ]);
    const [withBytes, without] = JSON.parse(JSON.stringify(gatewayView.status())).recentRejects;
    expect(withBytes).toEqual({
      stage: 'framing',
      reason: 'not a line',
      at: '1970-01-01T00:00:00.000Z',
      channel: 'ttyACM0',
      hex: '676172626167650a',
    });
    expect(without).toEqual({ stage: 'device', reason: 'no device', at: '1970-01-01T00:00:00.000Z' });
  });
});
