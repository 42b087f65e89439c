import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging.js';
import type { GatewayStatus, HealthReport } from '../pipeline/gateway-view.js';
import { isLoopbackHost } from '../security/loopback.js';
import { secretsEqual } from '../security/secrets.js';
import { httpUrl, type ListenAddress } from './listen-address.js';

/** What the server reads: health, status and metrics of the gateway (types only: the view lives in the pipeline). */
export interface HttpSources {
  live(): HealthReport;
  ready(): HealthReport;
  status(): GatewayStatus;
  /** The Prometheus registry, made at the first scrape (prom-client is not loaded until someone asks). */
  metrics: () => Promise<Registry>;
}

/** A route beyond the built-in ones (the console adds its files and live stream). */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** Options of the gateway's local HTTP server. */
export interface HttpServerOptions {
  listen: ListenAddress;
  /** Required unless `listen` is a loopback address: `Authorization: Bearer TOKEN`. */
  token?: string;
  sources: HttpSources;
  routes?: RouteHandler[];
  logger: Logger;
}

/** A running local HTTP server. */
export interface RunningHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Refuses to listen beyond loopback without a token (anything that listens asks for one then). */
export function checkExposure(listen: ListenAddress, token: string | undefined): string | undefined {
  if (isLoopbackHost(listen.host) || token) return undefined;
  return (
    `http.listen ${httpUrl(listen)} is reachable from other machines: set http.token (or http.tokenFile) ` +
    'so that only you can read it, or listen on 127.0.0.1'
  );
}

/**
 * The gateway's local HTTP server (DESIGN: watch): `/metrics` (Prometheus text), `/livez` and `/readyz`
 * (JSON with `status: pass|warn|fail`, HTTP 200 or 503), `/api/status` (JSON), plus the routes it is given.
 * Read-only: nothing here changes the gateway.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const refusal = checkExposure(options.listen, options.token);
  if (refusal) throw new Error(refusal);
  const { sources, logger, token } = options;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      logger.error({ err: error.message, path: request.url }, 'http: request failed');
      if (!response.headersSent) send(response, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
      else response.destroy();
    });
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://gateway.local');
    if (token && !authorized(request, url, token)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="wiotp-gateway"');
      return send(response, 401, 'application/json', JSON.stringify({ error: 'a token is required (Authorization: Bearer …)' }));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD' && !url.pathname.startsWith('/api/')) {
      return send(response, 405, 'application/json', JSON.stringify({ error: `${request.method} is not allowed here` }));
    }
    switch (url.pathname) {
      case '/livez':
        return health(response, sources.live());
      case '/readyz':
        return health(response, sources.ready());
      case '/api/status':
        return send(response, 200, 'application/json', JSON.stringify(sources.status()));
      case '/metrics': {
        const registry = await sources.metrics();
        return send(response, 200, registry.contentType, await registry.metrics());
      }
    }
    for (const route of options.routes ?? []) if (await route(request, response, url)) return;
    send(response, 404, 'application/json', JSON.stringify({ error: `no such path: ${url.pathname}` }));
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = httpUrl({ host: options.listen.host, port: address.port });
  logger.info({ url }, 'http: listening (/metrics, /livez, /readyz, /api/status)');
  return { url, close: () => closeServer(server) };
}

function authorized(request: IncomingMessage, url: URL, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
  return secretsEqual(token, given);
}

function health(response: ServerResponse, report: HealthReport): void {
  send(response, report.status === 'fail' ? 503 : 200, 'application/json', JSON.stringify(report));
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (a browser, a scraper) would hold close() open.
    server.closeAllConnections();
  });
}
