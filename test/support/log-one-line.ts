// A program that logs one line through createLogger, as the CLI does, then says whether pino-pretty was loaded.
import { createRequire } from 'node:module';
import { createLogger } from '../../src/logging.js';

createLogger().info({ token: 'do-not-print-me', channel: '/dev/ttyUSB0' }, 'channel online');
const loaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('pino-pretty'));
process.stdout.write(`pino-pretty loaded: ${loaded}\n`);
