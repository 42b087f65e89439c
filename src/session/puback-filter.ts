// The service's bytes, split before mqtt.js sees them: send()'s PUBACKs are taken here, everything else goes on to
// mqtt.js unchanged. Through mqtt.js each 4-byte PUBACK went through the socket's readable stream, a pipe into a
// Writable, mqtt-packet's parser and mqtt.js's packet dispatch: ~13% of the gateway's CPU at 100 lines/s and ~8% at
// saturation (`perf`, `npm run bench`). MQTT 3.1.1 §2.2 (fixed header), §3.4 (PUBACK). Pure: no sockets.

const PUBACK = 0x40; // type 4, flags 0
const PUBACK_LENGTH = 2;
/** A fixed header is at most 5 bytes: the type byte and up to 4 of remaining length. */
const MAX_HEADER = 5;

/** What a PubackFilter hands on. */
export interface PubackFilterSink {
  /** Takes the PUBACK for `messageId` if it answers one of send()'s publishes; false leaves it to mqtt.js. */
  acknowledge(messageId: number): boolean;
  /** Bytes for mqtt.js, in order. A copy: the chunk they came in is reused for the next read. */
  forward(bytes: Buffer): void;
}

/**
 * One per connection. Follows packet boundaries across reads of any size. A PUBACK whose 4 bytes arrive in one read is recognised
 * without copying; one split across reads is gathered first. Bytes that are not a valid stream (a remaining length
 * over 4 bytes) are all forwarded from there on: mqtt.js reports the error and drops the connection.
 */
export class PubackFilter {
  /** The first bytes of a packet split across reads (not forwarded yet). */
  private readonly held = new Uint8Array(MAX_HEADER + PUBACK_LENGTH);
  private heldLength = 0;
  /** Bytes of the current packet still to forward. */
  private remaining = 0;
  private passThrough = false;
  /** The body length found by the last complete scanHeader(). */
  private scannedBody = 0;

  constructor(private readonly sink: PubackFilterSink) {}

  /** The next bytes from the connection (the first `length` of `chunk`). */
  read(chunk: Uint8Array, length = chunk.length): void {
    if (this.passThrough) {
      if (length > 0) this.sink.forward(Buffer.from(chunk.subarray(0, length)));
      return;
    }
    let at = 0;
    /** Where this chunk's bytes still to forward begin. */
    let from = 0;
    while (at < length) {
      if (this.remaining > 0) {
        const body = Math.min(this.remaining, length - at);
        this.remaining -= body;
        at += body;
        continue;
      }
      if (this.heldLength === 0) {
        const headerLength = this.scanHeader(chunk, at, length);
        if (headerLength < 0) return this.forwardRest(chunk, from, length);
        if (headerLength > 0) {
          const packetLength = headerLength + this.scannedBody;
          if (chunk[at] === PUBACK && packetLength === 4 && at + 4 <= length) {
            // A PUBACK for mqtt.js's own publishes is forwarded with the bytes around it.
            if (this.sink.acknowledge(((chunk[at + 2] as number) << 8) | (chunk[at + 3] as number))) {
              if (at > from) this.sink.forward(Buffer.from(chunk.subarray(from, at)));
              from = at + 4;
            }
            at += 4;
            continue;
          }
          if (chunk[at] !== PUBACK || packetLength !== 4) {
            this.remaining = packetLength;
            continue;
          }
        }
        // The header, or a PUBACK's message id, is split across reads: hold its bytes until complete.
        if (at > from) this.sink.forward(Buffer.from(chunk.subarray(from, at)));
      }
      this.held[this.heldLength++] = chunk[at++] as number;
      from = at;
      if (!this.decideHeld()) return this.forwardRest(chunk, at, length);
    }
    if (this.heldLength === 0 && from < length) this.sink.forward(Buffer.from(chunk.subarray(from, length)));
  }

  /**
   * The fixed header at `at`: its length (type byte and remaining length), the body's length in `scannedBody`;
   * 0 when it does not end before `end`; -1 when the remaining length runs over 4 bytes (not MQTT).
   */
  private scanHeader(bytes: Uint8Array, at: number, end: number): number {
    let body = 0;
    let multiplier = 1;
    for (let index = at + 1; index < end; index++) {
      const digit = bytes[index] as number;
      body += (digit & 0x7f) * multiplier;
      if ((digit & 0x80) === 0) {
        this.scannedBody = body;
        return index - at + 1;
      }
      multiplier *= 0x80;
      if (index - at === MAX_HEADER - 1) return -1;
    }
    return 0;
  }

  /**
   * Whether the held bytes are known yet: a PUBACK of ours is taken, any other packet forwarded once its header
   * is complete (its body follows as it comes). False when the stream is not MQTT.
   */
  private decideHeld(): boolean {
    const heldLength = this.heldLength;
    const headerLength = this.scanHeader(this.held, 0, heldLength);
    if (headerLength < 0) return false;
    if (headerLength === 0) return true;
    const held = this.held;
    if (held[0] === PUBACK && headerLength + this.scannedBody === 4) {
      if (heldLength < 4) return true; // the message id is still to come
      this.heldLength = 0;
      if (!this.sink.acknowledge(((held[2] as number) << 8) | (held[3] as number))) {
        this.sink.forward(Buffer.from(held.subarray(0, 4)));
      }
      return true;
    }
    this.sink.forward(Buffer.from(held.subarray(0, heldLength)));
    this.heldLength = 0;
    this.remaining = this.scannedBody;
    return true;
  }

  /** Not MQTT from here on: what was held and everything after goes to mqtt.js, which reports it. */
  private forwardRest(chunk: Uint8Array, at: number, length: number): void {
    this.passThrough = true;
    this.sink.forward(Buffer.concat([this.held.subarray(0, this.heldLength), chunk.subarray(at, length)]));
    this.heldLength = 0;
  }
}
