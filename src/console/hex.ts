/** One row of a hex dump: its offset and up to `width` bytes. */
export interface HexRow {
  offset: number;
  bytes: number[];
}

/** Cuts hex text ("7b2269…") into rows of `width` bytes. */
export function hexRows(hex: string, width = 16): HexRow[] {
  const rows: HexRow[] = [];
  for (let index = 0; index * 2 < hex.length; index += width) {
    const bytes: number[] = [];
    for (let at = index; at < index + width && at * 2 < hex.length; at++)
      bytes.push(Number.parseInt(hex.slice(at * 2, at * 2 + 2), 16));
    rows.push({ offset: index, bytes });
  }
  return rows;
}

/** A byte as two hex digits. */
export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** A byte as the ASCII column shows it: printable characters as they are, anything else as a dot. */
export function asciiOf(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
}

/** Hex text spaced by byte ("7b 22 69"), as people read it and `wiotp-gateway decode` takes it. */
export function spacedHex(hex: string): string {
  return (hex.match(/../g) ?? []).join(' ');
}
