import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../src/config/json-schema.js';

describe('JSON Schemas for editors', () => {
  it.each(Object.entries(jsonSchemas()))('schemas/%s.schema.json is up to date (npm run schemas)', (name, schema) => {
    const committed = JSON.parse(readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(schema)));
  });

  it('describes the profile codec kinds and forbids unknown keys', () => {
    const profile = jsonSchemas()['hardware-profile'] as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(profile.additionalProperties).toBe(false);
    expect(JSON.stringify(profile.properties.codec)).toContain('"nmea0183"');
  });
});
