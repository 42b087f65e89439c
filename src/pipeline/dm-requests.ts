import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging.js';
import {
  type DeviceOperation,
  DM_RC,
  type DmFieldsRequest,
  type DmResponse,
  deviceDmTopic,
  isSuccessRc,
  parseDmRequest,
  parseDmResponse,
  salvageReqId,
} from '../protocol/device-management.js';
import { type DeviceRef, deviceKey } from '../protocol/ids.js';
import { fail, ok, type Result } from '../result.js';

/** How device management messages leave the gateway: QoS 1, never retained (seed: Managed gateways). */
export type DmPublish = (topic: string, payload: string, options: { qos: 0 | 1 }) => Promise<void>;

/** A request the gateway itself publishes (everything but `response`). */
export type GatewayRequest = Exclude<DeviceOperation, 'response'>;

/** What the gateway answers a platform request with, and what to start once that answer is on its way. */
export interface DmAnswer {
  rc: number;
  message?: string;
  d?: unknown;
  after?: () => void;
}

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

const RECENT_REQUESTS = 128;

/**
 * Correlates requests and responses by reqId in both directions (seed: Managed gateways, Message format).
 * The gateway's requests (`iotdevice-1/…/{operation}`, `{ d, reqId }`) wait for the platform's answer on
 * `iotdm-1/…/response`, with a timeout. The platform's requests are answered on `iotdevice-1/…/response`
 * with their reqId; one delivered twice (QoS 1, or replayed by a durable session) runs once and is answered
 * again. Knows topics and envelopes, nothing about devices or their capabilities.
 */
export class DmRequester {
  readonly stats = { requestsSent: 0, requestsFailed: 0, requestsReceived: 0, responsesSent: 0 };
  private readonly pending = new Map<string, Pending>();
  /** reqIds of recent platform requests, with their answer once given (insertion order = age). */
  private readonly recent = new Map<string, DmAnswer | undefined>();
  private closed = false;

  constructor(
    private readonly publish: DmPublish,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly newReqId: () => string = randomUUID,
  ) {}

  /**
   * Publishes a request and resolves with the platform's response (whatever its rc).
   * Rejects when the publish fails, on timeout, or when the requester is closed.
   */
  request(device: DeviceRef, operation: GatewayRequest, d?: unknown): Promise<DmResponse> {
    const reqId = this.newReqId();
    const body = JSON.stringify(d === undefined ? { reqId } : { d, reqId });
    this.stats.requestsSent++;
    return new Promise<DmResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new DmTimeoutError(operation, device, this.timeoutMs));
      }, this.timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
      this.publish(deviceDmTopic(device, operation), body, { qos: 1 }).catch((error: Error) => {
        if (this.settle(reqId)) reject(error);
      });
    });
  }

  /** Like `request`, but true when the platform answered success (isSuccessRc); failures are logged and counted, never thrown. */
  async ask(device: DeviceRef, operation: GatewayRequest, d?: unknown): Promise<boolean> {
    try {
      const response = await this.request(device, operation, d);
      if (isSuccessRc(response.rc)) return true;
      this.logger.warn(
        { device: deviceKey(device), rc: response.rc },
        `${operation} refused: ${response.message ?? `rc ${response.rc}`}`,
      );
    } catch (error) {
      if (!this.closed) this.logger.warn({ device: deviceKey(device) }, `${operation} failed: ${(error as Error).message}`);
    }
    this.stats.requestsFailed++;
    return false;
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

  /**
   * Serves one platform request: a body that is not a request envelope is answered 400; a duplicate reqId gets
   * the earlier answer again (or nothing while it still runs); otherwise `run` decides the answer, which is
   * published with the reqId (none without one) before the answer's `after` starts.
   */
  async serve(device: DeviceRef, payload: Uint8Array, run: (d: unknown) => DmAnswer | Promise<DmAnswer>): Promise<void> {
    this.stats.requestsReceived++;
    const parsed = parseDmRequest(payload);
    const reqId = parsed.ok ? parsed.value.reqId : salvageReqId(payload);
    if (reqId !== undefined && this.recent.has(reqId)) {
      const earlier = this.recent.get(reqId);
      if (earlier) this.respond(device, reqId, earlier);
      return;
    }
    if (reqId !== undefined) this.remember(reqId, undefined);
    const answer = parsed.ok ? await run(parsed.value.d) : { rc: DM_RC.BAD_REQUEST, message: parsed.reason };
    if (this.closed) return;
    if (reqId !== undefined) {
      this.remember(reqId, answer);
      this.respond(device, reqId, answer);
    }
    answer.after?.();
  }

  /** Requests still waiting for an answer. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Fails every waiting request, clears its timer, and answers nothing more. */
  close(reason = 'device management stopped'): void {
    this.closed = true;
    for (const [reqId, waiting] of this.pending) {
      this.settle(reqId);
      waiting.reject(new Error(reason));
    }
  }

  /** Publishes `{ rc, message?, d?, reqId }` on `iotdevice-1/…/response` (QoS 1, never retained). */
  private respond(device: DeviceRef, reqId: string, { rc, message, d }: DmAnswer): void {
    const response: DmResponse = { rc, reqId };
    if (message !== undefined) response.message = message;
    if (d !== undefined) response.d = d;
    this.stats.responsesSent++;
    this.publish(deviceDmTopic(device, 'response'), JSON.stringify(response), { qos: 1 }).catch((error: Error) =>
      this.logger.warn({ device: deviceKey(device), rc }, `response not sent: ${error.message}`),
    );
  }

  private remember(reqId: string, answer: DmAnswer | undefined): void {
    this.recent.delete(reqId);
    this.recent.set(reqId, answer);
    const oldest = this.recent.keys().next();
    if (this.recent.size > RECENT_REQUESTS && !oldest.done) this.recent.delete(oldest.value);
  }

  private settle(reqId: string): boolean {
    const waiting = this.pending.get(reqId);
    if (!waiting) return false;
    clearTimeout(waiting.timer);
    this.pending.delete(reqId);
    return true;
  }
}

/** `d` of `device/update` (values required), `observe` and `cancel`: a non-empty list of named fields. */
export function parseFieldsRequest(d: unknown, needValues: boolean): Result<DmFieldsRequest['fields']> {
  if (!isRecord(d) || !Array.isArray(d.fields) || d.fields.length === 0) return fail('d.fields must be a non-empty array');
  for (const [index, item] of d.fields.entries()) {
    if (!isRecord(item) || typeof item.field !== 'string') return fail(`d.fields[${index}].field must be a string`);
    if (needValues && item.value === undefined) return fail(`d.fields[${index}].value is missing`);
  }
  return ok(d.fields as DmFieldsRequest['fields']);
}

/** Parameters of a custom action: `{ parameters: [{ name, value }] }`, or a plain object of them. */
export function parseActionParams(d: unknown): Record<string, unknown> {
  if (!isRecord(d)) return {};
  if (!Array.isArray(d.parameters)) return d;
  const params: Record<string, unknown> = {};
  for (const item of d.parameters) if (isRecord(item) && typeof item.name === 'string') params[item.name] = item.value;
  return params;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
