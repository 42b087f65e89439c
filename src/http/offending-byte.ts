const utf8 = new TextDecoder();

/**
 * The byte a reject reason points at, as an offset into the frame's bytes: "at offset 3", "byte 5 (…)",
 * or a JSON decoder's "at position 12" (a character position, turned into a byte offset). Undefined when
 * the reason names no byte, or one outside the frame.
 */
export function offendingByte(reason: string, bytes: Uint8Array): number | undefined {
  const offset = /\bat offset (\d+)/.exec(reason)?.[1] ?? /\bbyte (\d+)\b(?!\.\d)/.exec(reason)?.[1];
  if (offset !== undefined) return within(Number(offset), bytes);
  const position = /\bat position (\d+)/.exec(reason)?.[1];
  if (position === undefined) return undefined;
  // Characters before the position, counted in UTF-8 bytes.
  const prefix = utf8.decode(bytes).slice(0, Number(position));
  return within(new TextEncoder().encode(prefix).length, bytes);
}

function within(offset: number, bytes: Uint8Array): number | undefined {
  return Number.isInteger(offset) && offset < bytes.length ? offset : undefined;
}
