import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging.js';
import { DM_RC, type DmResponse, isSuccessRc, type PlatformOperation } from '../protocol/device-management.js';
import { type DeviceRef, validateDeviceRef } from '../protocol/ids.js';
import { TLS_MIN_VERSION } from '../protocol/limits.js';
import { type ApplicationCredentials, authenticateApplication } from './credentials.js';
import { type DeviceManagementService, DmTimeoutError } from './device-management.js';
import { plainListenerWarning } from './exposure.js';
import { DEFAULT_MGMT_REQUEST_LIMITS, type MgmtRequestLimits, MgmtRequestStore } from './mgmt-requests.js';

export type { DeviceStatus } from './mgmt-requests.js';

/** A device management request as the service's REST API takes it (POST /api/v0002/mgmt/requests). */
export interface MgmtRequestBody {
  action: string;
  parameters?: Array<{ name: string; value: unknown }>;
  devices: Array<{ typeId: string; deviceId: string }>;
}

/** REST actions and the device management operation each one starts. */
export const ACTIONS: Record<string, PlatformOperation> = {
  'device/reboot': 'mgmt/initiate/device/reboot',
  'device/factoryReset': 'mgmt/initiate/device/factory_reset',
  'firmware/download': 'mgmt/initiate/firmware/download',
  'firmware/update': 'mgmt/initiate/firmware/update',
};

/** Runs one action against one device; firmware/download first sets the firmware to fetch from the parameters. */
export async function runAction(
  dm: DeviceManagementService,
  device: DeviceRef,
  action: string,
  parameters: Record<string, unknown>,
): Promise<DmResponse> {
  if (action === 'firmware/download') {
    const uri = parameters.uri ?? parameters.url;
    if (typeof uri !== 'string' || typeof parameters.version !== 'string') {
      return { rc: DM_RC.BAD_REQUEST, message: 'firmware/download needs the parameters uri and version', reqId: '' };
    }
    const firmware = {
      url: uri,
      version: parameters.version,
      ...(typeof parameters.name === 'string' ? { name: parameters.name } : {}),
    };
    return dm.firmwareDownload(device, firmware);
  }
  if (action === 'firmware/update') await dm.observeFirmware(device).catch(() => undefined);
  const operation =
    ACTIONS[action] ?? (/^[^/]+\/[^/]+$/.test(action) ? (`mgmt/custom/${action}` as PlatformOperation) : undefined);
  if (!operation) return { rc: DM_RC.BAD_REQUEST, message: `unknown action ${action}`, reqId: '' };
  const custom = operation.startsWith('mgmt/custom/');
  return dm.request(device, operation, custom && Object.keys(parameters).length > 0 ? parameters : undefined);
}

/** Where and how the REST API listens, and whom it lets in. */
export interface RestApiOptions {
  dm: DeviceManagementService;
  applications: readonly ApplicationCredentials[];
  /** Interface to bind; loopback unless asked otherwise (then it warns unless TLS is on). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM certificate and key: the API is then served over HTTPS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  limits?: Partial<MgmtRequestLimits>;
  logger?: Logger;
}

/** A running REST API. */
export interface RestApi {
  url: string;
  /** Requests held now (running, or finished and still readable). */
  heldRequests(): number;
  close(): Promise<void>;
}

/**
 * The slice of the service's REST API that device management needs, with HTTP basic auth (API key and token,
 * as the service does): start a request, read its per-device status, read a device's management state.
 */
export async function startRestApi(options: RestApiOptions): Promise<RestApi> {
  const host = options.host ?? '127.0.0.1';
  const requests = new MgmtRequestStore({ ...DEFAULT_MGMT_REQUEST_LIMITS, ...options.limits });
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    void handle(request, response).catch((error: Error) => {
      // A fault after the answer began (the client went away mid-body) can only end the connection.
      if (response.headersSent) response.destroy();
      else send(response, 500, { message: error.message });
    });
  };
  const secure = Boolean(options.cert && options.key);
  const server = secure
    ? createHttpsServer({ cert: options.cert, key: options.key, minVersion: TLS_MIN_VERSION }, listener)
    : createHttpServer(listener);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!authorized(request.headers.authorization))
      return send(response, 401, { message: 'API key and token required (HTTP basic auth)' });
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (request.method === 'POST' && path === '/api/v0002/mgmt/requests') {
      const body = (await readJson(request)) as Partial<MgmtRequestBody> | undefined;
      if (!body || typeof body.action !== 'string' || !Array.isArray(body.devices) || body.devices.length === 0) {
        return send(response, 400, { message: 'expected { action, parameters?, devices: [{ typeId, deviceId }] }' });
      }
      for (const device of body.devices) {
        const valid = validateDeviceRef(device);
        if (!valid.ok) return send(response, 400, { message: valid.reason });
      }
      const parameters = Object.fromEntries((body.parameters ?? []).map((p) => [p.name, p.value]));
      const opened = requests.open(body.devices);
      if (!opened) return send(response, 503, { message: 'too many device management requests are running; try again later' });
      const { reqId, statuses } = opened;
      for (const status of statuses) {
        runAction(options.dm, status, body.action, parameters).then(
          (result) =>
            requests.settle(reqId, status, {
              status: isSuccessRc(result.rc) ? 1 : 2,
              rc: result.rc,
              ...(result.message ? { message: result.message } : {}),
            }),
          (error: Error) =>
            requests.settle(reqId, status, {
              status: 2,
              message: error.message,
              ...(error instanceof DmTimeoutError ? { timedOutAfterMs: error.waitedMs } : {}),
            }),
        );
      }
      return send(response, 202, { reqId, action: body.action });
    }
    const status = /^\/api\/v0002\/mgmt\/requests\/([^/]+)\/deviceStatus$/.exec(path);
    if (request.method === 'GET' && status?.[1]) {
      const found = requests.get(status[1]);
      return found ? send(response, 200, found) : send(response, 404, { message: 'no such request' });
    }
    const device = /^\/api\/v0002\/device\/types\/([^/]+)\/devices\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && device?.[1] && device[2]) {
      const state = options.dm.state({ typeId: decodeURIComponent(device[1]), deviceId: decodeURIComponent(device[2]) });
      return state ? send(response, 200, state) : send(response, 404, { message: 'no management state for this device' });
    }
    return send(response, 404, { message: `no route for ${request.method} ${path}` });
  }

  function authorized(header: string | undefined): boolean {
    const [scheme, encoded] = (header ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) return false;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const index = decoded.indexOf(':');
    if (index < 0) return false;
    return authenticateApplication(options.applications, decoded.slice(0, index), decoded.slice(index + 1)) !== undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger?.warn({ err: error.message }, 'REST API server error'));
  const warning = plainListenerWarning({ name: 'REST API', host, secure });
  if (warning) options.logger?.warn(warning);
  const address = server.address() as AddressInfo;
  return {
    url: `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    heldRequests: () => requests.size,
    close: () =>
      new Promise<void>((resolve) => {
        requests.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 65_536) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
