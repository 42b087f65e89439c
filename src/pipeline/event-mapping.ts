import type { JsonValue, Reading } from '../codecs/decoder.js';
import type { EventRule } from '../config/profile-schema.js';

/** One event to publish for a reading. */
export interface MappedEvent {
  eventId: string;
  format: string;
  payload: Reading;
}

/** True when every `when` field of the rule matches the reading (a list means any of its values). */
export function ruleMatches(rule: EventRule, reading: Reading): boolean {
  for (const [field, expected] of Object.entries(rule.when)) {
    const actual = reading[field];
    if (Array.isArray(expected) ? !expected.some((value) => value === actual) : expected !== actual) return false;
  }
  return true;
}

/** The events a reading produces under a profile's rules, in rule order. */
export function mapReading(rules: readonly EventRule[], reading: Reading): MappedEvent[] {
  const events: MappedEvent[] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, reading)) continue;
    let payload = reading;
    if (rule.fields) {
      payload = {};
      for (const field of rule.fields) {
        const value: JsonValue | undefined = reading[field];
        if (value !== undefined) payload[field] = value;
      }
    }
    events.push({ eventId: rule.eventId, format: rule.format, payload });
  }
  return events;
}
