/** Modbus function and exception codes, their names from the spec, and the spec's size limits. */

/** Read function codes: coils, discrete inputs, holding registers, input registers (MODBUS V1.1b3 §6.1-6.4). */
export type ModbusReadFunction = 0x01 | 0x02 | 0x03 | 0x04;
/** Every function code this master sends: the four reads plus 0x05, 0x06 and 0x10 writes. */
export type ModbusFunctionCode = ModbusReadFunction | 0x05 | 0x06 | 0x10;

/** A slave's exception code and its name from MODBUS V1.1b3 §7. */
export interface ModbusException {
  code: number;
  name: string;
}

/** Function names as MODBUS V1.1b3 §6 spells them, lower case for use inside sentences. */
export const MODBUS_FUNCTION_NAMES: Readonly<Record<ModbusFunctionCode, string>> = {
  1: 'read coils',
  2: 'read discrete inputs',
  3: 'read holding registers',
  4: 'read input registers',
  5: 'write single coil',
  6: 'write single register',
  16: 'write multiple registers', // 0x10
};

/** Exception names from MODBUS V1.1b3 §7 (code 7 is not defined there). */
export const MODBUS_EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'ILLEGAL FUNCTION',
  2: 'ILLEGAL DATA ADDRESS',
  3: 'ILLEGAL DATA VALUE',
  4: 'SERVER DEVICE FAILURE',
  5: 'ACKNOWLEDGE',
  6: 'SERVER DEVICE BUSY',
  8: 'MEMORY PARITY ERROR',
  10: 'GATEWAY PATH UNAVAILABLE', // 0x0A
  11: 'GATEWAY TARGET DEVICE FAILED TO RESPOND', // 0x0B
};

/** Length of every exception response: slave, function | 0x80, exception code, CRC (2). */
export const MODBUS_EXCEPTION_RESPONSE_LENGTH = 5;

/** Most items one read may ask for: 2000 bits for 0x01/0x02, 125 registers for 0x03/0x04 (§6.1-6.4). */
export const MODBUS_MAX_READ_COUNT: Readonly<Record<ModbusReadFunction, number>> = {
  1: 2000,
  2: 2000,
  3: 125,
  4: 125,
};

/** Most registers one 0x10 request may write (§6.12). */
export const MODBUS_MAX_WRITE_REGISTERS = 123;

/** True for a function code this master speaks. */
export function isModbusFunctionCode(code: number): code is ModbusFunctionCode {
  return Object.hasOwn(MODBUS_FUNCTION_NAMES, code);
}

/** The standard name of an exception code, or "UNKNOWN EXCEPTION 0x07" for codes §7 does not define. */
export function modbusExceptionName(code: number): string {
  return MODBUS_EXCEPTION_NAMES[code] ?? `UNKNOWN EXCEPTION ${hex8(code)}`;
}

/** "read holding registers (0x03)": a function code as reasons name it. */
export function describeModbusFunction(code: number): string {
  return isModbusFunctionCode(code) ? `${MODBUS_FUNCTION_NAMES[code]} (${hex8(code)})` : `function ${hex8(code)}`;
}

/** The exception code and name as carried in an exception response. */
export function exceptionOf(code: number): ModbusException {
  return { code, name: modbusExceptionName(code) };
}

/** "0x03": a byte as reasons print it. */
export function hex8(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** "0x006B": a 16-bit word as reasons print it. */
export function hex16(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The big-endian 16-bit word at `at` (Modbus sends registers high byte first, §4.2). */
export function readWord(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}
