import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderProfileReference } from '../../scripts/profile-reference/render.js';
import { PROFILE_FIELD_DOCS } from '../../src/config/profile-docs.js';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';
import { applyDescriptions, describedBy, type JsonSchemaNode, schemaFields } from '../../src/config/schema-fields.js';

const bareSchema = () => z.toJSONSchema(hardwareProfileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;

describe('the profile reference (docs/profiles.md)', () => {
  it('is up to date (npm run schemas)', () => {
    const committed = readFileSync(new URL('../../docs/profiles.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderProfileReference());
  });

  it('describes every field of the profile schema', () => {
    expect(applyDescriptions(bareSchema(), PROFILE_FIELD_DOCS)).toEqual([]);
  });

  it('describes no field that the schema does not have', () => {
    const paths = schemaFields(bareSchema()).map((field) => field.path);
    const stale = Object.keys(PROFILE_FIELD_DOCS).filter(
      (key) => !paths.some((path) => describedBy({ [key]: 'x' }, path) !== undefined),
    );
    expect(stale).toEqual([]);
  });

  it('lists {port.name} among the device template variables of the schema itself', () => {
    const device = bareSchema().properties?.device?.properties;
    expect(device?.deviceId?.description).toContain('{port.name}');
  });
});
