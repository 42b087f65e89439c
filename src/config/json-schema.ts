import { z } from 'zod';
import { gatewayConfigSchema } from './gateway-config.js';
import { hardwareProfileSchema } from './profile-schema.js';

/** The config and profile schemas as JSON Schema, for editors (the input side: what people write). */
export function jsonSchemas(): Record<'gateway-config' | 'hardware-profile', unknown> {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  return {
    'gateway-config': z.toJSONSchema(gatewayConfigSchema, options),
    'hardware-profile': z.toJSONSchema(hardwareProfileSchema, options),
  };
}
