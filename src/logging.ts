import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear, so a token or password never reaches a log. */
export const REDACTED_PATHS = ['token', 'password', 'authToken', '*.token', '*.password', '*.authToken', 'options.password'];

/** The process logger: JSON lines on stderr (stdout stays free for command output), secrets redacted. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'wiotp-gateway',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pino.destination(2),
  );
}

/** A logger that drops everything, for library use and tests that assert on behaviour, not logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
