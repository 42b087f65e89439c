import { likelyMeant } from './likely-meant.js';
import type { Findings } from './profile-checks.js';
import type { HardwareProfile } from './profile-schema.js';

/**
 * The variables each built-in adapter puts into `FrameSource.vars`, which a profile's device template
 * (`device.typeId`, `device.deviceId`, a Modbus slave's `deviceId`, `deviceInfo`) and a port's `deviceId` may
 * name as `{name}`. Declared once here: the adapters' values are typed by it, loading a profile and `validate`
 * check templates against it, docs/profiles.md is generated from it, and a test holds the adapters to it.
 */
export interface TemplateVariable {
  name: string;
  description: string;
  example: string;
  /** Only some channels have a value (a USB serial number); a frame without one is rejected. */
  sometimes?: string;
}

/** Which set of variables a channel offers; a serial port entry is `serial` or `serial-tcp` by its path. */
export type VariableSet = 'serial' | 'serial-tcp' | 'simulated' | 'ble' | 'modbus';

/** The variables of each set, in the order the docs list them. */
export const TEMPLATE_VARIABLES = {
  serial: [
    { name: 'port.path', description: 'the configured path (for a USB match: the port it found)', example: '/dev/ttyUSB0' },
    {
      name: 'port.name',
      description: 'the last part of the path; for a USB match its serialNumber, or vendorId-productId',
      example: 'ttyUSB0',
    },
    {
      name: 'port.device',
      description: 'the device the path leads to now (a /dev/serial/by-id link followed)',
      example: '/dev/ttyUSB0',
    },
    {
      name: 'port.serialNumber',
      description: "the USB adapter's serial number",
      example: 'A10K4ZQ1',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.manufacturer',
      description: "the USB adapter's manufacturer",
      example: 'FTDI',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.vendorId',
      description: 'the USB vendor id (hex)',
      example: '0403',
      sometimes: 'USB ports only, and only where udev is installed',
    },
    {
      name: 'port.productId',
      description: 'the USB product id (hex)',
      example: '6001',
      sometimes: 'USB ports only, and only where udev is installed',
    },
  ],
  'serial-tcp': [
    { name: 'port.path', description: 'the configured `tcp://host:port`', example: 'tcp://192.0.2.10:4001' },
    { name: 'port.name', description: 'host and port joined by "-"', example: '192.0.2.10-4001' },
  ],
  simulated: [
    { name: 'port.path', description: '`sim://` and the channel name', example: 'sim://ttyUSB1' },
    { name: 'port.name', description: 'the channel name', example: 'ttyUSB1' },
    { name: 'port.serialNumber', description: '`SIM-` and the channel name', example: 'SIM-ttyUSB1' },
  ],
  ble: [
    { name: 'address', description: 'the MAC address, 12 hex digits without separators', example: 'a4c138000002' },
    {
      name: 'address.colon',
      description: 'the MAC address with colons (not a valid device id: use it in deviceInfo)',
      example: 'a4:c1:38:00:00:02',
    },
    { name: 'rssi', description: 'signal strength of the frame, dBm', example: '-67' },
    {
      name: 'localName',
      description: 'the advertised name',
      example: 'ATC_000002',
      sometimes: 'only devices that advertise a name (often only in scan responses: scan: active)',
    },
  ],
  modbus: [{ name: 'slave', description: 'the Modbus slave address (added to the port variables)', example: '1' }],
} as const satisfies Record<VariableSet, readonly TemplateVariable[]>;

/** A variable's name, of one set or of any. */
export type VariableName<Set extends VariableSet = VariableSet> = (typeof TEMPLATE_VARIABLES)[Set][number]['name'];

/** The values an adapter gives the variables of these sets (one that has no value on a channel is left out). */
export type VariableValues<Set extends VariableSet> = { [Name in VariableName<Set>]?: string | number };

/** What `FrameSource.vars` holds: the declared variables, and any a plugin adapter sets of its own. */
export type TemplateVars = VariableValues<VariableSet> & { [name: string]: string | number | undefined };

/** The kinds of built-in adapter whose variables are declared here. */
export type BuiltInAdapterKind = 'serial' | 'simulated' | 'ble';

/** The variable sets a device template sees on a channel of this adapter kind, for this port path and codec. */
export function variableSetsFor(adapterKind: BuiltInAdapterKind, options: { path?: string; codec?: string }): VariableSet[] {
  const base: VariableSet =
    adapterKind === 'serial' ? (options.path?.startsWith('tcp://') ? 'serial-tcp' : 'serial') : adapterKind;
  return options.codec === 'modbus-rtu' && adapterKind !== 'ble' ? [base, 'modbus'] : [base];
}

/** The variables of the given sets, in order. */
export function variablesOf(sets: readonly VariableSet[]): TemplateVariable[] {
  return sets.flatMap((set): readonly TemplateVariable[] => TEMPLATE_VARIABLES[set]);
}

/** A template variable as a check sees it: its name, and when only some channels have a value. */
export interface OfferedVariable {
  name: string;
  sometimes?: string;
}

const ANY_PLACEHOLDER = /\{([^{}]*)\}/g;
const ID_CHARACTERS = /^[A-Za-z0-9_.-]*$/;

/** The `{…}` placeholders of a template, with their offsets. */
export function placeholdersOf(template: string): Array<{ name: string; index: number }> {
  return [...template.matchAll(ANY_PLACEHOLDER)].map((match) => ({ name: match[1] ?? '', index: match.index }));
}

/** What is wrong with a template, without where it is: errors and warnings as messages. */
interface TemplateProblems {
  errors: string[];
  warnings: string[];
}

/**
 * Checks a template against the variables its adapter offers: unknown names are errors, names only some
 * channels have are warnings; for an id (`idText`), literal text must be made of id characters.
 * `{reading.FIELD}` depends on the frame and is not checked here.
 */
function templateProblems(
  template: string,
  offered: readonly OfferedVariable[],
  adapterLabel: string,
  idText: boolean,
): TemplateProblems {
  const problems: TemplateProblems = { errors: [], warnings: [] };
  const names = offered.map((variable) => variable.name);
  let literal = template;
  for (const { name } of placeholdersOf(template)) {
    literal = literal.replace(`{${name}}`, '');
    if (name.startsWith('reading.')) {
      if (name.length === 'reading.'.length) problems.errors.push('{reading.} names no reading field');
      continue;
    }
    const variable = offered.find((candidate) => candidate.name === name);
    if (!variable) {
      const meant = likelyMeant(name, names);
      problems.errors.push(
        `{${name}} is not a variable the ${adapterLabel} offers; it offers ${names.map((n) => `{${n}}`).join(', ')} and {reading.FIELD}${meant ? ` (did you mean {${meant}}?)` : ''}`,
      );
    } else if (variable.sometimes)
      problems.warnings.push(`{${name}} has a value on ${variable.sometimes}; frames from other channels are rejected`);
  }
  if (idText && !ID_CHARACTERS.test(literal)) {
    const bad = /[^A-Za-z0-9_.-]/.exec(literal)?.[0] ?? '';
    problems.errors.push(`"${template}" has ${JSON.stringify(bad)} outside its placeholders; ids allow only A-Z a-z 0-9 - _ .`);
  }
  return problems;
}

/**
 * Checks a device template (`device.deviceId`, or a port's `deviceId` override) against the variables its
 * adapter offers: unknown names are errors, names only some channels have are warnings, and literal text
 * must be made of id characters. `{reading.FIELD}` depends on the frame and is not checked here.
 */
export function checkDeviceTemplate(
  template: string,
  path: string,
  offered: readonly OfferedVariable[],
  adapterLabel: string,
): Findings {
  const { errors, warnings } = templateProblems(template, offered, adapterLabel, true);
  return {
    errors: errors.map((message) => ({ path, message })),
    warnings: warnings.map((message) => ({ path, message })),
  };
}

/** A problem of a profile's templates, at its path inside the profile. */
export interface ProfileTemplateProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * The templates of a serial or BLE profile that name a variable no adapter of its transport ever offers (or
 * an id no fill could make valid): errors when the profile loads, whichever port or radio uses it. Plugin
 * transports are the plugin's business. `validate` then checks each use against its own adapter and port.
 */
export function checkProfileTemplates(profile: HardwareProfile): ProfileTemplateProblem[] {
  const transport = profile.transport.kind;
  if (transport === 'plugin') return [];
  const offered = variablesOf(variableSetsFor(transport, { codec: profile.codec.kind }));
  const label = `${transport} adapter`;
  const problems: ProfileTemplateProblem[] = [];
  const check = (template: string, path: Array<string | number>, idText = true) => {
    for (const message of templateProblems(template, offered, label, idText).errors) problems.push({ path, message });
  };
  check(profile.device.typeId, ['device', 'typeId']);
  check(profile.device.deviceId, ['device', 'deviceId']);
  if (profile.codec.kind === 'modbus-rtu')
    for (const [index, slave] of (profile.codec.poll?.slaves ?? []).entries())
      if (slave.deviceId !== undefined) check(slave.deviceId, ['codec', 'poll', 'slaves', index, 'deviceId']);
  for (const [key, value] of Object.entries(profile.deviceInfo)) check(value, ['deviceInfo', key], false);
  return problems;
}
