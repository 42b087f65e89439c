import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A JSON answer of an HTTP API. */
export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * One request to a JSON HTTP(S) API, such as the platform's REST API; `ca` (PEM) is trusted besides the system's
 * certificates, for a platform serving HTTPS with its own certificate. Rejects when the API cannot be reached.
 */
export function requestJson(
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; ca?: string | Buffer } = {},
): Promise<JsonResponse> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      { method: init.method ?? 'GET', headers: init.headers, ...(init.ca ? { ca: init.ca } : {}) },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text, the caller reports it
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}
