import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { RunningGateway } from '../pipeline/gateway.js';
import { endStartUp } from '../start-up.js';
import { UsageError } from './arguments.js';
import { EXIT_CODES } from './exit-codes.js';
import { untilSignal } from './signals.js';

/** A shutdown that takes longer than this ends the process anyway (a supervisor waits ~10 s before SIGKILL). */
const SHUTDOWN_LIMIT_MS = 10_000;

/** Registers `wiotp-gateway run --config FILE`: the daemon. */
export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('run the gateway daemon from a config file (YAML or JSON)')
    .requiredOption('-c, --config <file>', 'gateway config file')
    .option('--check', 'validate the config and profiles, print a summary, and exit')
    .option('--http <host:port>', 'the local HTTP server (metrics, health, status, console) listens here instead of http.listen')
    .action(async (options: { config: string; check?: boolean; http?: string }) => {
      if (options.check) {
        process.exitCode = await (await import('./validate-command.js')).checkConfig(options.config);
        return;
      }
      // First of all: a bug of the gateway's own, even while starting, is logged and ends the process (exit 1).
      const faults = new (await import('./process-faults.js')).ProcessFaults().install();
      const { createLogger } = await import('../logging.js');
      const { loadGatewayConfig, loadProfiles, resolveToken, resolveHttpToken } = await import('../config/load.js');
      const config = loadGatewayConfig(options.config);
      if (!config.ok) throw new UsageError(config.reason);
      const baseDir = dirname(resolve(options.config));
      const profiles = loadProfiles(config.value.profilePaths.map((path) => resolve(baseDir, path)));
      if (!profiles.ok) throw new UsageError(profiles.reason);
      const token = resolveToken(config.value.auth, process.env, baseDir);
      if (!token.ok) throw new UsageError(token.reason);
      // Paths in the config are relative to its folder, as profilePaths and tokenFile are.
      if (config.value.store.path) config.value.store.path = resolve(baseDir, config.value.store.path);
      if (options.http) config.value.http = { ...(config.value.http || {}), listen: options.http };
      const httpToken = resolveHttpToken(config.value.http, baseDir);
      if (!httpToken.ok) throw new UsageError(httpToken.reason);
      if (config.value.http) {
        const { parseListenAddress } = await import('../http/listen-address.js');
        const { checkExposure } = await import('../http/http-server.js');
        const listen = parseListenAddress(config.value.http.listen);
        if (!listen.ok) throw new UsageError(`http.listen: ${listen.reason}`);
        const refusal = checkExposure(listen.value, httpToken.value);
        if (refusal) throw new UsageError(refusal);
      }
      const logger = createLogger({ level: config.value.log.level });
      faults.useLogger(logger);
      // Signals first: a SIGTERM while starting still stops cleanly, with a line saying so.
      const stopSignal = untilSignal(logger);
      const { builtInCatalog } = await import('./adapter-catalog.js');
      const { startGateway } = await import('../pipeline/gateway.js');
      const starting = startGateway({
        config: config.value,
        token: token.value,
        profiles: profiles.value,
        catalog: builtInCatalog(baseDir),
        logger,
        httpToken: httpToken.value,
      });
      const first = await Promise.race([starting, stopSignal]);
      const gateway = typeof first === 'string' ? await starting : first;
      faults.protect(gateway.queue);
      endStartUp();
      const { createServiceNotifier } = await import('./systemd-notify.js');
      const notifier = createServiceNotifier({ logger });
      // Ready as soon as the adapters run: events are read and queued even while the service is unreachable.
      void notifier.ready(`adapters started; session ${gateway.session.current.state}`);
      let authRefused: string | undefined;
      const refused = new Promise<'refused'>((resolve) => {
        gateway.session.status$.subscribe((status) => {
          void notifier.status(
            `session ${status.state}${status.reason ? `: ${status.reason}` : ''}; queue ${gateway.queue.depth}`,
          );
          if (status.authRefused) {
            authRefused = status.reason ?? 'refused';
            resolve('refused');
          }
        });
      });
      const signal = typeof first === 'string' ? first : await Promise.race([stopSignal, refused]);
      void notifier.stopping();
      logger.info({ signal }, 'stopping: adapters closed, sending what is queued for at most shutdownGraceMs');
      const limit = setTimeout(() => {
        logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting (what is queued stays on disk)`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      limit.unref();
      await gateway.close();
      clearTimeout(limit);
      notifier.close();
      logger.info(exitCounters(gateway), 'stopped');
      if (authRefused) {
        process.stderr.write(
          `wiotp-gateway: the service refused the gateway's token at the first connection (${authRefused}); ` +
            'check auth in the config (what was read stays queued)\n',
        );
        process.exitCode = EXIT_CODES.tokenRefused;
      }
      // Everything is closed and the logs are written (synchronously): end here rather than wait for
      // stdio pipes that a supervisor or a shell may keep open.
      process.exit(process.exitCode ?? EXIT_CODES.ok);
    });
}

/** The counters a supervisor's log should keep from a run. */
export function exitCounters(gateway: RunningGateway): Record<string, number | string> {
  const pipeline = gateway.pipeline.stats;
  const sender = gateway.sender.stats;
  const queue = gateway.queue.stats();
  return {
    frames: pipeline.frames,
    events: pipeline.events,
    published: sender.published,
    rejects: Object.values(pipeline.rejects).reduce((sum, count) => sum + count, 0),
    commands: pipeline.commandsDelivered,
    queued: queue.depth,
    // Of those, delivered already and only kept while their device settles (sent again if its registration fails).
    retained: queue.retained,
    store: queue.location,
  };
}
