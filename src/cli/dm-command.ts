import type { Command } from 'commander';
import { repeatable, UsageError } from './arguments.js';
import { parseAppArgument } from './platform-command.js';

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
      'application API key and token, as given to the platform with --app (default: $WIOTP_API_AUTH)',
      parseAppArgument,
    )
    .option('--param <name=value>', 'request parameter, e.g. uri=http://… version=1.2 (repeatable)', repeatable(parseParam), [])
    .option('--timeout <seconds>', 'how long to wait for the device', (v) => Number(v), 30)
    .action(
      async (
        action: string,
        options: {
          type: string;
          id: string;
          api?: string;
          auth?: { apiKey: string; token: string };
          param: Array<{ name: string; value: unknown }>;
          timeout: number;
        },
      ) => {
        const restAction = ACTION_NAMES[action] ?? (action.includes('/') ? action : undefined);
        if (!restAction)
          throw new UsageError(`unknown action "${action}"; expected ${Object.keys(ACTION_NAMES).join(', ')} or BUNDLE/ACTION`);
        const api = options.api ?? process.env.WIOTP_API_URL ?? `http://127.0.0.1:${DEFAULT_API_PORT}`;
        const credentials =
          options.auth ?? (process.env.WIOTP_API_AUTH ? parseAppArgument(process.env.WIOTP_API_AUTH) : undefined);
        if (!credentials) throw new UsageError('give --auth APIKEY:TOKEN (or set WIOTP_API_AUTH)');
        const basic = `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.token}`).toString('base64')}`;
        const headers = { authorization: basic, 'content-type': 'application/json' };
        const started = await fetch(`${api}/api/v0002/mgmt/requests`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            action: restAction,
            parameters: options.param,
            devices: [{ typeId: options.type, deviceId: options.id }],
          }),
        }).catch((error: Error & { cause?: { code?: string } }) => {
          throw new Error(
            `cannot reach the platform REST API at ${api} (${error.cause?.code ?? error.message}); start it with --api-port`,
          );
        });
        const body = (await started.json()) as { reqId?: string; message?: string };
        if (started.status !== 202 || !body.reqId)
          throw new Error(`the platform refused the request (HTTP ${started.status}): ${body.message ?? ''}`);
        const deadline = Date.now() + options.timeout * 1000;
        for (;;) {
          const status = (await (
            await fetch(`${api}/api/v0002/mgmt/requests/${body.reqId}/deviceStatus`, { headers })
          ).json()) as {
            complete: boolean;
            results: Array<{ status: number; rc?: number; message?: string }>;
          };
          if (status.complete || Date.now() > deadline) {
            for (const result of status.results) process.stdout.write(`${JSON.stringify(result)}\n`);
            if (!status.complete || status.results.some((r) => r.status !== 1)) process.exitCode = 1;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    );
}
