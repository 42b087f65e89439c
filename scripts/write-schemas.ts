// Regenerates schemas/*.schema.json from the zod schemas (npm run schemas).
import { writeFileSync } from 'node:fs';
import { jsonSchemas } from '../src/config/json-schema.js';

for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
}
