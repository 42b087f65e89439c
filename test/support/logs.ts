import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from '../../src/logging.js';

/** A pino logger (with the process logger's redaction) whose JSON lines a test can read. */
export function capturingLogger(level = 'trace') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream) };
}
