import { useState } from 'preact/hooks';
import { clock, short } from '../format.js';
import { asciiOf, hexByte, hexRows, spacedHex } from '../hex.js';
import type { ShownFrame } from '../live-store.js';

/** Copies text; where the page is not a secure context (http beyond loopback) it falls back to a prompt. */
async function copy(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    window.prompt('Copy:', text);
  }
}

/** The frame's bytes as a hex dump with an ASCII column; the byte a reject names is marked. */
function HexDump({ hex, offset }: { hex: string; offset?: number }) {
  const rows = hexRows(hex);
  return (
    <table class="hexdump">
      <caption class="visually-hidden">Bytes in hex and ASCII</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.offset}>
            <th scope="row">{row.offset.toString(16).padStart(4, '0')}</th>
            <td class="hex">
              {row.bytes.map((byte, index) => {
                const at = row.offset + index;
                return at === offset ? (
                  <mark key={at} class="offending" title={`offset ${at}: the byte the reason names`}>
                    {hexByte(byte)}
                  </mark>
                ) : (
                  <span key={at}>{hexByte(byte)}</span>
                );
              })}
            </td>
            <td class="ascii">
              {row.bytes.map((byte, index) => {
                const at = row.offset + index;
                return at === offset ? (
                  <mark key={at} class="offending">
                    {asciiOf(byte)}
                  </mark>
                ) : (
                  asciiOf(byte)
                );
              })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One frame: its bytes beside the reading and the events it became, or the reason it was refused. */
export function FrameCard({ frame }: { frame: ShownFrame }) {
  const rejected = Boolean(frame.reject);
  // Refused frames open: their reason and the marked byte are what one looks for.
  const [open, setOpen] = useState(rejected);
  const bodyId = `frame-${frame.id}`;
  return (
    <article class={`frame ${rejected ? 'rejected' : ''}`} data-seq={frame.seq} aria-label={`frame ${frame.seq}`}>
      <header>
        <button type="button" class="toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>{' '}
        <span class="muted">{clock(frame.at)}</span> <strong>{frame.device ?? frame.channel}</strong>{' '}
        <span class="muted">
          {frame.adapter} {frame.channel} · {frame.profile}
        </span>{' '}
        {rejected ? <span class="badge bad">{frame.reject?.stage} rejected</span> : <span class="badge ok">ok</span>}
      </header>
      {frame.reject && (
        <p class="reason" role="note">
          <strong>Refused:</strong> {frame.reject.reason}
          {frame.reject.offset !== undefined ? ` (byte ${frame.reject.offset} marked)` : ''}
        </p>
      )}
      {!open && (
        <p class="summary">
          <code>
            {spacedHex((frame.hex ?? '').slice(0, 48))}
            {(frame.hex?.length ?? 0) > 48 ? ' …' : ''}
          </code>
          {frame.reading && <span class="muted"> → {short(frame.reading, 120)}</span>}
        </p>
      )}
      {open && (
        <div class="frame-body" id={bodyId}>
          <div class="bytes">
            {frame.hex === undefined ? (
              <p class="muted">No bytes: the adapter could not cut a frame out of the stream.</p>
            ) : (
              <>
                <HexDump hex={frame.hex} offset={frame.reject?.offset} />
                <div class="actions">
                  <button type="button" onClick={() => void copy(spacedHex(frame.hex ?? ''))}>
                    Copy hex
                  </button>
                  <button
                    type="button"
                    onClick={() => void copy(`wiotp-gateway decode --profile ${frame.profile} ${frame.hex ?? ''}`)}
                  >
                    Copy decode command
                  </button>
                </div>
              </>
            )}
          </div>
          <div class="decoded">
            {frame.reading && (
              <>
                <h3>Reading</h3>
                <pre>{JSON.stringify(frame.reading, null, 1)}</pre>
              </>
            )}
            {frame.events?.map((event) => (
              <div key={event.topic} class="event">
                <h3>Event {event.eventId}</h3>
                <code class="topic">{event.topic}</code>
                <pre>{event.payload}</pre>
              </div>
            ))}
          </div>
        </div>
      )}
    </article>
  );
}
