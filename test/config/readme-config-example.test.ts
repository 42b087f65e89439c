import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataText } from '../../src/config/data-file.js';
import { gatewayConfigSchema } from '../../src/config/gateway-config.js';
import { validate } from '../../src/config/load.js';

const ROOT = join(import.meta.dirname, '../..');

/** The YAML block under a README heading. */
function yamlUnder(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`no yaml block under ${heading}`);
  return block;
}

// People copy the README's config and change what is theirs: it must be a config the gateway takes as it stands.
describe("the README's configuration examples", () => {
  it.each(['## Configuration', '## Lab bring-up'])(
    'under "%s": valid YAML (no key twice) that passes the config schema',
    (heading) => {
      const parsed = parseDataText(yamlUnder(heading), 'README.md');
      expect(parsed).toMatchObject({ ok: true });
      if (!parsed.ok) return;
      expect(validate(gatewayConfigSchema, parsed.value, 'README.md')).toMatchObject({ ok: true });
    },
  );
});
