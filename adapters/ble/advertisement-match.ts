import type { HardwareProfile } from '../../src/config/profile-schema.js';
import { canonicalUuid, compactAddress, companyId } from './ble-identifiers.js';
import type { NobleAdvertisement } from './noble-types.js';

/** The `ble` transport of a hardware profile. */
export type BleTransport = Extract<HardwareProfile['transport'], { kind: 'ble' }>;

/** A hardware profile whose transport is BLE. */
export type BleProfile = HardwareProfile & { transport: BleTransport };

/** An advertisement with UUIDs and address in canonical form, ready for matching. */
export interface AdvertisementView {
  /** "aabbccddeeff", when the platform gives a MAC address. */
  address?: string;
  localName?: string;
  manufacturerData?: Uint8Array;
  serviceData: Array<{ uuid: string; data: Uint8Array }>;
  serviceUuids: string[];
}

/** Normalises what noble reports (its 16-bit UUIDs are unpadded, 128-bit ones dashless). */
export function viewAdvertisement(advertisement: NobleAdvertisement, address: string): AdvertisementView {
  const compact = compactAddress(address);
  return {
    ...(compact ? { address: compact } : {}),
    ...(advertisement.localName !== undefined ? { localName: advertisement.localName } : {}),
    ...(advertisement.manufacturerData ? { manufacturerData: advertisement.manufacturerData } : {}),
    serviceData: (advertisement.serviceData ?? []).map((entry) => ({
      uuid: canonicalUuid(entry.uuid),
      data: entry.data,
    })),
    serviceUuids: (advertisement.serviceUuids ?? []).map(canonicalUuid),
  };
}

/** True when every criterion of the profile's filter holds (lists: any entry). */
export function matchesFilter(filter: BleTransport['filter'], view: AdvertisementView): boolean {
  if (filter.addresses?.length && !filter.addresses.some((address) => compactAddress(address) === view.address)) return false;
  if (filter.manufacturerId !== undefined && companyId(view.manufacturerData) !== filter.manufacturerId) return false;
  if (filter.localName !== undefined && (view.localName === undefined || !nameMatches(filter.localName, view.localName)))
    return false;
  if (filter.serviceUuids?.length) {
    const advertised = new Set([...view.serviceUuids, ...view.serviceData.map((entry) => entry.uuid)]);
    if (!filter.serviceUuids.some((uuid) => advertised.has(canonicalUuid(uuid)))) return false;
  }
  return true;
}

/**
 * The bytes an advertisement profile decodes: the service data of `source.serviceData`, or the manufacturer
 * data (only that company's when `source.manufacturerData` names one). Undefined when the part is absent.
 */
export function sourceBytes(transport: BleTransport, view: AdvertisementView): Uint8Array | undefined {
  const source = transport.source;
  if (source && 'serviceData' in source) {
    const uuid = canonicalUuid(source.serviceData);
    return view.serviceData.find((entry) => entry.uuid === uuid)?.data;
  }
  const wanted = source?.manufacturerData;
  if (!view.manufacturerData || (wanted !== undefined && companyId(view.manufacturerData) !== wanted)) return undefined;
  return view.manufacturerData;
}

/** What an advertisement is to the adapter: a frame of an advertisement profile, or a GATT candidate. */
export type ProfileMatch = { profile: BleProfile; bytes: Uint8Array } | { profile: BleProfile; bytes?: undefined };

/**
 * The first profile (in configured order) whose filter holds and, for advertisement profiles, whose source
 * is present; GATT profiles only take connectable advertisers.
 */
export function matchProfile(
  profiles: readonly BleProfile[],
  view: AdvertisementView,
  connectable: boolean,
): ProfileMatch | undefined {
  for (const profile of profiles) {
    if (!matchesFilter(profile.transport.filter, view)) continue;
    if (profile.transport.mode === 'gatt') {
      if (connectable) return { profile };
      continue;
    }
    const bytes = sourceBytes(profile.transport, view);
    if (bytes) return { profile, bytes };
  }
  return undefined;
}

const patterns = new Map<string, RegExp>();

/** Exact match, or a pattern where `*` stands for any text. */
function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    patterns.set(pattern, regex);
  }
  return regex.test(name);
}
