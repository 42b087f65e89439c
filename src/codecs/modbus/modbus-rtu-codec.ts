import { z } from 'zod';
import { fail, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { DecodeContext, Decoder, Reading } from '../decoder.js';
import { decodePollResponse, modbusPollOptionsSchema } from './modbus-poll.js';
import { parseResponse } from './modbus-rtu.js';
import { describeModbusFrame } from './modbus-rtu-decoder.js';

/** Modbus frames decode against the poll that asked for them (`context.poll`), or standalone. */
const modbusPollDecoder: Decoder = {
  kind: 'modbus-rtu',
  decode(bytes: Uint8Array, context?: DecodeContext): Result<Reading> {
    const poll = context?.poll;
    if (!poll) return describeModbusFrame(bytes);
    const response = parseResponse(bytes, poll.request);
    if (!response.ok) return fail(`slave ${poll.slave}: ${response.reason}`);
    return decodePollResponse(poll, response.value);
  },
};

/** The `modbus-rtu` codec: the gateway polls slaves as the Modbus master (`poll`) and decodes their answers. */
export const modbusRtuCodec = defineCodec({
  kind: 'modbus-rtu',
  options: z.object({ poll: modbusPollOptionsSchema.optional() }).strict(),
  create: () => modbusPollDecoder,
});
