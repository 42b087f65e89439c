/** One Server-Sent Event: its name (`message` when none was given) and its data. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Cuts a Server-Sent Events stream (text/event-stream) into events, chunk by chunk: `event:` and `data:`
 * fields, events ended by a blank line, comments and `retry:` ignored. Pure.
 */
export class EventStreamParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  /** The events completed by this chunk. */
  push(chunk: string): ServerSentEvent[] {
    this.buffer += chunk;
    const events: ServerSentEvent[] = [];
    let end = this.buffer.search(/\r\n|\r|\n/);
    while (end !== -1) {
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (end === this.buffer.length - 1 && this.buffer[end] === '\r') break;
      const line = this.buffer.slice(0, end);
      const newline = this.buffer.startsWith('\r\n', end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + newline);
      if (line === '') {
        if (this.data.length > 0) events.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') this.event = value;
        else if (field === 'data') this.data.push(value);
      }
      end = this.buffer.search(/\r\n|\r|\n/);
    }
    return events;
  }
}

/**
 * Reads a gateway's live stream (`GET /api/live`) with the token as a header, calling `onEvent` per event
 * until the stream ends or `signal` aborts. Rejects when the gateway cannot be reached or refuses.
 */
export async function readEventStream(
  url: URL,
  headers: Record<string, string>,
  onEvent: (event: ServerSentEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal });
  if (response.status === 401) throw new Error(`${url.origin} asks for a token (--token or WIOTP_HTTP_TOKEN)`);
  if (!response.ok || !response.body) throw new Error(`${url.href} answered ${response.status}`);
  const parser = new EventStreamParser();
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    for (const event of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) onEvent(event);
  }
}
