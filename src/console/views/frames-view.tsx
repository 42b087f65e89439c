import { useState } from 'preact/hooks';
import { ago } from '../format.js';
import type { LiveStore, ShownFrame } from '../live-store.js';
import { FrameCard } from './frame-card.js';

const SHOWN = 100;

/** The frame inspector: the latest frames, filtered by device or channel, with pause and refused-only. */
export function FramesView({ store, params }: { store: LiveStore; params: URLSearchParams }) {
  const [device, setDevice] = useState(params.get('device') ?? '');
  const [channel, setChannel] = useState(params.get('channel') ?? '');
  const [rejectedOnly, setRejectedOnly] = useState(false);
  const [paused, setPaused] = useState<ShownFrame[] | undefined>(undefined);
  const frames = paused ?? store.frames;
  const devices = [...new Set(store.frames.map((f) => f.device).filter((d): d is string => d !== undefined))].sort();
  const channels = [...new Set(store.frames.map((f) => `${f.adapter} ${f.channel}`))].sort();
  const shown = frames
    .filter(
      (frame) =>
        (!device || frame.device === device) &&
        (!channel || `${frame.adapter} ${frame.channel}` === channel) &&
        (!rejectedOnly || frame.reject),
    )
    .slice(-SHOWN)
    .reverse();
  // Frames that came after the pause (the store keeps the newest, so count from the last one shown).
  const lastShown = paused?.[paused.length - 1]?.id;
  const waiting = paused ? store.frames.length - 1 - store.frames.findIndex((frame) => frame.id === lastShown) : 0;
  const earlier = store.status?.status.recentRejects ?? [];
  return (
    <section aria-labelledby="frames-title">
      <h1 id="frames-title" class="visually-hidden">
        Frame inspector
      </h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <FilterSelect
          label="Device"
          value={device}
          options={[...new Set([...devices, ...(device ? [device] : [])])]}
          onChange={setDevice}
        />
        <FilterSelect label="Channel" value={channel} options={channels} onChange={setChannel} />
        <label>
          <input type="checkbox" checked={rejectedOnly} onChange={(event) => setRejectedOnly(event.currentTarget.checked)} />{' '}
          refused only
        </label>
        <button type="button" aria-pressed={paused !== undefined} onClick={() => setPaused(paused ? undefined : store.frames)}>
          {paused ? `Resume${waiting > 0 ? ` (${waiting} new)` : ''}` : 'Pause'}
        </button>
        {store.sampledOut > 0 && (
          <span class="muted" title="At high rates the gateway shows a sample of the frames">
            {store.sampledOut} frames not shown (sampled)
          </span>
        )}
      </form>
      {shown.length === 0 ? (
        <p class="muted">No frames yet{device || channel || rejectedOnly ? ' for this filter' : ''}.</p>
      ) : (
        <div class="frames">
          {shown.map((frame) => (
            <FrameCard key={frame.id} frame={frame} />
          ))}
        </div>
      )}
      {earlier.length > 0 && (
        <details class="card">
          <summary>Rejects before this page opened ({earlier.length}, reasons only)</summary>
          <ul class="plain rejects">
            {earlier
              .slice()
              .reverse()
              .map((reject, index) => (
                <li key={`${reject.at}-${index}`}>
                  <span class="muted">{ago(reject.at)}</span> <span class="badge bad">{reject.stage}</span> {reject.channel ?? ''}
                  : {reject.reason}
                </li>
              ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/** A filter of the inspector: "all" or one of the values seen. */
function FilterSelect(props: { label: string; value: string; options: string[]; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}{' '}
      <select value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
        <option value="">all</option>
        {props.options.map((key) => (
          <option key={key} value={key}>
            {key}
          </option>
        ))}
      </select>
    </label>
  );
}
