// Regenerates docs/profiles.md from the profile schema and its worked examples (run by npm run schemas).
import { writeFileSync } from 'node:fs';
import { renderProfileReference } from './profile-reference/render.js';

writeFileSync(new URL('../docs/profiles.md', import.meta.url), renderProfileReference());
