import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../src/http/metrics.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe("the README's list of metrics", () => {
  it('names every metric of the gateway /metrics serves, and none it does not', () => {
    const registry = createMetricsRegistry(() => {
      throw new Error('no scrape here: only the names are read');
    });
    const served = registry
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('wiotp_'))
      .sort();
    const named = [...new Set([...README.matchAll(/`(wiotp_[a-z0-9_]+)/g)].map((match) => match[1] as string))].sort();
    expect(named).toEqual(served);
  });
});
