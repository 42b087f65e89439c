import { type DeviceRef, validateDeviceRef } from '../protocol/ids.js';
import { fail, ok, type Result } from '../result.js';
import { secretsEqual } from '../security/secrets.js';

/** A gateway the platform accepts: its identity and token. */
export interface GatewayCredentials extends DeviceRef {
  token: string;
}

/** An application the platform accepts: API key (the MQTT username, the REST API's basic-auth user) and token. */
export interface ApplicationCredentials {
  apiKey: string;
  token: string;
}

/**
 * The gateway with this identity and token, if there is one. Every entry is compared, without stopping at the
 * first match, so neither the token nor the list of known gateways shows in the time taken.
 */
export function authenticateGateway(
  gateways: readonly GatewayCredentials[],
  gateway: DeviceRef,
  token: string | Buffer,
): GatewayCredentials | undefined {
  let found: GatewayCredentials | undefined;
  for (const entry of gateways) {
    const idMatches = secretsEqual(idOf(entry), idOf(gateway));
    const tokenMatches = secretsEqual(entry.token, token);
    if (idMatches && tokenMatches) found = entry;
  }
  return found;
}

/** The application with this API key and token, if there is one (MQTT and the REST API both ask here). */
export function authenticateApplication(
  applications: readonly ApplicationCredentials[],
  apiKey: string | undefined,
  token: string | Buffer,
): ApplicationCredentials | undefined {
  let found: ApplicationCredentials | undefined;
  for (const entry of applications) {
    const keyMatches = secretsEqual(entry.apiKey, apiKey ?? '');
    const tokenMatches = secretsEqual(entry.token, token);
    if (keyMatches && tokenMatches) found = entry;
  }
  return found;
}

/** `TYPE:ID:TOKEN` → gateway credentials; the token may contain ":". A reason never repeats the token. */
export function parseGatewayCredential(text: string): Result<GatewayCredentials> {
  const [typeId = '', deviceId = '', ...rest] = text.split(':');
  const token = rest.join(':');
  const ref = validateDeviceRef({ typeId, deviceId });
  if (!ref.ok) return fail(`${typeId}:${deviceId}:…: ${ref.reason}`);
  if (!token) return fail(`${typeId}:${deviceId}: expected TYPE:ID:TOKEN, the token is missing`);
  return ok({ typeId, deviceId, token });
}

/** `APIKEY:TOKEN` → application credentials; the token may contain ":". A reason never repeats the token. */
export function parseApplicationCredential(text: string): Result<ApplicationCredentials> {
  const index = text.indexOf(':');
  if (index <= 0) return fail('expected APIKEY:TOKEN, the API key is missing');
  if (index === text.length - 1) return fail(`${text.slice(0, index)}: expected APIKEY:TOKEN, the token is missing`);
  return ok({ apiKey: text.slice(0, index), token: text.slice(index + 1) });
}

/** One entry of a credentials list and where it was (1-based line of a file, or position in a comma list). */
export interface CredentialEntry {
  text: string;
  position: number;
}

/**
 * The entries of a credentials list: one per line in a file (`lines`), or comma- or newline-separated in an
 * environment variable (`commas`, numbered in order). Blank entries and, in a file, `#` comment lines are skipped;
 * spaces around an entry are not kept.
 */
export function splitCredentialList(text: string, separator: 'lines' | 'commas'): CredentialEntry[] {
  if (separator === 'lines') {
    return text.split('\n').flatMap((line, index) => {
      const entry = line.trim();
      return entry === '' || entry.startsWith('#') ? [] : [{ text: entry, position: index + 1 }];
    });
  }
  const entries = text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry, index) => ({ text: entry, position: index + 1 }));
}

function idOf(device: DeviceRef): string {
  // ":" cannot occur in a type or device id, so the pair maps to one string only.
  return `${device.typeId}:${device.deviceId}`;
}
