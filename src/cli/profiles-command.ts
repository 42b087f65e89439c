import type { Command } from 'commander';
import type { HardwareProfile } from '../config/profile-schema.js';
import { repeatable } from './arguments.js';
import type { ProfileEntry, ProfileSetOptions } from './profile-set.js';
import { formatTable } from './table.js';

/** How a profile reaches its device, in a few words: "serial 9600", "ble gatt". */
export function describeTransport(profile: HardwareProfile): string {
  const transport = profile.transport;
  switch (transport.kind) {
    case 'serial':
      return `serial ${transport.baudRate}`;
    case 'ble':
      return `ble ${transport.mode}`;
    case 'plugin':
      return transport.plugin ? `plugin ${transport.plugin}` : 'plugin';
  }
}

/** One row per profile: name, transport, framing, codec, device template, commands and where it came from. */
export function formatProfileTable(entries: Iterable<ProfileEntry>): string {
  const rows = [...entries]
    .sort((a, b) => a.profile.name.localeCompare(b.profile.name))
    .map(({ profile, file, builtIn }) => [
      profile.name,
      describeTransport(profile),
      profile.framing?.kind ?? '-',
      profile.codec.kind,
      `${profile.device.typeId}/${profile.device.deviceId}`,
      profile.commands.map((command) => command.commandId).join(',') || '-',
      builtIn ? 'built-in' : file,
    ]);
  return formatTable(['NAME', 'TRANSPORT', 'FRAMING', 'CODEC', 'DEVICE', 'COMMANDS', 'FROM'], rows);
}

/** A validated profile as YAML-ready data: delimiter bytes written back as text (or `{ hex }` when not printable). */
export function writtenForm(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value).toString('latin1');
    return /^[\t\n\r\x20-\x7e]*$/.test(text) ? text : { hex: Buffer.from(value).toString('hex') };
  }
  if (Array.isArray(value)) return value.map(writtenForm);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, writtenForm(inner)]));
  return value;
}

/** Registers `wiotp-gateway profiles [NAME]`: the profiles the gateway would see, or one in full. */
export function registerProfilesCommand(program: Command): Command {
  return program
    .command('profiles')
    .description(
      'list the hardware profiles the gateway sees (built-in, the config’s profilePaths, --profile-path), ' +
        'or print one in full as YAML, defaults filled in',
    )
    .argument('[name]', 'a profile to print in full')
    .option('--config <file>', 'a gateway config: adds its profilePaths')
    .option(
      '--profile-path <dir|file>',
      'your own profiles (repeatable)',
      repeatable((value: string) => value),
    )
    .option('--json', 'print JSON instead of a table or YAML')
    .action(async (name: string | undefined, options: ProfileSetOptions & { json?: boolean }) => {
      const { loadProfileSet, profileNamed } = await import('./profile-set.js');
      const { profiles } = loadProfileSet(options);
      if (!name) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify(
                [...profiles.values()].map((entry) => ({ ...entry, profile: writtenForm(entry.profile) })),
                null,
                2,
              )}\n`
            : `${formatProfileTable(profiles.values())}\n`,
        );
        return;
      }
      const entry = profileNamed(profiles, name);
      const data = writtenForm(entry.profile);
      if (options.json) return void process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      const { stringify } = await import('yaml');
      process.stdout.write(`# ${entry.builtIn ? 'built-in: ' : ''}${entry.file} (defaults filled in)\n${stringify(data)}`);
    });
}
