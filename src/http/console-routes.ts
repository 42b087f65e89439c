import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { fail, ok, type Result } from '../result.js';
import type { CommandRequest, CommandResponse, ConsoleDevice, LiveStatus } from './console-api.js';
import { consoleFiles } from './console-files.js';
import type { RouteHandler } from './http-server.js';
import { type LiveClient, LiveFeed, type LiveFeedOptions, type TapTarget } from './live-feed.js';

/** What the console's API needs from a running gateway (implemented in src/pipeline/console-backend.ts). */
export interface ConsoleBackend extends TapTarget {
  status(): LiveStatus;
  devices(): ConsoleDevice[];
  /** Sends a declared command as the console (or only encodes it, for `dryRun`). */
  command(request: CommandRequest): Promise<CommandResponse>;
}

/** The console's routes: `pages` (its static files, no token) and `routes` (its API, behind the token). */
export interface ConsoleRoutes {
  pages: RouteHandler[];
  routes: RouteHandler[];
}

/** A slow reader misses batches and statuses instead of growing the gateway's memory. */
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_BODY_BYTES = 64 * 1024;

const commandRequestSchema = z
  .object({
    typeId: z.string(),
    deviceId: z.string(),
    commandId: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    dryRun: z.boolean().optional(),
  })
  .strict();

/**
 * The web console (DESIGN: watch): its files at `/`, the live stream at `/api/live` (Server-Sent Events),
 * the devices with their declared commands at `/api/console/devices`, and `POST /api/console/commands`,
 * which sends a command through the same path as one from the service (logged with origin "console").
 */
export function consoleRoutes(
  backend: ConsoleBackend,
  options: Pick<LiveFeedOptions, 'statusMs' | 'limits'> = {},
): ConsoleRoutes {
  const feed = new LiveFeed({ target: backend, status: () => backend.status(), ...options });
  const api: RouteHandler = async (request, response, url) => {
    switch (url.pathname) {
      case '/api/live':
        if (request.method !== 'GET') return false;
        liveStream(feed, request, response);
        return true;
      case '/api/console/devices':
        if (request.method !== 'GET') return false;
        sendJson(response, 200, backend.devices());
        return true;
      case '/api/console/commands': {
        if (request.method !== 'POST') return false;
        const refusal = postRefusal(request);
        const body = refusal ? undefined : await readCommandRequest(request);
        if (refusal) sendJson(response, refusal.status, { ok: false, reason: refusal.reason });
        else if (body && !body.ok) sendJson(response, 400, { ok: false, reason: body.reason });
        else if (body?.ok) {
          const answer = await backend.command(body.value);
          sendJson(response, answer.ok ? 200 : 422, answer);
        }
        return true;
      }
      default:
        return false;
    }
  };
  return { pages: [consoleFiles()], routes: [api] };
}

function liveStream(feed: LiveFeed, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // Proxies must pass events on as they come.
    'X-Accel-Buffering': 'no',
  });
  response.write('retry: 2000\n\n');
  const client: LiveClient = (event, data) => {
    // A client that stopped reading (a frozen tab) gets nothing more until it catches up, statuses included (each is
    // a whole snapshot the next one replaces): the page misses those frames and updates, the gateway's memory stays bounded.
    if (response.writableLength > MAX_BUFFERED_BYTES) return;
    response.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  const leave = feed.join(client);
  response.once('close', leave);
  request.once('close', leave);
}

/**
 * Commands change hardware: only a JSON body (a browser must ask first before sending one to another
 * site, so no other page can post a form here) from a page of this server (same Origin, when given).
 */
function postRefusal(request: IncomingMessage): { status: number; reason: string } | undefined {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    return { status: 415, reason: 'expected Content-Type: application/json' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${request.headers.host}`) {
    return { status: 403, reason: `a page from ${origin} may not send commands here` };
  }
  return undefined;
}

/** The body of a command request, checked; the reason names the field. */
async function readCommandRequest(request: IncomingMessage): Promise<Result<CommandRequest>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return fail(`the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    return fail(`the body is not JSON (${(error as Error).message})`);
  }
  const parsed = commandRequestSchema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  return fail(`${issue?.path.join('.') || 'body'}: ${issue?.message}`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}
