import { type Command, InvalidArgumentError } from 'commander';
import { validateId, validateOrgId } from '../protocol/ids.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/limits.js';
import { commandTopic, validateTopicName } from '../protocol/topics.js';
import { fail, ok, type Result } from '../result.js';
import type { Transport } from '../session/endpoint.js';
import { parseInteger, UsageError } from './arguments.js';

/** The options of `send-command`, as commander hands them over. */
export interface SendCommandOptions {
  type: string;
  id: string;
  command: string;
  data?: string;
  format: string;
  qos: number;
  org?: string;
  host?: string;
  domain?: string;
  port?: number;
  transport?: Transport;
  caFile?: string;
  insecure?: boolean;
  key?: string;
  token?: string;
  appId?: string;
  json?: boolean;
}

/** A command ready to publish: its topic and payload bytes. */
export interface OutgoingCommand {
  topic: string;
  payload: Buffer;
}

/** Builds the command topic and payload; the reason names the option that is wrong. Pure. */
export function buildCommand(
  options: Pick<SendCommandOptions, 'type' | 'id' | 'command' | 'data' | 'format'>,
): Result<OutgoingCommand> {
  for (const [option, checked] of [
    ['--type', validateId('typeId', options.type)],
    ['--id', validateId('deviceId', options.id)],
    ['--command', validateTopicName('commandId', options.command)],
    ['--format', validateTopicName('format', options.format)],
  ] as const) {
    if (!checked.ok) return fail(`${option}: ${checked.reason}`);
  }
  let text = options.data ?? (options.format === 'json' ? '{}' : '');
  if (options.format === 'json') {
    try {
      // Re-serialised so what is sent is exactly what is printed.
      text = JSON.stringify(JSON.parse(text));
    } catch (error) {
      return fail(`--data is not JSON (${(error as Error).message}); use --format text for other payloads`);
    }
  }
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > MAX_PAYLOAD_BYTES)
    return fail(`--data is ${payload.length} bytes; the service accepts at most ${MAX_PAYLOAD_BYTES}`);
  return ok({ topic: commandTopic(options.type, options.id, options.command, options.format), payload });
}

/** The organization from `--org`, or from an API key of the service's form `a-{org}-{random}`. */
export function orgFromOptions(org: string | undefined, apiKey: string): Result<string> {
  const candidate = org ?? /^a-([a-z0-9]+)-/.exec(apiKey)?.[1];
  if (!candidate) return fail(`give --org (the API key "${apiKey}" does not have the form a-{org}-…)`);
  const checked = validateOrgId(candidate);
  return checked.ok ? checked : fail(`--org: ${checked.reason}`);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** Registers `wiotp-gateway send-command`: publish a command as an application, as the cloud side would. */
export function registerSendCommand(program: Command): Command {
  return program
    .command('send-command')
    .description(
      'send a command to a device as an application (client id a:{org}:{appId}, API key and token), to the ' +
        'embedded platform or the service; prints what was sent',
    )
    .requiredOption('--type <typeId>', 'device type, e.g. mcu-sensor')
    .requiredOption('--id <deviceId>', 'device id, e.g. esp-01')
    .requiredOption('--command <commandId>', 'command id, e.g. led')
    .option('--data <json>', 'payload (JSON with --format json, the default; "{}" when left out)')
    .option('--format <format>', 'format segment of the topic; anything but json is sent as text', 'json')
    .option('--qos <0|1>', 'MQTT QoS (the service has no QoS 2)', parseQos, 1)
    .option('--org <orgId>', 'organization (default: from an API key of the form a-{org}-…)')
    .option('--host <host>', 'broker host (default {org}.messaging.{domain}); e.g. 127.0.0.1 for the embedded platform')
    .option('--domain <domain>', 'messaging domain', 'internetofthings.ibmcloud.com')
    .option('--port <n>', 'broker port (default 1883 tcp, 8883 tls, 443 wss)', parseInteger('--port'))
    .option('--transport <tcp|tls|wss>', 'default tcp for a loopback --host, tls otherwise', parseTransport)
    .option('--ca-file <file>', 'PEM CA chain for tls/wss')
    .option('--insecure', 'do not check the server certificate (warned)')
    .option('--key <apiKey>', 'API key (default $WIOTP_API_KEY)')
    .option('--token <token>', 'API token (default $WIOTP_API_TOKEN; the environment keeps it out of ps and shell history)')
    .option(
      '--app-id <appId>',
      'application id in the client id (default cli-{pid}; another connection with the same id is taken over)',
    )
    .option('--json', 'print what was sent as JSON')
    .action((options: SendCommandOptions) => sendCommand(options));
}

async function sendCommand(options: SendCommandOptions): Promise<void> {
  const command = buildCommand(options);
  if (!command.ok) throw new UsageError(command.reason);
  const apiKey = options.key ?? process.env.WIOTP_API_KEY;
  const token = options.token ?? process.env.WIOTP_API_TOKEN;
  if (!apiKey || !token) throw new UsageError('give --key and --token (or WIOTP_API_KEY and WIOTP_API_TOKEN)');
  const org = orgFromOptions(options.org, apiKey);
  if (!org.ok) throw new UsageError(org.reason);
  const appId = options.appId ?? `cli-${process.pid}`;
  const app = validateId('appId', appId);
  if (!app.ok) throw new UsageError(`--app-id: ${app.reason}`);
  const { resolveApplicationEndpoint } = await import('../session/endpoint.js');
  const mqtt = (await import('mqtt')).default;
  const loopback = options.host !== undefined && LOOPBACK.has(options.host);
  const endpoint = resolveApplicationEndpoint({
    orgId: org.value,
    appId,
    apiKey,
    token,
    transport: options.transport ?? (loopback ? 'tcp' : 'tls'),
    domain: options.domain,
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.caFile ? { caFile: options.caFile } : {}),
    rejectUnauthorized: !options.insecure,
  });
  // Plain MQTT to a loopback embedded platform is the lab's normal case: no warning there.
  for (const warning of endpoint.warnings)
    if (!(loopback && warning.startsWith('connecting without TLS'))) process.stderr.write(`warning: ${warning}\n`);
  let client: Awaited<ReturnType<typeof mqtt.connectAsync>>;
  try {
    client = await mqtt.connectAsync(endpoint.url, { ...endpoint.options, reconnectPeriod: 0, connectTimeout: 10_000 });
  } catch (error) {
    throw new Error(`cannot connect to ${endpoint.url} as ${endpoint.clientId}: ${describeConnectError(error as Error)}`);
  }
  try {
    await client.publishAsync(command.value.topic, command.value.payload, { qos: options.qos as 0 | 1 });
  } finally {
    await client.endAsync();
  }
  const sent = {
    topic: command.value.topic,
    payload: command.value.payload.toString('utf8'),
    bytes: command.value.payload.length,
    qos: options.qos,
    clientId: endpoint.clientId,
    url: endpoint.url,
  };
  process.stdout.write(
    options.json
      ? `${JSON.stringify(sent)}\n`
      : `sent ${sent.topic} ${sent.payload} (${sent.bytes} bytes, QoS ${sent.qos}${sent.qos === 1 ? ', acknowledged' : ''}) as ${sent.clientId} to ${sent.url}\n`,
  );
}

function describeConnectError(error: Error & { code?: number | string }): string {
  if (error.code === 4 || error.code === 5) return `${error.message} (check --key and --token)`;
  if (error.code === 2) return `${error.message} (check --org and --app-id)`;
  return error.message;
}

function parseQos(value: string): number {
  if (value !== '0' && value !== '1')
    throw new InvalidArgumentError(`--qos expects 0 or 1 (the service has no QoS 2), got "${value}"`);
  return Number(value);
}

function parseTransport(value: string): Transport {
  if (value !== 'tcp' && value !== 'tls' && value !== 'wss')
    throw new InvalidArgumentError(`--transport expects tcp, tls or wss, got "${value}"`);
  return value;
}
