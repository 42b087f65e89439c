import { likelyMeant } from './likely-meant.js';
import type { SchemaProblem } from './load.js';
import type { CommandRule, HardwareProfile } from './profile-schema.js';
import { placeholdersOf } from './template-variables.js';

/** What a check found: errors make the config unusable, warnings are worth a look. */
export interface Findings {
  errors: SchemaProblem[];
  warnings: SchemaProblem[];
}

const PLACEHOLDER_NAME = /^[A-Za-z0-9_]+$/;

/** ` (did you mean {x}?)` for a placeholder typo, else ''. */
function didYouMean(name: string, known: readonly string[]): string {
  const meant = likelyMeant(name, known);
  return meant ? ` (did you mean {${meant}}?)` : '';
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
