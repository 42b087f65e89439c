import type { Command } from 'commander';
import { validateOrgId } from '../protocol/ids.js';
import { endStartUp } from '../start-up.js';
import { parseInteger, readOptionFile, UsageError } from './arguments.js';
import { registerDmCommand } from './dm-command.js';
import {
  APPS_ENV,
  collectCredentials,
  GATEWAYS_ENV,
  gatherPlatformCredentials,
  parseAppOption,
  parseGatewayOption,
} from './platform-credentials.js';
import { untilSignal } from './signals.js';

/** The cluster's Redis URL, when not on the command line (a password in it stays out of `ps`). */
export const REDIS_ENV = 'WIOTP_PLATFORM_REDIS';

/** Registers `wiotp-gateway platform`: the embedded Watson IoT platform as a process. */
export function registerPlatformCommand(program: Command): Command {
  const platform = program.command('platform');
  registerDmCommand(platform);
  return platform
    .description('run the embedded Watson IoT platform (aedes) on loopback, enforcing the service rules')
    .option('--org <orgId>', 'organization id, e.g. abc123 (required)')
    .option('--host <address>', 'interface for MQTT and WebSockets (others than loopback warn unless TLS)', '127.0.0.1')
    .option('--port <n>', 'plain MQTT port (1883 when no port is given; 0 picks a free one)', parseInteger('--port'))
    .option('--tls-port <n>', 'MQTT over TLS port (needs --cert and --key)', parseInteger('--tls-port'))
    .option('--ws-port <n>', 'WebSocket port (wss when --cert and --key are given)', parseInteger('--ws-port'))
    .option('--cert <file>', 'PEM certificate for TLS and wss')
    .option('--key <file>', 'PEM private key for TLS and wss')
    .option('--gateway <TYPE:ID:TOKEN>', 'a gateway allowed to connect (repeatable)', collectCredentials(parseGatewayOption), [])
    .option('--app <APIKEY:TOKEN>', 'an application allowed to connect (repeatable)', collectCredentials(parseAppOption), [])
    .option('--gateways-file <file>', `gateways from a file, one TYPE:ID:TOKEN a line (also $${GATEWAYS_ENV}, comma-separated)`)
    .option('--apps-file <file>', `applications from a file, one APIKEY:TOKEN a line (also $${APPS_ENV}, comma-separated)`)
    .option('--max-pending <n>', 'registrations pending at once per gateway', parseInteger('--max-pending'), 10)
    .option('--max-active <n>', 'active devices per gateway connection', parseInteger('--max-active'), 500)
    .option('--registration-delay <ms>', 'simulated time a registration takes', parseInteger('--registration-delay'), 0)
    .option('--api-port <n>', 'REST API for device management requests (0 picks a free port)', parseInteger('--api-port'))
    .option('--api-host <address>', 'interface for the REST API (https when --cert and --key are given)', '127.0.0.1')
    .option(
      '--redis <url>',
      `join the platforms started with this Redis as one service: redis://HOST:PORT (also $${REDIS_ENV}, which keeps a password out of ps)`,
    )
    .option('--redis-ca <file>', 'PEM certificates to trust for a rediss:// Redis (a self-signed one)')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (options) => {
      const { EmbeddedPlatform } = await import('../platform/platform.js');
      const { createLogger } = await import('../logging.js');
      // Checked here, not as a required option: commander would demand it of `platform dm` too.
      if (!options.org) throw new UsageError('--org <orgId> is required');
      const org = validateOrgId(options.org);
      if (!org.ok) throw new UsageError(`--org: ${org.reason}`);
      if (options.port === undefined && options.tlsPort === undefined && options.wsPort === undefined) {
        options.port = 1883;
      }
      if (Boolean(options.cert) !== Boolean(options.key)) throw new UsageError('--cert and --key go together: give both');
      if (options.tlsPort !== undefined && (!options.cert || !options.key)) {
        throw new UsageError('--tls-port needs --cert FILE and --key FILE');
      }
      const redisUrl: string | undefined = options.redis ?? process.env[REDIS_ENV];
      if (redisUrl !== undefined) {
        const { describeRedisUrl } = await import('../platform/cluster.js');
        try {
          describeRedisUrl(redisUrl);
        } catch (error) {
          throw new UsageError(`${options.redis === undefined ? `$${REDIS_ENV}` : '--redis'}: ${(error as Error).message}`);
        }
      }
      if (options.redisCa !== undefined && redisUrl === undefined) throw new UsageError('--redis-ca goes with --redis');
      const redisCa = options.redisCa === undefined ? undefined : readOptionFile('--redis-ca', options.redisCa);
      const logger = createLogger({ level: options.logLevel, name: 'platform' });
      const { gateways, applications, warnings } = gatherPlatformCredentials(options, process.env);
      for (const warning of warnings) logger.warn(warning);
      const cert = options.cert ? readOptionFile('--cert', options.cert) : undefined;
      const key = options.key ? readOptionFile('--key', options.key) : undefined;
      const platform = await EmbeddedPlatform.start({
        orgId: options.org,
        gateways,
        applications,
        maxActiveDevices: options.maxActive,
        registration: { maxPending: options.maxPending, delayMs: options.registrationDelay },
        ...(redisUrl === undefined ? {} : { cluster: { redisUrl, ...(redisCa === undefined ? {} : { ca: redisCa }) } }),
        listeners: {
          host: options.host,
          port: options.port,
          tlsPort: options.tlsPort,
          wsPort: options.wsPort,
          cert,
          key,
        },
        logger,
      });
      for (const address of platform.addresses) process.stdout.write(`listening on ${address.url}\n`);
      let api: { url: string; close(): Promise<void> } | undefined;
      if (options.apiPort !== undefined) {
        const { startRestApi } = await import('../platform/rest-api.js');
        const restApi = { dm: platform.dm, applications, host: options.apiHost, port: options.apiPort, cert, key, logger };
        // A REST API that cannot listen (a port in use) must not leave the broker running behind the error.
        api = await startRestApi(restApi).catch(async (error: Error) => {
          await platform.close();
          throw new Error(`the REST API cannot listen on ${options.apiHost}:${options.apiPort}: ${error.message}`);
        });
        process.stdout.write(`listening on ${api.url} (REST API)\n`);
      }
      endStartUp();
      await untilSignal();
      await api?.close();
      await platform.close();
    });
}
