import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CODEC_KINDS } from '../codecs/codec-registry.js';
import type { CodecSpec } from '../codecs/codec-spec.js';
import { repeatable, UsageError } from './arguments.js';
import type { DecodeTargetOptions } from './decode-target.js';

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

/** The options of `decode`. */
interface DecodeOptions extends DecodeTargetOptions {
  codec?: string;
  options?: string;
  file?: string;
  text?: boolean;
  key?: string;
  characteristic?: string;
}

/** Registers `wiotp-gateway decode`: decode frames by hand during hardware bring-up. */
export function registerDecodeCommand(program: Command): Command {
  const list = repeatable((value: string) => value);
  return program
    .command('decode')
    .description(
      'decode frames and print one JSON object per frame; with a profile, also the device and the events each frame ' +
        'would become; exits 1 if any frame would be rejected',
    )
    .argument('[frames...]', 'frames as hex (or text with --text)')
    .option('--codec <kind>', `codec: ${CODEC_KINDS.join(', ')}`)
    .option('--options <json>', 'codec options as JSON, e.g. \'{"columns":["t","h"]}\'')
    .option('--profile <name>', 'decode with a hardware profile: its codec, framing (with --file), device and events')
    .option('--profile-path <dir|file>', 'your own profiles, besides the built-in ones (repeatable)', list)
    .option('--config <file>', "a gateway config: its profilePaths, and with --port that port's profile and deviceId")
    .option('--port <path>', 'the serial port the frames come from ({port.path}, {port.name}); with --config, one of its ports')
    .option('--var <name=value>', 'set a device template variable, e.g. port.serialNumber=A10K4ZQ1 (repeatable)', list)
    .option(
      '--file <path>',
      'read a raw byte capture and cut it into frames with the profile framing (or one frame per line with --text)',
    )
    .option('--text', 'frames are text, not hex')
    .option('--mac <address>', 'BLE address: {address} for device ids, and the nonce for BTHome encryption')
    .option('--key <hex>', 'BTHome encryption key (32 hex digits)')
    .option('--characteristic <uuid|name>', 'for --codec gatt: 2a37, 2a19, 2a6e, 2a6f, 2a6d or their names')
    .action(async (frames: string[], options: DecodeOptions) => {
      const { createDecoder } = await import('../codecs/codec-spec.js');
      const { createDeframer } = await import('../codecs/framing/framing-spec.js');
      const { frameOutcome } = await import('../pipeline/frame-outcome.js');
      const { resolveDecodeTarget } = await import('./decode-target.js');
      const target = resolveDecodeTarget(options);
      if (target?.note) process.stderr.write(`note: ${target.note}\n`);
      const spec = target ? target.profile.codec : await codecFromOptions(options);
      const framing = target?.profile.framing ? createDeframer(target.profile.framing) : undefined;
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
            else print({ ok: false, stage: 'framing', reason: result.reason });
          }
        } else inputs.push(raw);
      }
      if (inputs.length === 0) throw new UsageError('no frames given (pass hex arguments or --file)');
      // As the BLE adapter passes them: the sender's address, and a BTHome key for a profile's encrypted frames.
      const context = options.mac ? { address: options.mac, ...(target && options.key ? { key: options.key } : {}) } : undefined;
      let bad = 0;
      for (const input of inputs) {
        const frame = Buffer.from(input).toString('hex');
        const result = decoder.decode(input, context);
        if (!result.ok) {
          bad++;
          print(
            target ? { ok: false, stage: 'decode', reason: result.reason, frame } : { ok: false, reason: result.reason, frame },
          );
          continue;
        }
        if (!target) {
          print(result.value);
          continue;
        }
        // A Modbus frame names its slave; the adapter would have set {slave} from the poll.
        const slave = result.value.slave;
        const vars = typeof slave === 'number' && target.vars.slave === undefined ? { ...target.vars, slave } : target.vars;
        const outcome = frameOutcome(target.profile, { ...target, vars }, result.value);
        if (outcome.ok) print({ reading: result.value, device: outcome.value.device, events: outcome.value.events });
        else {
          bad++;
          print({ ok: false, stage: 'device', reason: outcome.reason, reading: result.value, frame });
        }
      }
      if (bad > 0) process.exitCode = 1;
    });
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The codec of a bare `--codec NAME --options JSON` (with --key, --characteristic folded in). */
async function codecFromOptions(options: DecodeOptions): Promise<CodecSpec> {
  const { codecSpecSchema } = await import('../codecs/codec-spec.js');
  const { validate } = await import('../config/load.js');
  if (!options.codec) throw new UsageError('give --codec NAME, --profile NAME or --config FILE');
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
  return checked.value;
}
