import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/codecs/codec-spec.js';
import { createDeframer, createFrameEncoder } from '../../src/codecs/framing/framing-spec.js';
import { planPolls } from '../../src/codecs/modbus/modbus-poll.js';
import { gatewayConfigSchema } from '../../src/config/gateway-config.js';
import {
  applyEnvOverrides,
  builtInProfilesDir,
  loadGatewayConfig,
  loadProfile,
  parseDataText,
  validate,
} from '../../src/config/load.js';
import { type HardwareProfile, hardwareProfileSchema } from '../../src/config/profile-schema.js';
import type { Result } from '../../src/result.js';
import { expectResult, fuzzParameters } from '../support/fuzz.js';

/** The built-in profiles as shipped, by file name. */
const PROFILE_TEXTS = readdirSync(builtInProfilesDir())
  .sort()
  .map((name) => readFileSync(join(builtInProfilesDir(), name), 'utf8'));

/** A gateway config using every adapter kind and most sections, as the README shows them. */
const CONFIG_TEXT = `
org: abc123
gateway: { typeId: rpi-gateway, deviceId: greenhouse-1 }
auth: { tokenFile: /etc/wiotp/token }
connection:
  transport: tls
  caFile: /etc/wiotp/messaging.pem
  reconnect: { initialMs: 500, maxMs: 30000 }
publish: { qos: 1 }
admission: { maxPending: 10, maxActive: 500 }
adapters:
  - kind: serial
    ports:
      - { path: /dev/ttyUSB0, profile: nmea-gps }
      - { path: "tcp://192.0.2.10:4001", profile: json-sensor, baudRate: 19200 }
  - kind: simulated
    devices:
      - { emulator: json-sensor, profile: json-sensor, intervalMs: 500, options: { id: esp-01 } }
  - kind: ble
    profiles: [ruuvitag, bthome-sensor]
    keys: { "a4:c1:38:00:00:03": 231d39c1d7cc1ab1aee224cd096db932 }
  - kind: plugin
    module: ./my-adapter.js
    options: { port: 4001, names: [a, b] }
profilePaths: [./profiles]
log: { level: info }
managed:
  enabled: true
  lifetime: 7200
  deviceInfo: { manufacturer: Acme, model: G1 }
  metadata: { site: greenhouse, rows: [1, 2, 3] }
`;

/** Pieces of YAML syntax: random sequences of them reach the parser's corners (anchors, tags, directives). */
const YAML_PIECES = [
  'name',
  'kind',
  ':',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ', ',
  '"',
  "'",
  '&x ',
  '*x',
  '&y ',
  '*y',
  '!!set ',
  '!!binary ',
  '!!timestamp ',
  '!!map ',
  '!tag ',
  '|\n',
  '>-\n',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '# note',
  '\n',
  '  ',
  '\t',
  '? ',
  '<<: ',
  '1',
  '-1.5',
  '.inf',
  '.nan',
  'null',
  '~',
  'true',
  '0x1F',
  '2001-12-14',
  '123456789012345678901234567890',
  '\\',
  'é',
  '\u0000',
  '\uFEFF',
  '@',
];
const yamlSoup = fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 60 }).map((pieces) => pieces.join(''));

/** One edit of a text: a line deleted, duplicated, moved or re-indented, a piece of syntax inserted, a cut. */
const textEdit = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('move-line' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...YAML_PIECES), yamlSoup) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }), text: yamlSoup }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);

type TextEdit = typeof textEdit extends fc.Arbitrary<infer T> ? T : never;

function editText(text: string, edit: TextEdit): string {
  const lines = text.split('\n');
  const line = (at: number) => at % lines.length;
  const offset = (at: number) => at % (text.length + 1);
  switch (edit.kind) {
    case 'delete-line':
      lines.splice(line(edit.at), 1);
      return lines.join('\n');
    case 'duplicate-line': {
      const i = line(edit.at);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 'move-line': {
      const [moved = ''] = lines.splice(line(edit.at), 1);
      lines.splice(edit.to % (lines.length + 1), 0, moved);
      return lines.join('\n');
    }
    case 'indent': {
      const i = line(edit.at);
      const current = lines[i] ?? '';
      lines[i] = edit.by >= 0 ? `${' '.repeat(edit.by)}${current}` : current.replace(new RegExp(`^ {0,${-edit.by}}`), '');
      return lines.join('\n');
    }
    case 'insert': {
      const i = offset(edit.at);
      return `${text.slice(0, i)}${edit.text}${text.slice(i)}`;
    }
    case 'replace': {
      const i = offset(edit.at);
      return `${text.slice(0, i)}${edit.text}${text.slice(i + edit.length)}`;
    }
    case 'cut':
      return text.slice(0, offset(edit.at));
  }
}

/** A valid text broken by 1-4 edits. */
function mutatedText(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.array(textEdit, { minLength: 1, maxLength: 4 })).map(([text, edits]) => edits.reduce(editText, text));
}

/**
 * Everything the gateway builds from a profile when it starts: deframer, frame encoder, decoders (the
 * profile's and each GATT characteristic's), the Modbus poll plan. None of it may throw for a valid profile.
 */
function buildProfile(profile: HardwareProfile): void {
  if (profile.framing) {
    createDeframer(profile.framing);
    createFrameEncoder(profile.framing);
  }
  createDecoder(profile.codec);
  if (profile.codec.kind === 'modbus-rtu' && profile.codec.poll) planPolls(profile.codec.poll);
  if (profile.transport.kind === 'ble') {
    for (const characteristic of profile.transport.gatt?.characteristics ?? []) {
      if (characteristic.codec) createDecoder(characteristic.codec);
    }
  }
}

/** A loaded result is a reason, or plain data that serialises (no recursive alias survives loading). */
function expectLoaded<T>(result: Result<T>): void {
  expectResult(result);
  if (result.ok) expect(() => JSON.stringify(result.value)).not.toThrow();
}

/** Parses and validates a profile text as `loadProfile` does, then builds it when valid. */
function checkProfileText(text: string): void {
  const data = parseDataText(text, 'fuzz.yaml');
  expectLoaded(data);
  if (!data.ok) return;
  const profile = validate(hardwareProfileSchema, data.value, 'fuzz.yaml');
  expectLoaded(profile);
  if (profile.ok) buildProfile(profile.value);
}

/** Parses and validates a gateway config text as `loadGatewayConfig` does (with an env override). */
function checkConfigText(text: string): void {
  const data = parseDataText(text, 'gateway.yaml');
  expectLoaded(data);
  if (!data.ok) return;
  expectLoaded(validate(gatewayConfigSchema, applyEnvOverrides(data.value, { WIOTP_PORT: '8883' }), 'gateway.yaml'));
}

describe('config and profile loading, fuzzed', () => {
  it('loads every built-in profile and the sample config (the seeds of the mutations below)', () => {
    for (const text of PROFILE_TEXTS) {
      const data = parseDataText(text, 'profile.yaml');
      const profile = data.ok ? validate(hardwareProfileSchema, data.value, 'profile.yaml') : data;
      if (!profile.ok) throw new Error(profile.reason);
      buildProfile(profile.value);
    }
    const config = parseDataText(CONFIG_TEXT, 'gateway.yaml');
    expect(config.ok && validate(gatewayConfigSchema, config.value, 'gateway.yaml').ok).toBe(true);
  });

  it('parses any text, YAML-like or not, into a reason or plain data, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(yamlSoup, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        checkProfileText(text);
        checkConfigText(text);
      }),
      fuzzParameters(),
    );
  });

  it('refuses or builds every mutated built-in profile: a reason naming the place, never a throw', () => {
    fc.assert(fc.property(mutatedText(fc.constantFrom(...PROFILE_TEXTS)), checkProfileText), fuzzParameters());
  });

  it('refuses or accepts every mutated gateway config: a reason naming the place, never a throw', () => {
    fc.assert(fc.property(mutatedText(fc.constant(CONFIG_TEXT)), checkConfigText), fuzzParameters());
  });

  /** A profile or config as data, with one value somewhere replaced, removed or joined by an unknown key. */
  function mutatedTree(texts: string[]): fc.Arbitrary<unknown> {
    const trees = texts.map((text) => {
      const data = parseDataText(text, 'seed.yaml');
      if (!data.ok) throw new Error(data.reason);
      return data.value;
    });
    const edit = fc.record({
      path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      action: fc.constantFrom('replace' as const, 'delete' as const, 'add-key' as const),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom('', -1, 0, Number.POSITIVE_INFINITY, 65536, '__proto__', 'constructor'),
      ),
    });
    return fc.tuple(fc.constantFrom(...trees), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([tree, edits]) => {
      const copy = structuredClone(tree);
      for (const e of edits) editTree(copy, e.path, e.action, e.value);
      return copy;
    });
  }

  it('validates every mutated profile tree: a reason naming the path, or a profile that builds', () => {
    fc.assert(
      fc.property(mutatedTree(PROFILE_TEXTS), (data) => {
        const profile = validate(hardwareProfileSchema, data, 'fuzz.yaml');
        expectLoaded(profile);
        if (profile.ok) buildProfile(profile.value);
        else expect(profile.reason).toMatch(/^fuzz\.yaml is not valid:\n {2}\S/);
      }),
      fuzzParameters(),
    );
  });

  it('validates every mutated config tree and any JSON value: a reason naming the path, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedTree([CONFIG_TEXT]), fc.jsonValue({ maxDepth: 4 })), (data) => {
        const config = validate(gatewayConfigSchema, applyEnvOverrides(data, { WIOTP_HOST: 'h', WIOTP_PORT: 'x' }), 'g.yaml');
        expectLoaded(config);
        expectLoaded(validate(hardwareProfileSchema, data, 'p.yaml'));
      }),
      fuzzParameters(),
    );
  });
});

/** Follows `path` (indexes into keys or items, modulo their count) and edits what it reaches. */
function editTree(root: unknown, path: number[], action: 'replace' | 'delete' | 'add-key', value: unknown): void {
  let node = root;
  for (let depth = 0; depth < path.length; depth++) {
    if (typeof node !== 'object' || node === null) return;
    const container = node as Record<string, unknown>;
    const keys = Object.keys(container);
    if (keys.length === 0) return;
    const key = keys[(path[depth] ?? 0) % keys.length] ?? '';
    const last = depth === path.length - 1 || typeof container[key] !== 'object' || container[key] === null;
    if (!last) {
      node = container[key];
      continue;
    }
    if (action === 'replace') container[key] = value;
    else if (action === 'add-key') container[`unknown-${typeof value}`] = value;
    else if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[key];
    return;
  }
}

describe('config and profile files, fuzzed on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadProfile and loadGatewayConfig give a result for every mutated file, never a throw', () => {
    fc.assert(
      fc.property(mutatedText(fc.constantFrom(...PROFILE_TEXTS)), mutatedText(fc.constant(CONFIG_TEXT)), (profile, config) => {
        writeFileSync(join(dir, 'profile.yaml'), profile);
        writeFileSync(join(dir, 'gateway.yaml'), config);
        expectLoaded(loadProfile(join(dir, 'profile.yaml')));
        expectLoaded(loadGatewayConfig(join(dir, 'gateway.yaml'), {}));
      }),
      fuzzParameters(0.25),
    );
  });
});
