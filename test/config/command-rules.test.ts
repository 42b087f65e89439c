import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/load.js';
import { hardwareProfileSchema } from '../../src/config/profile-schema.js';

/** A serial JSON-lines profile with the given commands and management section. */
function profile(commands: unknown[], management?: unknown): unknown {
  return {
    name: 'test-device',
    transport: { kind: 'serial' },
    framing: { kind: 'delimiter' },
    codec: { kind: 'json' },
    device: { typeId: 't', deviceId: 'd' },
    commands,
    ...(management ? { management } : {}),
  };
}

const problems = (data: unknown) => {
  const result = validate(hardwareProfileSchema, data, 'test.yaml');
  return result.ok ? [] : result.reason.split('\n').slice(1);
};

describe('command rules are checked when a profile loads', () => {
  it.each([
    {
      name: 'a pattern that does not compile',
      commands: [{ commandId: 'c', params: { s: { type: 'string', pattern: '[a-' } }, encode: { kind: 'json' } }],
      expected: /^ {2}commands\[0\]\.params\.s\.pattern: pattern does not compile: Invalid regular expression/,
    },
    {
      name: 'maxLength on a number param',
      commands: [{ commandId: 'c', params: { n: { type: 'number', maxLength: 3 } }, encode: { kind: 'json' } }],
      expected: /^ {2}commands\[0\]\.params\.n\.maxLength: maxLength applies to string params only$/,
    },
    {
      name: 'maxBytes on a param no hex encoder reads',
      commands: [{ commandId: 'c', params: { s: { type: 'string', maxBytes: 3 } }, encode: { kind: 'json' } }],
      expected: /^ {2}commands\[0\]\.params\.s\.maxBytes: maxBytes applies only to the param of a hex encoder$/,
    },
    {
      name: 'minBytes above maxBytes',
      commands: [{ commandId: 'c', params: { hex: { type: 'string', minBytes: 4, maxBytes: 2 } }, encode: { kind: 'hex' } }],
      expected: /^ {2}commands\[0\]\.params\.hex\.minBytes: minBytes 4 is above maxBytes 2$/,
    },
    {
      name: 'a template placeholder with no declared param',
      commands: [{ commandId: 'c', params: {}, encode: { kind: 'template', text: 'SET {rate}\r' } }],
      expected: /^ {2}commands\[0\]\.encode\.text: placeholder "rate" is not declared in params \(declared: none\)$/,
    },
    {
      name: 'a hex encoder whose param is not declared',
      commands: [{ commandId: 'c', encode: { kind: 'hex', param: 'bytes' } }],
      expected: /^ {2}commands\[0\]\.encode\.param: param "bytes" is not declared in params \(declared: none\)$/,
    },
    {
      name: 'a hex encoder reading a number param',
      commands: [{ commandId: 'c', params: { hex: { type: 'number' } }, encode: { kind: 'hex' } }],
      expected: /^ {2}commands\[0\]\.params\.hex\.type: the param of a hex encoder is a string$/,
    },
  ])('refuses $name, naming the field', ({ commands, expected }) => {
    expect(problems(profile(commands))).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses a management payload field the command does not declare', () => {
    const commands = [{ commandId: 'reboot', encode: { kind: 'json' } }];
    expect(problems(profile(commands, { reboot: { commandId: 'reboot', payload: { reboot: true } } }))).toEqual([
      '  management.reboot.payload.reboot: "reboot" is not a declared param of command reboot',
    ]);
  });

  it('accepts the new limits where they apply', () => {
    const commands = [
      { commandId: 'name', params: { s: { type: 'string', maxLength: 8, pattern: '[a-z]+' } }, encode: { kind: 'json' } },
      { commandId: 'raw', params: { hex: { type: 'string', minBytes: 1, maxBytes: 4 } }, encode: { kind: 'hex' } },
      { commandId: 'rate', params: { rate: { type: 'integer' } }, encode: { kind: 'template', text: 'R{rate}*{checksum}' } },
    ];
    expect(problems(profile(commands, { reboot: { commandId: 'rate', payload: { rate: 1 } } }))).toEqual([]);
  });
});
