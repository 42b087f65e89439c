import { UsageError } from './arguments.js';

/** How the CLI reaches a running gateway's local HTTP server (`status`, `watch`). */
export interface GatewayHttp {
  base: URL;
  headers: Record<string, string>;
}

/** The server's URL (checked) and the token as a header (`--token`, else $WIOTP_HTTP_TOKEN). */
export function gatewayHttp(url: string, token = process.env.WIOTP_HTTP_TOKEN): GatewayHttp {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url ${url}: expected a URL such as http://127.0.0.1:9464`);
  }
  return { base, headers: token ? { Authorization: `Bearer ${token}` } : {} };
}

/** GET a JSON path; fails naming the token when the server asks for one. */
export async function getJson(http: GatewayHttp, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, http.base), { headers: http.headers, signal: AbortSignal.timeout(5000) });
  if (response.status === 401) throw new Error(`${http.base.origin} asks for a token (--token or WIOTP_HTTP_TOKEN)`);
  return response.json() as Promise<unknown>;
}

/** "no gateway answers at http://…: reason", for a failed request. */
export function unreachable(http: GatewayHttp, error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return `no gateway answers at ${http.base.origin}${cause ? ` (${cause})` : ''}: ${(error as Error).message}`;
}
