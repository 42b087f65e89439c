import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** Paths pino blanks out wherever they appear, so a token or password never reaches a log. */
export const REDACTED_PATHS = ['token', 'password', 'authToken', '*.token', '*.password', '*.authToken', 'options.password'];

/**
 * The process logger on stderr (stdout stays free for command output), secrets redacted: JSON lines
 * where a machine reads them (systemd's journal, a pipe, a file), readable lines on a terminal.
 */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  return pino(
    {
      name: options.name ?? 'wiotp-gateway',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pretty ? prettyStderr() : pino.destination(2),
  );
}

/** A logger that drops everything, for library use and tests that assert on behaviour, not logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** pino-pretty, loaded only here: a daemon under systemd never pays for it. Synchronous, so no line is lost at exit. */
function prettyStderr(): DestinationStream {
  const require = createRequire(import.meta.url);
  const build = require('pino-pretty') as typeof PinoPretty;
  return build({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}
