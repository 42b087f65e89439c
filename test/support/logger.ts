import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from '../../src/logging.js';

/** A real pino logger at trace level whose JSON lines the test can read (secrets redacted as in production). */
export function capturingLogger(level = 'trace') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
  /** Parsed log records whose message matches. */
  const records = (pattern: RegExp) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string }).filter((r) => pattern.test(r.msg));
  return { lines, logger, records };
}
