import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MgmtRequestStore } from '../../src/platform/mgmt-requests.js';

const DEVICE = { typeId: 't', deviceId: 'd' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MgmtRequestStore', () => {
  it('keeps a finished request readable for retainMs, then forgets it', () => {
    const store = new MgmtRequestStore({ maxRequests: 10, retainMs: 1000 });
    const { reqId, statuses } = store.open([DEVICE])!;
    expect(store.get(reqId)).toEqual({ results: [{ ...DEVICE, status: 0 }], complete: false });
    vi.advanceTimersByTime(5000);
    expect(store.size).toBe(1);
    store.settle(reqId, statuses[0]!, { status: 1, rc: 202 });
    expect(store.get(reqId)).toEqual({ results: [{ ...DEVICE, status: 1, rc: 202 }], complete: true });
    vi.advanceTimersByTime(999);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
    expect(store.get(reqId)).toBeUndefined();
  });

  it('starts the retention only when every device of a request has an outcome', () => {
    const store = new MgmtRequestStore({ maxRequests: 10, retainMs: 10 });
    const { reqId, statuses } = store.open([DEVICE, { typeId: 't', deviceId: 'e' }])!;
    store.settle(reqId, statuses[0]!, { status: 2, message: 'no answer', timedOutAfterMs: 10_000 });
    vi.advanceTimersByTime(100);
    expect(store.get(reqId)?.complete).toBe(false);
    store.settle(reqId, statuses[1]!, { status: 1, rc: 202 });
    vi.advanceTimersByTime(10);
    expect(store.size).toBe(0);
  });

  it('makes room by dropping the oldest finished request, and refuses a new one when all still run', () => {
    const store = new MgmtRequestStore({ maxRequests: 2, retainMs: 60_000 });
    const first = store.open([DEVICE])!;
    const second = store.open([DEVICE])!;
    expect(store.open([DEVICE])).toBeUndefined();
    store.settle(second.reqId, second.statuses[0]!, { status: 1, rc: 200 });
    const third = store.open([DEVICE]);
    expect(third).toBeDefined();
    expect(store.get(second.reqId)).toBeUndefined();
    expect(store.get(first.reqId)?.complete).toBe(false);
    expect(store.size).toBe(2);
  });

  it('leaves no timer behind when cleared', () => {
    const store = new MgmtRequestStore({ maxRequests: 5, retainMs: 60_000 });
    const { reqId, statuses } = store.open([DEVICE])!;
    store.settle(reqId, statuses[0]!, { status: 1, rc: 200 });
    expect(vi.getTimerCount()).toBe(1);
    store.clear();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.size).toBe(0);
  });
});
