import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type Logger, REDACTED_PATHS } from '../../src/logging.js';

/** A real pino logger at trace level, redacting as the process logger does, whose JSON lines the test can read. */
export function capturingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream) };
}
