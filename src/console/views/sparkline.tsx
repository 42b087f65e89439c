import { HISTORY_MS, type Point } from '../live-store.js';

const WIDTH = 120;
const HEIGHT = 28;

/** A field's values over the last few minutes as a line (newest at the right), hand-drawn in SVG. */
export function Sparkline({ points, now, label }: { points: Point[]; now: number; label: string }) {
  const values = points.map(([, value]) => value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const range = high - low || 1;
  // From the first value (at least a minute back, at most HISTORY_MS) to now: a new page fills the width.
  const span = Math.min(HISTORY_MS, Math.max(60_000, now - (points[0]?.[0] ?? now)));
  const x = (at: number) => WIDTH - ((now - at) / span) * WIDTH;
  const y = (value: number) => HEIGHT - 2 - ((value - low) / range) * (HEIGHT - 4);
  const line = points.map(([at, value]) => `${x(at).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={`${label}: ${points.length} values in the last ${HISTORY_MS / 60_000} minutes, from ${low} to ${high}`}
      data-points={points.length}
    >
      <polyline points={line} fill="none" stroke="currentColor" stroke-width="1.5" />
      {last && <circle cx={x(last[0])} cy={y(last[1])} r="2" fill="currentColor" />}
    </svg>
  );
}
