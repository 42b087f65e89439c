import { likelyMeant } from './likely-meant.js';
import type { SchemaProblem } from './load.js';
import type { CommandRule, HardwareProfile } from './profile-schema.js';

/** What a check found: errors make the config unusable, warnings are worth a look. */
export interface Findings {
  errors: SchemaProblem[];
  warnings: SchemaProblem[];
}

/** A template variable as a check sees it: its name, and when only some channels have a value. */
export interface OfferedVariable {
  name: string;
  sometimes?: string;
}

const ANY_PLACEHOLDER = /\{([^{}]*)\}/g;
const ID_CHARACTERS = /^[A-Za-z0-9_.-]*$/;
const PLACEHOLDER_NAME = /^[A-Za-z0-9_]+$/;

/** ` (did you mean {x}?)` for a placeholder typo, else ''. */
function didYouMean(name: string, known: readonly string[]): string {
  const meant = likelyMeant(name, known);
  return meant ? ` (did you mean {${meant}}?)` : '';
}

/** The `{…}` placeholders of a template, with their offsets. */
export function placeholdersOf(template: string): Array<{ name: string; index: number }> {
  return [...template.matchAll(ANY_PLACEHOLDER)].map((match) => ({ name: match[1] ?? '', index: match.index }));
}

/**
 * Checks every declared command beyond what the schema does: commands declared twice, the commands `management`
 * names, and the encoder details in `checkEncoder`.
 */
export function checkCommands(profile: HardwareProfile): Findings {
  const findings: Findings = { errors: [], warnings: [] };
  const seen = new Set<string>();
  profile.commands.forEach((rule, index) => {
    const at = `commands[${index}]`;
    if (seen.has(rule.commandId))
      findings.warnings.push({
        path: `${at}.commandId`,
        message: `"${rule.commandId}" is declared twice; only the first declaration is used`,
      });
    seen.add(rule.commandId);
    checkEncoder(profile, rule, at, findings);
  });
  const declared = profile.commands.map((rule) => rule.commandId);
  for (const [path, commandId] of managementCommands(profile)) {
    if (!declared.includes(commandId))
      findings.errors.push({
        path,
        message: `"${commandId}" is not a declared command; declared: ${declared.join(', ') || 'none'}${hint(likelyMeant(commandId, declared))}`,
      });
  }
  return findings;
}

function hint(meant: string | undefined): string {
  return meant ? ` (did you mean "${meant}"?)` : '';
}

/**
 * What the schema leaves to a closer look (it refuses undeclared placeholders and encoder params itself): braces
 * that are not a placeholder and go out as written, declared params a template never uses, and the slave address
 * of a modbus-write outside a Modbus profile.
 */
function checkEncoder(profile: HardwareProfile, rule: CommandRule, at: string, findings: Findings): void {
  const params = Object.keys(rule.params);
  const encode = rule.encode;
  if (encode.kind === 'template') {
    const used = new Set<string>();
    for (const { name } of placeholdersOf(encode.text)) {
      used.add(name);
      if (!PLACEHOLDER_NAME.test(name))
        findings.warnings.push({
          path: `${at}.encode.text`,
          message: `{${name}} is sent as written: a placeholder is a param name (letters, digits, _)${didYouMean(name, params)}`,
        });
    }
    for (const name of params) {
      if (!used.has(name))
        findings.warnings.push({ path: `${at}.params.${name}`, message: `declared but the template never uses {${name}}` });
    }
  }
  // On a Modbus profile the slave comes from the channel the device was read from; elsewhere from the payload.
  if (encode.kind === 'modbus-write' && profile.codec.kind !== 'modbus-rtu' && !params.includes(encode.slaveParam))
    findings.errors.push({
      path: `${at}.encode.slaveParam`,
      message: `modbus-write reads the slave address from param "${encode.slaveParam}", which is not a declared param of ${rule.commandId}; declared: ${params.join(', ') || 'none'}`,
    });
}

function managementCommands(profile: HardwareProfile): Array<[string, string]> {
  const management = profile.management;
  if (!management) return [];
  const entries: Array<[string, string | undefined]> = [
    ['management.reboot.commandId', management.reboot?.commandId],
    ['management.factoryReset.commandId', management.factoryReset?.commandId],
    ['management.firmware.download.commandId', management.firmware?.download?.commandId],
    ['management.firmware.update.commandId', management.firmware?.update?.commandId],
    ...Object.entries(management.customActions).map(([action, command]): [string, string] => [
      `management.customActions.${action}.commandId`,
      command.commandId,
    ]),
  ];
  return entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
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
  const findings: Findings = { errors: [], warnings: [] };
  const names = offered.map((variable) => variable.name);
  let literal = template;
  for (const { name } of placeholdersOf(template)) {
    literal = literal.replace(`{${name}}`, '');
    if (name.startsWith('reading.')) {
      if (name.length === 'reading.'.length) findings.errors.push({ path, message: '{reading.} names no reading field' });
      continue;
    }
    const variable = offered.find((candidate) => candidate.name === name);
    if (!variable)
      findings.errors.push({
        path,
        message: `{${name}} is not a variable the ${adapterLabel} offers; it offers ${names.map((n) => `{${n}}`).join(', ')} and {reading.FIELD}${didYouMean(name, names)}`,
      });
    else if (variable.sometimes)
      findings.warnings.push({
        path,
        message: `{${name}} has a value on ${variable.sometimes}; frames from other channels are rejected`,
      });
  }
  if (!ID_CHARACTERS.test(literal)) {
    const bad = /[^A-Za-z0-9_.-]/.exec(literal)?.[0] ?? '';
    findings.errors.push({
      path,
      message: `"${template}" has ${JSON.stringify(bad)} outside its placeholders; ids allow only A-Z a-z 0-9 - _ .`,
    });
  }
  return findings;
}
