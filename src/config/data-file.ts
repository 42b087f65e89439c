import { closeSync, openSync, readSync } from 'node:fs';
import { Composer, type CST, LineCounter, Parser } from 'yaml';
import { fail, ok, type Result } from '../result.js';

/** Largest config or profile file read; anything bigger (or endless, like /dev/zero) is refused. */
export const MAX_DATA_FILE_BYTES = 1024 * 1024;

/**
 * Deepest nesting of lists and maps a file may have. Real configs stay under 10; a deeper document is
 * refused before the YAML composer (which recurses) gets near the stack limit, where V8 has been seen
 * to abort the process instead of throwing.
 */
export const MAX_DATA_DEPTH = 64;

/** Reads a YAML or JSON file (YAML is a superset, so one parser serves both) into plain data. */
export function readDataFile(file: string): Result<unknown> {
  const text = readCapped(file);
  return text.ok ? parseDataText(text.value, file) : text;
}

/** The file's text, or why not; stops reading past MAX_DATA_FILE_BYTES. */
function readCapped(file: string): Result<string> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return fail(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const buffer = Buffer.allocUnsafe(MAX_DATA_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_DATA_FILE_BYTES)
      return fail(`${file}: larger than ${MAX_DATA_FILE_BYTES} bytes; expected a config or profile file`);
    return ok(buffer.toString('utf8', 0, length));
  } catch (error) {
    return fail(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses YAML or JSON text into plain data: strings, numbers, booleans, null, lists and maps. Refuses,
 * naming the line, syntax errors, unresolved tags, a second document, nesting past MAX_DATA_DEPTH,
 * recursive aliases and values JSON cannot hold (`!!set`, `!!binary`, `!!timestamp`...). `source` starts
 * every reason. Reasons quote no source text: the line may hold a token.
 */
export function parseDataText(text: string, source: string): Result<unknown> {
  const lines = new LineCounter();
  const at = (offset: number): string => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  let data: unknown;
  try {
    const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
    const deep = deepestCollection(tokens);
    if (deep !== undefined) return fail(`${source}: nested deeper than ${MAX_DATA_DEPTH} levels at ${at(deep)}`);
    // logLevel 'error': warnings are refused below instead of printed.
    const [document, second] = new Composer({ logLevel: 'error' }).compose(tokens, true, text.length);
    if (document === undefined) return ok(null);
    if (second !== undefined) return fail(`${source}: a second YAML document starts at ${at(second.range[0])}; expected one`);
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) return fail(`${source}: not valid YAML/JSON: ${problem.message} at ${at(problem.pos[0])}`);
    data = document.toJS();
  } catch (error) {
    return fail(`${source}: not valid YAML/JSON: ${(error as Error).message}`);
  }
  const unfit = plainDataFault(data);
  return unfit === undefined ? ok(data) : fail(`${source}: ${unfit}`);
}

/** Offset of the first list or map nested deeper than MAX_DATA_DEPTH, or undefined. Walks the tokens without recursion. */
function deepestCollection(tokens: CST.Token[]): number | undefined {
  const pending: [token: CST.Token | undefined, depth: number][] = tokens.map((token) => [token, 0]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === undefined) continue;
    if (node.type === 'document') {
      pending.push([node.value, depth]);
    } else if (node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection') {
      if (depth === MAX_DATA_DEPTH) return node.offset;
      for (const item of node.items) {
        if ('key' in item) pending.push([item.key ?? undefined, depth + 1]);
        pending.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Where parsed data stops being a plain tree, or undefined: a value that refers back to a map or list
 * it sits in (a recursive alias, which JSON.stringify cannot print), a non-plain value, or nesting
 * past MAX_DATA_DEPTH (aliases can deepen what the text shows). Iterative.
 */
function plainDataFault(data: unknown): string | undefined {
  // Depth-first with exit markers, so `open` holds exactly the containers on the current path.
  const open = new Set<object>();
  const pending: [value: unknown, path: string, exit: boolean][] = [[data, '(root)', false]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path, exit] = next;
    if (exit) {
      open.delete(value as object);
      continue;
    }
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') {
        return `${path} is a ${typeof value}; expected plain data`;
      }
      continue;
    }
    const prototype = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) {
      const kind = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'special value';
      return `${path} is a ${kind} (from a YAML tag); expected plain data: strings, numbers, booleans, null, lists and maps`;
    }
    if (open.has(value)) return `${path} refers to a map or list that contains it (a recursive YAML alias)`;
    if (open.size === MAX_DATA_DEPTH) {
      const shown = path.length > 60 ? `${path.slice(0, 30)}…${path.slice(-20)}` : path;
      return `${shown} is nested deeper than ${MAX_DATA_DEPTH} levels (through aliases)`;
    }
    open.add(value);
    pending.push([value, path, true]);
    const base = path === '(root)' ? '' : path;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) pending.push([item, `${base}[${i}]`, false]);
    } else {
      for (const [key, item] of Object.entries(value)) pending.push([item, base ? `${base}.${key}` : key, false]);
    }
  }
  return undefined;
}
