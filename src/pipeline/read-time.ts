import { isoTime } from '../protocol/iso-time.js';

const lastStamp = { at: Number.NaN, iso: '' };

/**
 * Adds the time a frame was read to a JSON object's text as `"field":"2026-12-02T04:06:12.345Z"`, by
 * appending to the device's own text instead of serialising it again (the hot path). Anything that is not
 * an object's text is returned unchanged.
 */
export function stampReadTime(json: string, field: string, at: number): string {
  // Every frame of one read shares its read time: format it once per read, not once per event.
  if (at !== lastStamp.at) {
    lastStamp.at = at;
    lastStamp.iso = isoTime(at);
  }
  let end = json.length - 1;
  // Devices end lines with CR or spaces; the object's closing brace is the last thing that counts.
  while (end > 0 && json.charCodeAt(end) <= 0x20) end--;
  if (json.charCodeAt(end) !== 0x7d /* } */) return json;
  let last = end - 1;
  while (last > 0 && json.charCodeAt(last) <= 0x20) last--;
  const empty = json.charCodeAt(last) === 0x7b; /* { */
  return `${json.slice(0, end)}${empty ? '' : ','}"${field}":"${lastStamp.iso}"}`;
}
