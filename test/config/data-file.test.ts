import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DATA_FILE_BYTES, parseDataText, readDataFile } from '../../src/config/data-file.js';

describe('parseDataText', () => {
  const cases: { name: string; input: string; expected: { ok: true; value: unknown } | { ok: false; reason: string } }[] = [
    { name: 'reads YAML', input: 'a: [1, two]\n', expected: { ok: true, value: { a: [1, 'two'] } } },
    { name: 'reads JSON', input: '{"a": {"b": null}}', expected: { ok: true, value: { a: { b: null } } } },
    { name: 'reads an empty file as null', input: '', expected: { ok: true, value: null } },
    {
      name: 'keeps aliases that only share a value',
      input: 'a: &x [1]\nb: *x\n',
      expected: { ok: true, value: { a: [1], b: [1] } },
    },
    {
      name: 'accepts lists nested 64 deep',
      input: `${'['.repeat(64)}${']'.repeat(64)}`,
      expected: { ok: true, value: JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`) },
    },
    {
      name: 'refuses lists nested 65 deep, naming where',
      input: `a:\n  b: ${'['.repeat(64)}${']'.repeat(64)}`,
      expected: { ok: false, reason: 'x.yaml: nested deeper than 64 levels at line 2, column 68' },
    },
    {
      name: 'refuses a syntax error with its line, quoting no source text (the line may hold a token)',
      input: 'auth: { token: s3cret\n',
      expected: {
        ok: false,
        reason:
          'x.yaml: not valid YAML/JSON: Flow map in block collection must be sufficiently indented and end with a } at line 2, column 1',
      },
    },
    {
      name: 'refuses an unresolved tag instead of printing a warning with the line',
      input: 'auth: { token: !secret s3cret }\n',
      expected: { ok: false, reason: 'x.yaml: not valid YAML/JSON: Unresolved tag: !secret at line 1, column 16' },
    },
    {
      name: 'refuses a second document',
      input: 'a: 1\n---\nb: 2\n',
      expected: { ok: false, reason: 'x.yaml: a second YAML document starts at line 2, column 1; expected one' },
    },
    {
      name: 'refuses a repeated key',
      input: 'a: 1\na: 2\n',
      expected: { ok: false, reason: 'x.yaml: not valid YAML/JSON: Map keys must be unique at line 2, column 1' },
    },
    // Found by fuzzing the loaded data: JSON.stringify of a recursive alias throws wherever it is sent.
    {
      name: "refuses a recursive alias ('metadata: &m { self: *m }')",
      input: 'managed:\n  metadata: &m { self: *m }\n',
      expected: {
        ok: false,
        reason: 'x.yaml: managed.metadata.self refers to a map or list that contains it (a recursive YAML alias)',
      },
    },
    {
      name: "refuses a !!set ('rows: !!set { a, b }')",
      input: 'rows: !!set { a, b }\n',
      expected: {
        ok: false,
        reason: 'x.yaml: rows is a Set (from a YAML tag); expected plain data: strings, numbers, booleans, null, lists and maps',
      },
    },
    {
      name: 'refuses !!binary inside a list',
      input: 'a: [1, !!binary aGVsbG8=]\n',
      expected: {
        ok: false,
        reason:
          'x.yaml: a[1] is a Buffer (from a YAML tag); expected plain data: strings, numbers, booleans, null, lists and maps',
      },
    },
    {
      name: 'refuses a billion-laughs alias bomb',
      input:
        'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
      expected: {
        ok: false,
        reason: 'x.yaml: not valid YAML/JSON: Excessive alias count indicates a resource exhaustion attack',
      },
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(parseDataText(input, 'x.yaml')).toEqual(expected);
  });

  // Found by fuzzing: a document nested 100,000 deep made yaml overflow the stack; the first time that
  // was a clean error, but the next deep document in the same process (loadProfiles reads a folder)
  // aborted Node with "FATAL ERROR: RegExpCompiler Allocation failed - process out of memory".
  it('refuses documents nested 100,000 deep, one after another, without going near the stack limit', () => {
    const deep = ['['.repeat(100_000), `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, `a:\n${'- '.repeat(5_000)}x\n`];
    for (const text of [...deep, ...deep]) {
      expect(parseDataText(text, 'deep.yaml')).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^deep\.yaml: nested deeper than 64 levels at line \d+, column \d+$/),
      });
    }
  });

  it('refuses data that aliases nest past 64 levels, shortening the path', () => {
    const level = (name: string, inner: string) => `${name}: &${name} ${'['.repeat(10)}${inner}${']'.repeat(10)}\n`;
    const text = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].reduce(
      (yaml, name, i, names) => yaml + level(name, i === 0 ? '1' : `*${names[i - 1]}`),
      '',
    );
    expect(parseDataText(text, 'x.yaml')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^x\.yaml: g[[\]0]{29}…[[\]0]{20} is nested deeper than 64 levels \(through aliases\)$/),
    });
  });
});

describe('readDataFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-data-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file up to the size limit', () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, `a: "${'x'.repeat(MAX_DATA_FILE_BYTES - 8)}"\n`);
    expect(readDataFile(file)).toMatchObject({ ok: true, value: { a: expect.any(String) } });
  });

  it('refuses a file over the size limit, and an endless one, without reading it all', () => {
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, `a: "${'x'.repeat(MAX_DATA_FILE_BYTES)}"\n`);
    expect(readDataFile(file)).toEqual({
      ok: false,
      reason: `${file}: larger than 1048576 bytes; expected a config or profile file`,
    });
    expect(readDataFile('/dev/zero')).toEqual({
      ok: false,
      reason: '/dev/zero: larger than 1048576 bytes; expected a config or profile file',
    });
  });

  it('names a missing file and a folder', () => {
    expect(readDataFile(join(dir, 'none.yaml'))).toEqual({ ok: false, reason: `${join(dir, 'none.yaml')}: cannot read: ENOENT` });
    expect(readDataFile(dir)).toEqual({ ok: false, reason: `${dir}: cannot read: EISDIR` });
  });
});
