/** "3 s ago", "5 min ago", "2.1 h ago". */
export function ago(ms: number | string | undefined, now = Date.now()): string {
  if (ms === undefined) return '–';
  const seconds = Math.max(0, Math.round((now - (typeof ms === 'string' ? Date.parse(ms) : ms)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

/** A duration in seconds as "42 s", "12 min", "3.5 h", "2.0 d". */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** The time of day with milliseconds, as log lines show it. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** A value of a reading, short (at most `length` characters). */
export function short(value: unknown, length = 40): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
