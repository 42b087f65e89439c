import { fail, ok, type Result } from '../result.js';
import { type DeviceRef, validateId, validateOrgId } from './ids.js';

/** The three kinds of MQTT client the platform knows, by the client id's first letter. */
export type ClientIdentity =
  | { kind: 'gateway'; orgId: string; typeId: string; deviceId: string }
  | { kind: 'device'; orgId: string; typeId: string; deviceId: string }
  | { kind: 'application'; orgId: string; appId: string };

/** `g:{orgId}:{typeId}:{deviceId}`: the client id a gateway must use (seed: MQTT client identifier). */
export function gatewayClientId(orgId: string, gateway: DeviceRef): string {
  return `g:${orgId}:${gateway.typeId}:${gateway.deviceId}`;
}

/** `d:{orgId}:{typeId}:{deviceId}`: a directly connected device. */
export function deviceClientId(orgId: string, device: DeviceRef): string {
  return `d:${orgId}:${device.typeId}:${device.deviceId}`;
}

/** `a:{orgId}:{appId}`: an application. */
export function applicationClientId(orgId: string, appId: string): string {
  return `a:${orgId}:${appId}`;
}

/** Parses and validates a client id of any kind; the reason names the part that is wrong. */
export function parseClientId(clientId: string): Result<ClientIdentity> {
  const parts = clientId.split(':');
  const [prefix, orgId] = parts;
  if (prefix === undefined || orgId === undefined) {
    return fail(`client id "${clientId}" has no ":"-separated parts; expected g:org:type:id, d:org:type:id or a:org:app`);
  }
  const org = validateOrgId(orgId);
  if (!org.ok) return fail(`client id "${clientId}": ${org.reason}`);
  if (prefix === 'g' || prefix === 'd') {
    if (parts.length !== 4) {
      return fail(`client id "${clientId}" has ${parts.length} parts; expected ${prefix}:orgId:typeId:deviceId`);
    }
    const typeId = parts[2] ?? '';
    const deviceId = parts[3] ?? '';
    const type = validateId('typeId', typeId);
    if (!type.ok) return fail(`client id "${clientId}": ${type.reason}`);
    const id = validateId('deviceId', deviceId);
    if (!id.ok) return fail(`client id "${clientId}": ${id.reason}`);
    return ok({ kind: prefix === 'g' ? 'gateway' : 'device', orgId, typeId, deviceId });
  }
  if (prefix === 'a') {
    if (parts.length !== 3) return fail(`client id "${clientId}" has ${parts.length} parts; expected a:orgId:appId`);
    const appId = validateId('appId', parts[2] ?? '');
    if (!appId.ok) return fail(`client id "${clientId}": ${appId.reason}`);
    return ok({ kind: 'application', orgId, appId: appId.value });
  }
  return fail(`client id "${clientId}" starts with "${prefix}:"; expected "g:" (gateway), "d:" (device) or "a:" (application)`);
}
