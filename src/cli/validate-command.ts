import { existsSync, realpathSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConfigCheckEnvironment } from '../config/validate-config.js';

/** Checks a config file as `validate` and `run --check` do, prints the report, and returns the exit code (0 or 2). */
export async function checkConfig(file: string, options: { json?: boolean } = {}): Promise<number> {
  const { validateConfigFile, formatConfigReport } = await import('../config/validate-config.js');
  const { EMULATORS } = await import('../../adapters/simulated/simulated-adapter.js');
  const { inspectPlugin } = await import('./adapter-catalog.js');
  const { resolveHttpToken } = await import('../config/load.js');
  const { describeNonDevice, pathKind } = await import('../../adapters/serial/open-errors.js');
  const { parseListenAddress } = await import('../http/listen-address.js');
  const { checkExposure } = await import('../http/http-server.js');
  const environment: ConfigCheckEnvironment = {
    env: process.env,
    emulators: Object.keys(EMULATORS),
    exists: existsSync,
    inspectPlugin,
    serialPath(path) {
      let device: string;
      try {
        device = realpathSync(path);
      } catch {
        // Missing, or a folder on the way that may not be searched: then the path is all there is to compare.
        return existsSync(path) ? { exists: true, device: path } : { exists: false };
      }
      let problem: string | undefined;
      try {
        problem = describeNonDevice(path, pathKind(statSync(device)));
      } catch {
        // Gone between the two looks: nothing more to say than that it resolves.
      }
      return problem ? { exists: true, device, problem } : { exists: true, device };
    },
    // As `run` refuses them: an unreadable HTTP token file, a bad listen address, a listener beyond loopback without a token.
    checkParsed(config, baseDir) {
      if (!config.http) return [];
      const token = resolveHttpToken(config.http, baseDir);
      if (!token.ok) return [{ path: 'http', message: token.reason }];
      const listen = parseListenAddress(config.http.listen);
      if (!listen.ok) return [{ path: 'http.listen', message: listen.reason }];
      const refusal = checkExposure(listen.value, token.value);
      return refusal ? [{ path: 'http.listen', message: refusal }] : [];
    },
  };
  const report = await validateConfigFile(file, environment);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatConfigReport(report));
  return report.ok ? 0 : 2;
}

/** Registers `wiotp-gateway validate CONFIG`: every problem of a config and its profiles, without connecting. */
export function registerValidateCommand(program: Command): Command {
  return program
    .command('validate')
    .description(
      'check a gateway config and the profiles and plugins it names, without connecting: every problem at once, ' +
        'with its file and path; exit 0 when usable (warnings allowed), 2 when not',
    )
    .argument('<config>', 'gateway config file (YAML or JSON)')
    .option('--json', 'print the report as JSON: { ok, errors: [{ file, path, message }], warnings, summary }')
    .action(async (file: string, options: { json?: boolean }) => {
      process.exitCode = await checkConfig(file, options);
    });
}
