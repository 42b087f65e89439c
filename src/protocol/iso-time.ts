// Date.prototype.toISOString asks ICU for the local time zone on every call (V8's date cache), although an
// ISO time is UTC: the first call maps ~0.9 MiB of ICU's zone data into RSS and each call costs a zone lookup.
// The gateway stamps every read, so it formats UTC times itself, with the same output.

const MS_PER_DAY = 86_400_000;
// 0000-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z: the four-digit years; toISOString formats the rest.
const FIRST_FOUR_DIGIT_MS = -62_167_219_200_000;
const AFTER_FOUR_DIGIT_MS = 253_402_300_800_000;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
const four = (n: number): string => (n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : `${n}`);

/** `new Date(ms).toISOString()` without touching the local time zone (same text, same RangeError for NaN). */
export function isoTime(ms: number): string {
  const at = Math.trunc(ms);
  if (!(at >= FIRST_FOUR_DIGIT_MS && at < AFTER_FOUR_DIGIT_MS)) return new Date(ms).toISOString();
  const days = Math.floor(at / MS_PER_DAY);
  let rest = at - days * MS_PER_DAY;
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil inverse), proleptic Gregorian.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${four(year)}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(millis)}Z`;
}
