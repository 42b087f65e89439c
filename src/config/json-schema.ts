import { z } from 'zod';
import { gatewayConfigSchema } from './gateway-config.js';
import { PROFILE_FIELD_DOCS } from './profile-docs.js';
import { hardwareProfileSchema } from './profile-schema.js';
import { applyDescriptions, type JsonSchemaNode } from './schema-fields.js';

/** The config and profile schemas as JSON Schema, for editors (the input side: what people write). */
export function jsonSchemas(): Record<'gateway-config' | 'hardware-profile', unknown> {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  const profile = z.toJSONSchema(hardwareProfileSchema, options) as JsonSchemaNode;
  // Editors show these on hover; the same text goes into docs/profiles.md.
  applyDescriptions(profile, PROFILE_FIELD_DOCS);
  return {
    'gateway-config': z.toJSONSchema(gatewayConfigSchema, options),
    'hardware-profile': profile,
  };
}
