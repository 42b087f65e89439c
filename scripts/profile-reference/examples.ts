// Worked examples for docs/profiles.md. The generator parses each one with the real schema and runs the real
// deframer, decoder or command encoder on it, so the outputs printed in the reference are computed, not typed.

/** Bytes as text (escapes allowed: "\r\n") or hex, arriving at `atMs` (only the `gap` framing cares). */
export interface ExampleBytes {
  text?: string;
  hex?: string;
  atMs?: number;
}

/** A framing example: the YAML, and a byte stream cut by it. */
export interface FramingExample {
  yaml: string;
  stream: ExampleBytes[];
}

/** A codec example: the YAML, one frame, and what the adapter would add as context (a BLE address). */
export interface CodecExample {
  yaml: string;
  frame: ExampleBytes;
  address?: string;
  /** For modbus-rtu: decode as the answer to the first poll of the profile's schedule. */
  asPollResponse?: boolean;
  note?: string;
}

/** An encoder example: one declared command and a payload sent to it. */
export interface EncoderExample {
  yaml: string;
  payload: string;
  framing?: string;
  vars?: Record<string, string | number>;
}

export const FRAMING_EXAMPLES: Record<string, FramingExample> = {
  delimiter: {
    yaml: 'framing: { kind: delimiter, delimiter: "\\r\\n", maxLength: 256 }',
    stream: [{ text: 'T=21.5;H=40\r\n\r\nT=21.6;H=40\r\n' }],
  },
  fixed: { yaml: 'framing: { kind: fixed, length: 4 }', stream: [{ hex: '0102030405060708' }] },
  'length-prefixed': {
    yaml: 'framing: { kind: length-prefixed, lengthBytes: 1, lengthOffset: 1 }',
    stream: [{ hex: 'aa 02 0102 aa 01 ff' }],
  },
  slip: { yaml: 'framing: { kind: slip }', stream: [{ hex: 'c0 01 db dc 02 c0 c0 03 db dd c0' }] },
  cobs: { yaml: 'framing: { kind: cobs, maxLength: 64 }', stream: [{ hex: '03 11 22 02 33 00 01 01 00' }] },
  gap: {
    yaml: 'framing: { kind: gap, gapMs: 20 }',
    stream: [
      { hex: '0103', atMs: 0 },
      { hex: '0000', atMs: 5 },
      { hex: '0104', atMs: 100 },
    ],
  },
};

export const CODEC_EXAMPLES: Record<string, CodecExample> = {
  json: { yaml: 'codec: { kind: json }', frame: { text: '{"id":"esp-01","temperature":21.5,"led":"off"}' } },
  'key-value': { yaml: 'codec: { kind: key-value, pairSeparators: ";" }', frame: { text: 'T=21.5;H=40;ID=lab7' } },
  csv: {
    yaml: 'codec:\n  kind: csv\n  columns: [station, { name: temperature, type: number }, { name: ok, type: boolean }]',
    frame: { text: '"north, roof",21.5,true' },
  },
  struct: {
    yaml: [
      'codec:',
      '  kind: struct',
      '  endian: little',
      '  length: 7',
      '  fields:',
      '    - { name: sequence, offset: 0, type: u16 }',
      '    - { name: temperature, offset: 2, type: i16, scale: 0.01 }',
      '    - { name: humidity, offset: 4, type: u16, scale: 0.01 }',
      '    - { name: alarm, offset: 6, type: bits, bit: { start: 0, length: 1 } }',
    ].join('\n'),
    frame: { hex: '2a00 6608 a00f 01' },
  },
  nmea0183: {
    yaml: 'codec: { kind: nmea0183 }',
    frame: { text: '$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47' },
    note: 'Named fields for GGA, RMC (with the NMEA 4.10 `navStatus` when the receiver sends it), GSV, VTG (both its pre-3.01 and newer layouts) and GLL; other sentences keep their raw `fields`. The checksum is the XOR of the bytes between `$` (or `!`) and `*`.',
  },
  ruuvi: {
    yaml: 'codec: { kind: ruuvi }',
    frame: { hex: '99040512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F' },
    note: 'The frame is the manufacturer data, company id 0x0499 first.',
  },
  bthome: {
    yaml: 'codec: { kind: bthome }',
    frame: { hex: '4002C40903BF13' },
    address: 'a4:c1:38:00:00:02',
    note: 'The frame is the service data of UUID 0xFCD2; encrypted devices need a key (`adapters[].keys` in the config). An object id the decoder does not know ends the frame, as bthome.io tells a receiver: the objects before it are kept and `unparsed` names the id and its byte.',
  },
  atc: {
    yaml: 'codec: { kind: atc }',
    frame: { hex: '5601cf38c1a44008bd13470c64cc0f' },
    note: 'The frame is the service data of UUID 0x181A (pvvx or ATC1441 firmware on Xiaomi thermometers).',
  },
  gatt: { yaml: 'codec: { kind: gatt, characteristic: battery-level }', frame: { hex: '5a' } },
  'modbus-rtu': {
    yaml: [
      'codec:',
      '  kind: modbus-rtu',
      '  poll:',
      '    intervalMs: 5000',
      '    slaves:',
      '      - address: 1',
      '        reads:',
      '          - function: input',
      '            address: 1',
      '            count: 2',
      '            fields:',
      '              - { name: temperature, register: 0, type: i16, scale: 0.1 }',
      '              - { name: humidity, register: 1, type: u16, scale: 0.1 }',
    ].join('\n'),
    frame: { hex: '01040400e601ae9a5f' },
    asPollResponse: true,
    note: 'The gateway sends the poll and decodes the answer; a frame is one response (CRC checked).',
  },
};

export const ENCODER_EXAMPLES: Record<string, EncoderExample> = {
  template: {
    yaml: [
      'commands:',
      '  - commandId: set-rate',
      '    params: { interval: { type: integer, min: 100, max: 10000 } }',
      '    encode: { kind: template, text: "$PMTK220,{interval}*{checksum}" }',
    ].join('\n'),
    payload: '{"interval":1000}',
    framing: 'framing: { kind: delimiter, delimiter: "\\r\\n" }',
  },
  json: {
    yaml: [
      'commands:',
      '  - commandId: led',
      '    params: { led: { type: string, enum: ["on", "off", "blink"] } }',
      '    encode: { kind: json }',
    ].join('\n'),
    payload: '{"led":"on"}',
    framing: 'framing: { kind: delimiter, delimiter: "\\n" }',
  },
  hex: {
    yaml: [
      'commands:',
      '  - commandId: vibrate',
      '    params: { hex: { type: string } }',
      '    encode: { kind: hex }',
      '    framed: false',
    ].join('\n'),
    payload: '{"hex":"01ff"}',
  },
  'modbus-write': {
    yaml: [
      'commands:',
      '  - commandId: set-temperature-offset',
      '    params: { value: { type: number, min: -10, max: 10 } }',
      '    encode: { kind: modbus-write, register: 257, valueParam: value, scale: 0.1 }',
      '    framed: false',
    ].join('\n'),
    payload: '{"value":1.5}',
    vars: { slave: 1 },
  },
};

/** The lab engineer's first profile, shown whole at the top of the reference (validated by the generator). */
export const WHOLE_PROFILE = `# profiles/lab-sensor.yaml: a sensor printing "T=21.5;H=40;ID=lab7" lines at 115200 baud
name: lab-sensor
description: Bench sensor, key=value lines, device id from the ID field.
transport: { kind: serial, baudRate: 115200 }
framing: { kind: delimiter, delimiter: "\\r\\n", maxLength: 256 }
codec: { kind: key-value, pairSeparators: ";" }
device: { typeId: lab-sensor, deviceId: "{reading.ID}" }
events:
  - { eventId: climate, fields: [T, H] }
commands:
  - commandId: set-rate
    params: { rate: { type: integer, min: 1, max: 10 } }
    encode: { kind: template, text: "RATE={rate}" }
`;
