import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CODEC_KINDS } from '../codecs/codec-kinds.js';
import type { CodecSpec } from '../codecs/codec-spec.js';
import type { Deframer } from '../codecs/framing/deframer.js';
import { UsageError } from './arguments.js';

/** Other names people use for the codecs on the command line. */
export const CODEC_ALIASES: Record<string, string> = {
  nmea: 'nmea0183',
  modbus: 'modbus-rtu',
  'json-lines': 'json',
  jsonl: 'json',
  ndjson: 'json',
  kv: 'key-value',
  xiaomi: 'atc',
  pvvx: 'atc',
  atc1441: 'atc',
  ruuvitag: 'ruuvi',
};

/** Turns a command-line frame into bytes: hex (spaces, colons and 0x allowed) or, with --text, the text itself. */
export function parseFrameArgument(value: string, text: boolean): Uint8Array {
  if (text) return Buffer.from(value.replace(/\\r/g, '\r').replace(/\\n/g, '\n'), 'latin1');
  const hex = value.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) {
    const bad = /[^0-9a-fA-F]/.exec(hex);
    throw new UsageError(
      `"${value}" is not hex${bad ? `: "${bad[0]}" at position ${bad.index}` : ': odd number of digits'} (use --text for text frames)`,
    );
  }
  return Buffer.from(hex, 'hex');
}

/** Registers `wiotp-gateway decode`: decode frames by hand during hardware bring-up. */
export function registerDecodeCommand(program: Command): Command {
  return program
    .command('decode')
    .description('decode frames and print one JSON object per frame; exits non-zero if any frame is bad')
    .argument('[frames...]', 'frames as hex (or text with --text)')
    .option('--codec <kind>', `codec: ${CODEC_KINDS.join(', ')}`)
    .option('--options <json>', 'codec options as JSON, e.g. \'{"columns":["t","h"]}\'')
    .option('--profile <name>', 'take the codec (and, with --file, the framing) from a hardware profile')
    .option(
      '--file <path>',
      'read a raw byte capture and cut it into frames with the profile framing (or one frame per line with --text)',
    )
    .option('--text', 'frames are text, not hex')
    .option('--mac <address>', 'BLE address, for BTHome encryption')
    .option('--key <hex>', 'BTHome encryption key (32 hex digits)')
    .option('--characteristic <uuid|name>', 'for --codec gatt: 2a37, 2a19, 2a6e, 2a6f, 2a6d or their names')
    .action(
      async (
        frames: string[],
        options: {
          codec?: string;
          options?: string;
          profile?: string;
          file?: string;
          text?: boolean;
          mac?: string;
          key?: string;
          characteristic?: string;
        },
      ) => {
        const { codecSpecSchema, createDecoder } = await import('../codecs/codec-spec.js');
        const { createDeframer } = await import('../codecs/framing/framing-spec.js');
        const { loadProfiles, validate } = await import('../config/load.js');
        let spec: CodecSpec;
        let framing: Deframer | undefined;
        if (options.profile) {
          const profiles = loadProfiles();
          if (!profiles.ok) throw new UsageError(profiles.reason);
          const profile = profiles.value.get(options.profile);
          if (!profile)
            throw new UsageError(
              `--profile: no profile named "${options.profile}"; known: ${[...profiles.value.keys()].join(', ')}`,
            );
          spec = profile.codec;
          if (profile.framing) framing = createDeframer(profile.framing);
        } else {
          if (!options.codec) throw new UsageError('give --codec NAME or --profile NAME');
          let extra: unknown = {};
          try {
            extra = options.options ? JSON.parse(options.options) : {};
          } catch (error) {
            throw new UsageError(`--options is not JSON: ${(error as Error).message}`);
          }
          const kind = CODEC_ALIASES[options.codec] ?? options.codec;
          if (options.key && kind === 'bthome') extra = { ...(extra as object), key: options.key };
          if (options.characteristic && kind === 'gatt') extra = { ...(extra as object), characteristic: options.characteristic };
          const checked = validate(codecSpecSchema, { ...(extra as object), kind }, '--codec/--options');
          if (!checked.ok) throw new UsageError(checked.reason);
          spec = checked.value;
        }
        const decoder = createDecoder(spec);
        const inputs: Uint8Array[] = frames.map((frame) => parseFrameArgument(frame, Boolean(options.text)));
        if (options.file) {
          const raw = readFileSync(options.file);
          if (options.text)
            inputs.push(
              ...raw
                .toString('latin1')
                .split(/\r?\n/)
                .filter(Boolean)
                .map((l) => Buffer.from(l, 'latin1')),
            );
          else if (framing) {
            for (const result of [...framing.push(raw, 0), ...framing.flush()]) {
              if (result.ok) inputs.push(result.value);
              else process.stdout.write(`${JSON.stringify({ ok: false, reason: result.reason })}\n`);
            }
          } else inputs.push(raw);
        }
        if (inputs.length === 0) throw new UsageError('no frames given (pass hex arguments or --file)');
        let bad = 0;
        for (const input of inputs) {
          const result = decoder.decode(input, options.mac ? { address: options.mac } : undefined);
          if (result.ok) process.stdout.write(`${JSON.stringify(result.value)}\n`);
          else {
            bad++;
            process.stdout.write(
              `${JSON.stringify({ ok: false, reason: result.reason, frame: Buffer.from(input).toString('hex') })}\n`,
            );
          }
        }
        if (bad > 0) process.exitCode = 1;
      },
    );
}
