import { randomUUID } from 'node:crypto';
import {
  type DeviceOperation,
  type DmResponse,
  deviceDmTopic,
  parseDmResponse,
} from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';

/** How device management messages leave the gateway: QoS 1, never retained (seed: Managed gateways). */
export type DmPublish = (topic: string, payload: string, options: { qos: 0 | 1 }) => Promise<void>;

/** A gateway-initiated request that got no answer in time. */
export class DmTimeoutError extends Error {
  override readonly name = 'DmTimeoutError';
  constructor(
    readonly operation: string,
    readonly device: DeviceRef,
    readonly timeoutMs: number,
  ) {
    super(`no response to ${operation} for ${deviceKey(device)} within ${timeoutMs} ms`);
  }
}

interface Pending {
  resolve(response: DmResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Correlates the gateway's requests (`iotdevice-1/…/{operation}`, `{ d, reqId }`) with the platform's
 * answers on `iotdm-1/…/response` by reqId, each with a timeout. Also publishes the gateway's own
 * responses to platform requests. Knows topics and envelopes, nothing about devices or capabilities.
 */
export class DmRequester {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly publish: DmPublish,
    private readonly timeoutMs: number,
    private readonly newReqId: () => string = randomUUID,
  ) {}

  /**
   * Publishes a request and resolves with the platform's response (whatever its rc).
   * Rejects when the publish fails, on timeout, or when the requester is closed.
   */
  request(device: DeviceRef, operation: Exclude<DeviceOperation, 'response'>, d?: unknown): Promise<DmResponse> {
    const reqId = this.newReqId();
    const body = JSON.stringify(d === undefined ? { reqId } : { d, reqId });
    return new Promise<DmResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new DmTimeoutError(operation, device, this.timeoutMs));
      }, this.timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
      this.publish(deviceDmTopic(device, operation), body, { qos: 1 }).catch((error: Error) => {
        if (!this.settle(reqId)) return;
        reject(error);
      });
    });
  }

  /** Hands a platform response to the request waiting for it; false when no request has that reqId. */
  handleResponse(payload: Uint8Array | string): boolean {
    const parsed = parseDmResponse(payload);
    if (!parsed.ok) return false;
    const waiting = this.pending.get(parsed.value.reqId);
    if (!waiting) return false;
    this.settle(parsed.value.reqId);
    waiting.resolve(parsed.value);
    return true;
  }

  /** Answers a platform request on `iotdevice-1/…/response` with its reqId (QoS 1, never retained). */
  respond(device: DeviceRef, reqId: string, rc: number, message?: string, d?: unknown): Promise<void> {
    const response: DmResponse = { rc, reqId };
    if (message !== undefined) response.message = message;
    if (d !== undefined) response.d = d;
    return this.publish(deviceDmTopic(device, 'response'), JSON.stringify(response), { qos: 1 });
  }

  /** Requests still waiting for an answer. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Fails every waiting request and clears its timer. */
  close(reason = 'device management stopped'): void {
    for (const [reqId, waiting] of this.pending) {
      this.settle(reqId);
      waiting.reject(new Error(reason));
    }
  }

  private settle(reqId: string): boolean {
    const waiting = this.pending.get(reqId);
    if (!waiting) return false;
    clearTimeout(waiting.timer);
    this.pending.delete(reqId);
    return true;
  }
}
