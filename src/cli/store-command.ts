import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from './arguments.js';

interface StoreTarget {
  config?: string;
  file?: string;
}

/** The queue file the options name: `--file`, or the one a config's gateway uses. */
async function queueFileOf(options: StoreTarget): Promise<string> {
  if (options.file) return resolve(options.file);
  if (!options.config) throw new UsageError('give --config FILE (the gateway config) or --file QUEUE (the .sqlite file)');
  const { loadGatewayConfig } = await import('../config/load.js');
  const { queueFileOf: fileOf } = await import('../pipeline/gateway.js');
  const config = loadGatewayConfig(options.config);
  if (!config.ok) throw new UsageError(config.reason);
  if (!config.value.store.enabled) throw new UsageError(`${options.config}: store.enabled is false: the queue lives in memory`);
  // Relative to the config's folder, as `run` takes it.
  if (config.value.store.path) config.value.store.path = resolve(dirname(resolve(options.config)), config.value.store.path);
  return resolve(fileOf(config.value));
}

function age(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Registers `wiotp-gateway store stats|export|purge`: a stopped gateway's durable queue. */
export function registerStoreCommand(program: Command): Command {
  const store = program
    .command('store')
    .description("inspect or empty a stopped gateway's durable queue (what it read but has not delivered yet)");
  const target = (command: Command) =>
    command
      .option('-c, --config <file>', 'the gateway config (its store.path and identity give the file)')
      .option('--file <queue.sqlite>', 'the queue file itself');
  target(store.command('stats'))
    .description('events queued per device, bytes, and the oldest event’s age')
    .option('--json', 'print JSON')
    .action(async (options: StoreTarget & { json?: boolean }) => {
      const { inspectQueue } = await import('../store/store-inspection.js');
      const inspection = inspectQueue(await queueFileOf(options));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(inspection, null, 2)}\n`);
        return;
      }
      const lines = [
        `store ${inspection.file} (gateway ${inspection.identity ?? 'unknown'})`,
        `${inspection.events} event(s), ${inspection.bytes} bytes, oldest read ${age(inspection.oldestReadAt)} ago`,
      ];
      if (inspection.devices.length > 0) {
        const width = Math.max(6, ...inspection.devices.map((d) => d.device.length));
        lines.push('', `${'device'.padEnd(width)}  ${'events'.padStart(8)}  ${'bytes'.padStart(10)}  oldest`);
        for (const d of inspection.devices)
          lines.push(
            `${d.device.padEnd(width)}  ${String(d.events).padStart(8)}  ${String(d.bytes).padStart(10)}  ${age(d.oldestReadAt)}`,
          );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  target(store.command('export'))
    .description('print what is queued, oldest first, one JSON object per line')
    .option('--format <format>', 'jsonl (the only one)', 'jsonl')
    .action(async (options: StoreTarget & { format: string }) => {
      if (options.format !== 'jsonl') throw new UsageError(`--format ${options.format}: expected jsonl`);
      const { exportQueue } = await import('../store/store-inspection.js');
      await exportQueue(await queueFileOf(options), (event) =>
        process.stdout.write(`${JSON.stringify(event)}\n`) ? undefined : once(process.stdout, 'drain').then(() => undefined),
      );
    });
  target(store.command('purge'))
    .description('delete every queued event (they will never be sent)')
    .option('--yes', 'really delete them')
    .action(async (options: StoreTarget & { yes?: boolean }) => {
      const file = await queueFileOf(options);
      if (!options.yes) throw new UsageError(`this deletes every event queued in ${file}; add --yes to do it`);
      const { purgeQueue } = await import('../store/store-inspection.js');
      process.stdout.write(`deleted ${purgeQueue(file)} event(s) from ${file}\n`);
    });
  return store;
}
