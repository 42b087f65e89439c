import { pino } from 'pino';
import { type Logger, REDACTED_PATHS } from '../logging.js';

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LEVEL_NAMES = new Set<string>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/**
 * The logger a plugin gets inside its worker thread: pino, secrets redacted, each JSON line handed to
 * `send` (a message to the gateway), which writes it through its own logger and destination.
 */
export function relayingLogger(level: string, send: (line: string) => void): Logger {
  return pino(
    { level, base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    { write: send },
  );
}

/** Writes a line from a plugin worker through the gateway's logger, at its level and with its fields. */
export function relayLogLine(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line: line.slice(0, 200) }, 'a plugin worker sent a log line that is not JSON');
    return;
  }
  const { level, msg, ...fields } = record;
  const label = typeof level === 'number' ? pino.levels.labels[level] : undefined;
  const method: LevelName = label && LEVEL_NAMES.has(label) ? (label as LevelName) : 'info';
  logger[method](fields, typeof msg === 'string' ? msg : '');
}
