import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from './arguments.js';
import { untilSignal } from './signals.js';

/** Registers `wiotp-gateway run --config FILE`: the daemon. */
export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('run the gateway daemon from a config file (YAML or JSON)')
    .requiredOption('-c, --config <file>', 'gateway config file')
    .option('--check', 'validate the config and profiles, print a summary, and exit')
    .action(async (options: { config: string; check?: boolean }) => {
      if (options.check) {
        process.exitCode = await (await import('./validate-command.js')).checkConfig(options.config);
        return;
      }
      const { builtInCatalog } = await import('./adapter-catalog.js');
      const { startGateway } = await import('../pipeline/gateway.js');
      const { createLogger } = await import('../logging.js');
      const { loadGatewayConfig, loadProfiles, resolveToken } = await import('../config/load.js');
      const config = loadGatewayConfig(options.config);
      if (!config.ok) throw new UsageError(config.reason);
      const baseDir = dirname(resolve(options.config));
      const profiles = loadProfiles(config.value.profilePaths.map((path) => resolve(baseDir, path)));
      if (!profiles.ok) throw new UsageError(profiles.reason);
      const token = resolveToken(config.value.auth, process.env, baseDir);
      if (!token.ok) throw new UsageError(token.reason);
      const logger = createLogger({ level: config.value.log.level });
      if (options.check) {
        process.stdout.write(
          `config ok: gateway g:${config.value.org}:${config.value.gateway.typeId}:${config.value.gateway.deviceId}, ` +
            `${config.value.adapters.length} adapter(s), ${profiles.value.size} profile(s)\n`,
        );
        return;
      }
      const gateway = await startGateway({
        config: config.value,
        token: token.value,
        profiles: profiles.value,
        catalog: builtInCatalog(baseDir),
        logger,
      });
      const signal = await untilSignal();
      logger.info({ signal }, 'stopping');
      await gateway.close();
    });
}
