import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ApplicationCredentials, GatewayCredentials } from '../platform/platform.js';
import { validateDeviceRef, validateOrgId } from '../protocol/ids.js';
import { parseInteger, repeatable, UsageError } from './arguments.js';
import { registerDmCommand } from './dm-command.js';
import { untilSignal } from './signals.js';

/** `TYPE:ID:TOKEN` → gateway credentials; the token may contain ":". */
export function parseGatewayArgument(value: string): GatewayCredentials {
  const [typeId = '', deviceId = '', ...rest] = value.split(':');
  const token = rest.join(':');
  const ref = validateDeviceRef({ typeId, deviceId });
  if (!ref.ok) throw new UsageError(`--gateway ${typeId}:${deviceId}:…: ${ref.reason}`);
  if (!token) throw new UsageError(`--gateway ${typeId}:${deviceId}: expected TYPE:ID:TOKEN, the token is missing`);
  return { typeId, deviceId, token };
}

/** `APIKEY:TOKEN` → application credentials. */
export function parseAppArgument(value: string): ApplicationCredentials {
  const index = value.indexOf(':');
  if (index <= 0 || index === value.length - 1) throw new UsageError(`--app expects APIKEY:TOKEN`);
  return { apiKey: value.slice(0, index), token: value.slice(index + 1) };
}

/** Registers `wiotp-gateway platform`: the embedded Watson IoT platform as a process. */
export function registerPlatformCommand(program: Command): Command {
  const platform = program.command('platform');
  registerDmCommand(platform);
  return platform
    .description('run the embedded Watson IoT platform (aedes) on loopback, enforcing the service rules')
    .option('--org <orgId>', 'organization id, e.g. abc123 (required)')
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'plain MQTT port (0 picks a free one)', parseInteger('--port'))
    .option('--tls-port <n>', 'MQTT over TLS port (needs --cert and --key)', parseInteger('--tls-port'))
    .option('--ws-port <n>', 'WebSocket port (wss when --cert and --key are given)', parseInteger('--ws-port'))
    .option('--cert <file>', 'PEM certificate for TLS and wss')
    .option('--key <file>', 'PEM private key for TLS and wss')
    .option('--gateway <TYPE:ID:TOKEN>', 'a gateway allowed to connect (repeatable)', repeatable(parseGatewayArgument), [])
    .option('--app <APIKEY:TOKEN>', 'an application allowed to connect (repeatable)', repeatable(parseAppArgument), [])
    .option('--max-pending <n>', 'registrations pending at once per gateway', parseInteger('--max-pending'), 10)
    .option('--max-active <n>', 'active devices per gateway connection', parseInteger('--max-active'), 500)
    .option('--registration-delay <ms>', 'simulated time a registration takes', parseInteger('--registration-delay'), 0)
    .option('--api-port <n>', 'REST API for device management requests (0 picks a free port)', parseInteger('--api-port'))
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
      if (options.tlsPort !== undefined && (!options.cert || !options.key)) {
        throw new UsageError('--tls-port needs --cert FILE and --key FILE');
      }
      const logger = createLogger({ level: options.logLevel, name: 'platform' });
      const platform = await EmbeddedPlatform.start({
        orgId: options.org,
        gateways: options.gateway,
        applications: options.app,
        maxActiveDevices: options.maxActive,
        registration: { maxPending: options.maxPending, delayMs: options.registrationDelay },
        listeners: {
          host: options.host,
          port: options.port,
          tlsPort: options.tlsPort,
          wsPort: options.wsPort,
          cert: options.cert ? readFileSync(options.cert) : undefined,
          key: options.key ? readFileSync(options.key) : undefined,
        },
        logger,
      });
      for (const address of platform.addresses) process.stdout.write(`listening on ${address.url}\n`);
      let api: { url: string; close(): Promise<void> } | undefined;
      if (options.apiPort !== undefined) {
        const { startRestApi } = await import('../platform/rest-api.js');
        api = await startRestApi({ dm: platform.dm, applications: options.app, host: options.host, port: options.apiPort });
        process.stdout.write(`listening on ${api.url} (REST API)\n`);
      }
      await untilSignal();
      await api?.close();
      await platform.close();
    });
}
