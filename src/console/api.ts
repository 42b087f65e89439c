import type { LiveEvents } from '../http/console-api.js';
import type { LiveStore } from './live-store.js';

/** Where the page keeps the gateway's http.token: this browser tab only, gone when it closes. */
const TOKEN_KEY = 'wiotp-gateway.http-token';

/** The gateway asks for its http.token (or refused the one given). */
export class TokenRequired extends Error {
  constructor() {
    super('the gateway asks for its token');
  }
}

/** The token given in this tab, if any. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps the token for this tab (never shown again, never written anywhere else). */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** A request to the gateway's API, with the token as a header when one was given. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const token = storedToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers, cache: 'no-store' });
  if (response.status === 401) throw new TokenRequired();
  return (await response.json()) as T;
}

/** The state of the live connection, as the header shows it. */
export type LiveState = 'connecting' | 'live' | 'down' | 'token';

/**
 * Follows the gateway's live stream (Server-Sent Events) into `store`, reconnecting when it drops. An
 * EventSource cannot send headers, so the token goes as `?token=`. Returns the function that stops it.
 */
export function followLive(store: LiveStore, onState: (state: LiveState) => void): () => void {
  let source: EventSource | undefined;
  let retry: number | undefined;
  let stopped = false;
  const again = () => {
    onState('down');
    retry = window.setTimeout(connect, 2000);
  };
  async function connect(): Promise<void> {
    if (stopped) return;
    onState('connecting');
    // An EventSource only says "error": ask first whether the token is missing or the gateway is down.
    try {
      await api('/api/console/devices');
    } catch (error) {
      if (error instanceof TokenRequired) onState('token');
      else again();
      return;
    }
    const token = storedToken();
    source = new EventSource(`/api/live${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    for (const event of ['hello', 'batch', 'status'] satisfies Array<keyof LiveEvents>) {
      source.addEventListener(event, (message) => store.apply(event, JSON.parse((message as MessageEvent<string>).data)));
    }
    source.onopen = () => onState('live');
    source.onerror = () => {
      if (source?.readyState !== EventSource.CLOSED) return onState('connecting');
      source.close();
      again();
    };
  }
  void connect();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    source?.close();
  };
}
