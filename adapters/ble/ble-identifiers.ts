/** Bluetooth SIG base UUID tail: a 16/32-bit UUID is xxxxxxxx-0000-1000-8000-00805f9b34fb. */
const BASE_TAIL = '00001000800000805f9b34fb';

/**
 * The compact form of a MAC address used as channel and `{address}`: "aabbccddeeff". Accepts any case,
 * with ":" or "-" between pairs or nothing. Undefined when the text is not a MAC (macOS gives UUIDs).
 */
export function compactAddress(text: string): string | undefined {
  const match = /^([0-9a-f]{2})([:-]?)((?:[0-9a-f]{2}\2){4}[0-9a-f]{2})$/i.exec(text.trim());
  if (!match) return undefined;
  return text.replace(/[:-]/g, '').toLowerCase();
}

/** "aabbccddeeff" → "aa:bb:cc:dd:ee:ff" (the form BTHome's decoder and noble's HCI bindings use). */
export function colonAddress(compact: string): string {
  return compact.match(/.{2}/g)?.join(':') ?? compact;
}

/**
 * One spelling per UUID, so profile, noble and simulator agree: a 16-bit UUID as 4 lowercase hex digits
 * ("fcd2", also from "0xFCD2", noble's unpadded "fff" or the full base-UUID form); a 32-bit one as 8;
 * any other 128-bit UUID as 32 lowercase hex digits without dashes (noble's form).
 */
export function canonicalUuid(text: string): string {
  const hex = text.trim().toLowerCase().replace(/^0x/, '').replace(/-/g, '');
  if (hex.length <= 4) return hex.padStart(4, '0');
  if (hex.length === 32 && hex.endsWith(BASE_TAIL)) return shortForm(hex.slice(0, 8));
  if (hex.length === 8) return shortForm(hex);
  return hex;
}

function shortForm(head: string): string {
  return head.startsWith('0000') ? head.slice(4) : head;
}

/** The company id at the front of manufacturer data (little-endian), if there are two bytes. */
export function companyId(manufacturerData: Uint8Array | undefined): number | undefined {
  if (!manufacturerData || manufacturerData.length < 2) return undefined;
  return (manufacturerData[0] ?? 0) | ((manufacturerData[1] ?? 0) << 8);
}
