import { type Command, InvalidArgumentError } from 'commander';
import { monotonicNow } from '../clock.js';
import type { ApplicationCredentials } from '../platform/credentials.js';
import type { DeviceStatus } from '../platform/mgmt-requests.js';
import { readOptionFile, repeatable, UsageError } from './arguments.js';
import { DM_EXIT, describeDmOutcome } from './dm-outcome.js';
import { parseAppOption } from './platform-credentials.js';
import { requestJson } from './rest-client.js';

/** Where `platform dm` looks for the REST API by default (the platform's `--api-port 8080`). */
export const DEFAULT_API_PORT = 8080;

/** Friendly action names for the command line, and the REST action each one means. */
const ACTION_NAMES: Record<string, string> = {
  reboot: 'device/reboot',
  'factory-reset': 'device/factoryReset',
  'firmware-download': 'firmware/download',
  'firmware-update': 'firmware/update',
};

/** `name=value` → a request parameter (value parsed as JSON when it is JSON, a string otherwise). */
export function parseParam(text: string): { name: string; value: unknown } {
  const index = text.indexOf('=');
  if (index <= 0) throw new UsageError(`--param expects name=value, got "${text}"`);
  const raw = text.slice(index + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { name: text.slice(0, index), value };
}

/** Commander parser for `--timeout`: seconds, a positive number. */
export function parseTimeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0)
    throw new InvalidArgumentError(`--timeout expects seconds (a positive number), got "${value}"`);
  return seconds;
}

interface DmOptions {
  type: string;
  id: string;
  api?: string;
  auth?: ApplicationCredentials;
  ca?: string;
  param: Array<{ name: string; value: unknown }>;
  timeout: number;
  json?: boolean;
}

/** Registers `wiotp-gateway platform dm ACTION --type T --id D`: a device management request through the platform's REST API. */
export function registerDmCommand(platform: Command): Command {
  return platform
    .command('dm')
    .description('issue a device management request to a device through a running platform (see --api-port)')
    .argument('<action>', 'reboot, factory-reset, firmware-download, firmware-update, or BUNDLE/ACTION for a custom action')
    .requiredOption('--type <typeId>', 'device type')
    .requiredOption('--id <deviceId>', 'device id')
    .option('--api <url>', 'the platform REST API (default: $WIOTP_API_URL, else http://127.0.0.1:8080)')
    .option(
      '--auth <APIKEY:TOKEN>',
      'application API key and token, as given to the platform with --app (default: $WIOTP_API_AUTH, which keeps it out of ps)',
      (value: string) => parseAppOption(value, '--auth'),
    )
    .option('--ca <file>', "PEM certificate to trust for an https --api (the platform's --cert)")
    .option('--param <name=value>', 'request parameter, e.g. uri=http://… version=1.2 (repeatable)', repeatable(parseParam), [])
    .option(
      '--timeout <seconds>',
      "how long to wait for the device's response (the platform itself waits at most 10 s)",
      parseTimeoutSeconds,
      10,
    )
    .option('--json', "print each device's status as a JSON line instead of words")
    .addHelpText(
      'after',
      '\nExit codes: 0 accepted or done (rc 2xx), 1 refused or failed (any other rc, or the platform refused),\n' +
        '2 usage error, 3 timed out waiting for the device. See docs/device-management.md for the return codes.',
    )
    .action(async (action: string, options: DmOptions) => {
      const restAction = ACTION_NAMES[action] ?? (action.includes('/') ? action : undefined);
      if (!restAction)
        throw new UsageError(`unknown action "${action}"; expected ${Object.keys(ACTION_NAMES).join(', ')} or BUNDLE/ACTION`);
      const api = options.api ?? process.env.WIOTP_API_URL ?? `http://127.0.0.1:${DEFAULT_API_PORT}`;
      const credentials =
        options.auth ?? (process.env.WIOTP_API_AUTH ? parseAppOption(process.env.WIOTP_API_AUTH, 'WIOTP_API_AUTH') : undefined);
      if (!credentials) throw new UsageError('give --auth APIKEY:TOKEN (or set WIOTP_API_AUTH)');
      const ca = options.ca ? readOptionFile('--ca', options.ca) : undefined;
      const basic = `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.token}`).toString('base64')}`;
      const call = (path: string, body?: unknown) =>
        requestJson(`${api}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: basic, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          ...(ca ? { ca } : {}),
        }).catch((error: NodeJS.ErrnoException) => {
          const hint = error.code?.includes('CERT')
            ? "give the platform's certificate with --ca FILE"
            : 'start the platform with --api-port';
          throw new Error(`cannot reach the platform REST API at ${api} (${error.code ?? error.message}); ${hint}`);
        });
      const started = await call('/api/v0002/mgmt/requests', {
        action: restAction,
        parameters: options.param,
        devices: [{ typeId: options.type, deviceId: options.id }],
      });
      const { reqId, message } = (started.body ?? {}) as { reqId?: string; message?: string };
      if (started.status !== 202 || !reqId)
        throw new Error(`the platform refused the request (HTTP ${started.status}): ${message ?? ''}`);
      const waitedMs = options.timeout * 1000;
      const deadline = monotonicNow() + waitedMs;
      for (;;) {
        const polled = await call(`/api/v0002/mgmt/requests/${reqId}/deviceStatus`);
        if (polled.status !== 200) throw new Error(`the platform lost request ${reqId} (HTTP ${polled.status})`);
        const { complete, results } = polled.body as { complete: boolean; results: DeviceStatus[] };
        if (complete || monotonicNow() > deadline) {
          const outcomes = results.map((result) => ({ result, outcome: describeDmOutcome(result, waitedMs) }));
          for (const { result, outcome } of outcomes) {
            process.stdout.write(
              options.json
                ? `${JSON.stringify({ ...result, outcome: outcome.kind })}\n`
                : `${result.typeId}:${result.deviceId} ${action}: ${outcome.words}\n`,
            );
          }
          process.exitCode = Math.max(DM_EXIT.DONE, ...outcomes.map(({ outcome }) => outcome.exitCode));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
}
