import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandRuleSchema } from '../../src/config/profile-schema.js';
import { checkForm, type FormValues, formValue, inputFor } from '../../src/console/command-form.js';
import { parseCommandParams } from '../../src/pipeline/command-encoding.js';

const rule = (params: Record<string, unknown>, encode: Record<string, unknown> = { kind: 'json' }) =>
  commandRuleSchema.parse({ commandId: 'c', params, encode });

const RULES = [
  rule({ led: { type: 'string', enum: ['on', 'off', 'blink'] } }),
  rule({ intervalMs: { type: 'integer', min: 100, max: 3_600_000 } }),
  rule({ offset: { type: 'number', min: -5, max: 5, required: false } }),
  rule({ reboot: { type: 'boolean' } }),
  rule({ flag: { type: 'boolean', required: false } }),
  rule({ name: { type: 'string', maxLength: 8, pattern: '[a-z]+' } }),
  rule({ note: { type: 'string', required: false } }),
  rule({ hex: { type: 'string', minBytes: 2, maxBytes: 4 } }, { kind: 'hex' }),
];

/** What the gateway says of the params the form made: the form must have said the same, or found nothing. */
function agree(index: number, values: FormValues): void {
  const command = RULES[index]!;
  const form = checkForm(command, values);
  const server = parseCommandParams(command, new TextEncoder().encode(JSON.stringify(form.params)));
  const errors = Object.entries(form.errors);
  if (errors.length === 0) {
    expect(server).toEqual({ ok: true, value: form.params });
  } else {
    // The gateway, sent the value the form refused, refuses it with the same sentence.
    const [name, problem] = errors[0]!;
    const given = formValue(command.params[name]!, values[name]);
    const refused = parseCommandParams(
      command,
      new TextEncoder().encode(JSON.stringify(given === undefined ? {} : { [name]: given })),
    );
    expect(refused).toEqual({ ok: false, reason: `command c: param "${name}" ${problem}` });
  }
}

describe('the console command form (checked by the gateway’s own rules)', () => {
  it.each([
    { name: 'an enum value', index: 0, values: { led: 'on' }, errors: {} },
    {
      name: 'an integer below its minimum',
      index: 1,
      values: { intervalMs: '5' },
      errors: { intervalMs: 'is 5; expected 100…3600000' },
    },
    {
      name: 'a fraction for an integer',
      index: 1,
      values: { intervalMs: '150.5' },
      errors: { intervalMs: 'is 150.5; expected integer' },
    },
    { name: 'text for a number', index: 2, values: { offset: 'abc' }, errors: { offset: 'is "abc"; expected number' } },
    {
      name: 'an infinity for a number (JSON has none)',
      index: 2,
      values: { offset: '-Infinity' },
      errors: { offset: 'is "-Infinity"; expected number' },
    },
    {
      name: 'a number beyond a double',
      index: 1,
      values: { intervalMs: '1e999' },
      errors: { intervalMs: 'is "1e999"; expected integer' },
    },
    { name: 'an optional number left out', index: 2, values: { offset: '' }, errors: {} },
    { name: 'an unchecked required boolean (false)', index: 3, values: {}, errors: {} },
    {
      name: 'a string over its length',
      index: 5,
      values: { name: 'abcdefghij' },
      errors: { name: 'is 10 characters long; expected at most 8' },
    },
    {
      name: 'a string off its pattern',
      index: 5,
      values: { name: 'ABC' },
      errors: { name: 'is "ABC"; expected a value matching /[a-z]+/' },
    },
    { name: 'a required string missing', index: 5, values: {}, errors: { name: 'is missing' } },
    {
      name: 'hex that is not hex',
      index: 7,
      values: { hex: '0g' },
      errors: { hex: 'must be pairs of hex digits, e.g. "0a ff"' },
    },
    { name: 'too few hex bytes', index: 7, values: { hex: '0a' }, errors: { hex: 'has 1 bytes; expected 2…4' } },
  ])('$name', ({ index, values, errors }) => {
    expect(checkForm(RULES[index]!, values as FormValues).errors).toEqual(errors);
    agree(index, values as FormValues);
  });

  it('never lets through a value the gateway would refuse (property)', () => {
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.boolean(), fc.integer().map(String), fc.double().map(String));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: RULES.length - 1 }), value, (index, given) => {
        const name = Object.keys(RULES[index]!.params)[0]!;
        agree(index, { [name]: given });
      }),
      { numRuns: 500 },
    );
  });

  it('asks for each param with the fitting input', () => {
    expect(inputFor(RULES[0]!, 'led', RULES[0]!.params.led!)).toEqual({ kind: 'select', options: ['on', 'off', 'blink'] });
    expect(inputFor(RULES[1]!, 'intervalMs', RULES[1]!.params.intervalMs!)).toEqual({
      kind: 'number',
      step: '1',
      min: 100,
      max: 3_600_000,
    });
    expect(inputFor(RULES[3]!, 'reboot', RULES[3]!.params.reboot!)).toEqual({ kind: 'checkbox' });
    expect(inputFor(RULES[4]!, 'flag', RULES[4]!.params.flag!)).toEqual({ kind: 'select', options: ['', 'true', 'false'] });
    expect(inputFor(RULES[7]!, 'hex', RULES[7]!.params.hex!)).toMatchObject({
      kind: 'text',
      hint: expect.stringContaining('2…4 bytes'),
    });
  });
});
