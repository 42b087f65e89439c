import { describe, expect, it } from 'vitest';
import { checkCommands } from '../../src/config/profile-checks.js';
import { type HardwareProfileInput, hardwareProfileSchema } from '../../src/config/profile-schema.js';

function profileWith(extra: Partial<HardwareProfileInput>) {
  return hardwareProfileSchema.parse({
    name: 'p',
    transport: { kind: 'serial' },
    codec: { kind: 'json' },
    device: { typeId: 't', deviceId: 'd' },
    ...extra,
  });
}

describe('command checks', () => {
  it('finds the slave address param of a modbus-write outside a Modbus profile', () => {
    const findings = checkCommands(
      profileWith({
        commands: [{ commandId: 'offset', params: { value: { type: 'number' } }, encode: { kind: 'modbus-write', register: 1 } }],
      }),
    );
    expect(findings.errors).toEqual([
      {
        path: 'commands[0].encode.slaveParam',
        message:
          'modbus-write reads the slave address from param "slave", which is not a declared param of offset; declared: value',
      },
    ]);
  });

  it('warns about braces that are no placeholder and go out as written, and about unused params', () => {
    const findings = checkCommands(
      profileWith({
        commands: [
          {
            commandId: 'rate',
            params: { rateHz: { type: 'integer' }, unit: { type: 'string' } },
            encode: { kind: 'template', text: 'RATE={rate-hz} {rateHz}' },
          },
        ],
      }),
    );
    expect(findings).toEqual({
      errors: [],
      warnings: [
        {
          path: 'commands[0].encode.text',
          message: '{rate-hz} is sent as written: a placeholder is a param name (letters, digits, _) (did you mean {rateHz}?)',
        },
        { path: 'commands[0].params.unit', message: 'declared but the template never uses {unit}' },
      ],
    });
  });

  it('leaves undeclared placeholders to the schema, which names the likely param', () => {
    const parsed = hardwareProfileSchema.safeParse({
      name: 'p',
      transport: { kind: 'serial' },
      codec: { kind: 'json' },
      device: { typeId: 't', deviceId: 'd' },
      commands: [
        { commandId: 'set-rate', params: { rate: { type: 'integer' } }, encode: { kind: 'template', text: 'RATE={rat}' } },
      ],
    });
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['commands.0.encode.text', 'placeholder "rat" is not declared in params (declared: rate; did you mean "rate"?)'],
    ]);
  });

  it('takes the slave address from the channel on a Modbus profile', () => {
    const modbus = profileWith({
      codec: { kind: 'modbus-rtu' },
      commands: [{ commandId: 'offset', params: { value: { type: 'number' } }, encode: { kind: 'modbus-write', register: 1 } }],
    });
    expect(checkCommands(modbus)).toEqual({ errors: [], warnings: [] });
  });

  it('names management actions whose command is not declared, with the likely one', () => {
    const findings = checkCommands(
      profileWith({
        commands: [{ commandId: 'reboot', encode: { kind: 'json' } }],
        management: { reboot: { commandId: 'rebot' }, customActions: { 'a/b': { commandId: 'blink' } } },
      }),
    );
    expect(findings.errors).toEqual([
      {
        path: 'management.reboot.commandId',
        message: '"rebot" is not a declared command; declared: reboot (did you mean "reboot"?)',
      },
      { path: 'management.customActions.a/b.commandId', message: '"blink" is not a declared command; declared: reboot' },
    ]);
  });

  it('accepts {checksum} and warns about a command declared twice', () => {
    const findings = checkCommands(
      profileWith({
        commands: [
          { commandId: 'rate', params: { n: { type: 'integer' } }, encode: { kind: 'template', text: '$X,{n}*{checksum}' } },
          { commandId: 'rate', encode: { kind: 'json' } },
        ],
      }),
    );
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toEqual([
      { path: 'commands[1].commandId', message: '"rate" is declared twice; only the first declaration is used' },
    ]);
  });
});
