import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';
import { defineCodec } from '../codec-definition.js';
import type { Decoder, Reading } from '../decoder.js';

/** Fixed-width numbers a frame can hold. */
export type NumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';

/** Bytes each number type occupies. */
export const numberTypeSizes: Readonly<Record<NumberType, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  f64: 8,
};

// Scratch space for floats: the bytes are copied in so reading allocates nothing.
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Reads a `type` number at `offset` with the given byte order. The one place bytes become numbers
 * (struct fields, Modbus registers, BLE payloads). Throws RangeError past the end: check lengths first.
 */
export function readNumber(bytes: Uint8Array, offset: number, type: NumberType, littleEndian: boolean): number {
  const size = numberTypeSizes[type];
  if (!Number.isInteger(offset) || offset < 0 || offset + size > bytes.length) {
    throw new RangeError(`${type} at offset ${offset} needs ${offset + size} bytes; have ${bytes.length}`);
  }
  if (type === 'f32' || type === 'f64') {
    for (let k = 0; k < size; k++) scratch.setUint8(k, bytes[offset + k] ?? 0);
    return type === 'f32' ? scratch.getFloat32(0, littleEndian) : scratch.getFloat64(0, littleEndian);
  }
  const value = readUnsigned(bytes, offset, size, littleEndian);
  if (type[0] === 'u') return value;
  const half = 2 ** (8 * size - 1);
  return value >= half ? value - 2 * half : value;
}

/** Unsigned integer of 1-4 bytes; arithmetic rather than shifts keeps 32-bit values positive. */
function readUnsigned(bytes: Uint8Array, offset: number, size: number, littleEndian: boolean): number {
  let value = 0;
  for (let k = 0; k < size; k++) value = value * 256 + (bytes[offset + (littleEndian ? size - 1 - k : k)] ?? 0);
  return value;
}

const endian = z.enum(['big', 'little']);

const fieldSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .refine((name) => name !== '__proto__', { message: "'__proto__' cannot name a field" }),
    /** Byte offset of the field's first byte. */
    offset: z.number().int().nonnegative(),
    /** `bits` reads `bit.length` bits from the fewest bytes at `offset` that hold them all. */
    type: z.enum(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'f64', 'bits']),
    /** Byte order; defaults to the struct's `endian`. */
    endian: endian.optional(),
    /** Multiplier applied to the raw value. */
    scale: z.number().optional(),
    /** Added after scaling. */
    add: z.number().optional(),
    /** For `bits`: the first bit (0 = least significant) and how many bits. */
    bit: z
      .object({ start: z.number().int().min(0).max(31), length: z.number().int().min(1).max(32) })
      .strict()
      .refine((bit) => bit.start + bit.length <= 32, { message: 'bits must lie within 32 bits' })
      .optional(),
  })
  .strict()
  .refine((field) => (field.type === 'bits') === (field.bit !== undefined), {
    message: "'bit' is required for type 'bits' and only allowed there",
    path: ['bit'],
  });

/** Options of the `struct` codec: named fields at fixed offsets of a binary frame. */
export const binaryStructOptionsSchema = z
  .object({
    fields: z.array(fieldSchema).min(1),
    /** Default byte order of the fields. */
    endian: endian.default('big'),
    /** Exact frame length, when the device always sends the same size. */
    length: z.number().int().positive().optional(),
    /** Shortest acceptable frame (trailing bytes past the last field are allowed). */
    minLength: z.number().int().nonnegative().optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    const seen = new Set<string>();
    options.fields.forEach((field, index) => {
      if (seen.has(field.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', index, 'name'],
          message: `'${field.name}' is used twice`,
        });
      }
      seen.add(field.name);
      const end = field.offset + fieldSize(field);
      if (options.length !== undefined && end > options.length) {
        const message = `field ends at byte ${end}, past the frame length ${options.length}`;
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'offset'], message });
      }
    });
    if (options.length !== undefined && options.minLength !== undefined && options.minLength > options.length) {
      ctx.addIssue({ code: 'custom', path: ['minLength'], message: 'minLength is greater than length' });
    }
  });

/** Validated `struct` codec options. */
export type BinaryStructOptions = z.infer<typeof binaryStructOptionsSchema>;
/** `struct` codec options as written in a profile (defaults not yet applied). */
export type BinaryStructOptionsInput = z.input<typeof binaryStructOptionsSchema>;
/** One declared field of a struct. */
export type StructField = BinaryStructOptions['fields'][number];

function fieldSize(field: Pick<StructField, 'type' | 'bit'>): number {
  if (field.type !== 'bits') return numberTypeSizes[field.type];
  return Math.ceil(((field.bit?.start ?? 0) + (field.bit?.length ?? 1)) / 8);
}

interface CompiledField {
  name: string;
  type: NumberType | 'bits';
  offset: number;
  size: number;
  littleEndian: boolean;
  bitDivisor: number;
  bitModulus: number;
  /** Set when scale is exactly 1/divisor: 4860 / 200 is 24.3; 4860 * 0.005 may be off in the last bit. */
  divisor: number | undefined;
  scale: number | undefined;
  add: number;
}

/** A `bits` field: the unsigned bytes at its offset, shifted right by `start`, masked to `length` bits. */
function readBits(bytes: Uint8Array, field: CompiledField): number {
  const container = readUnsigned(bytes, field.offset, field.size, field.littleEndian);
  return Math.floor(container / field.bitDivisor) % field.bitModulus;
}

/**
 * A decoder for fixed-layout binary frames. Each field is read, scaled, then offset:
 * `raw * scale + add`. A float that is NaN or infinite becomes `null` (JSON has neither).
 */
export function createBinaryStructDecoder(options: BinaryStructOptionsInput): Decoder {
  const parsed = binaryStructOptionsSchema.parse(options);
  const fields: CompiledField[] = parsed.fields.map((field) => {
    const inverse = field.scale === undefined ? 0 : Math.round(1 / field.scale);
    return {
      name: field.name,
      type: field.type,
      offset: field.offset,
      size: fieldSize(field),
      littleEndian: (field.endian ?? parsed.endian) === 'little',
      bitDivisor: 2 ** (field.bit?.start ?? 0),
      bitModulus: 2 ** (field.bit?.length ?? 32),
      divisor: inverse !== 0 && 1 / inverse === field.scale ? inverse : undefined,
      scale: field.scale,
      add: field.add ?? 0,
    };
  });
  // The field reaching furthest into the frame decides the shortest frame that can be decoded.
  const furthest = fields.reduce((a, b) => (b.offset + b.size > a.offset + a.size ? b : a));
  const needed = furthest.offset + furthest.size;
  const { length, minLength } = parsed;
  return {
    kind: 'struct',
    decode(bytes: Uint8Array): Result<Reading> {
      const n = bytes.length;
      if (length !== undefined && n !== length) {
        return fail(`frame is ${n} bytes; expected exactly ${length}`);
      }
      if (minLength !== undefined && n < minLength) {
        return fail(`frame is ${n} bytes; expected at least ${minLength}`);
      }
      if (n < needed) {
        const where = `${furthest.type} at offset ${furthest.offset}`;
        return fail(`frame is ${n} bytes; field '${furthest.name}' (${where}) needs ${needed}`);
      }
      const reading: Reading = {};
      for (const field of fields) {
        let value =
          field.type === 'bits' ? readBits(bytes, field) : readNumber(bytes, field.offset, field.type, field.littleEndian);
        if (field.divisor !== undefined) value /= field.divisor;
        else if (field.scale !== undefined) value *= field.scale;
        value += field.add;
        reading[field.name] = Number.isFinite(value) ? value : null;
      }
      return ok(reading);
    },
  };
}

/** The `struct` codec: fields at fixed byte offsets. */
export const structCodec = defineCodec({ kind: 'struct', options: binaryStructOptionsSchema, create: createBinaryStructDecoder });
