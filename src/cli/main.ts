// First: before any schema parses.
import './zod-runtime.js';
import { Command } from 'commander';
import { packageVersion } from '../package-root.js';
import { endStartUp } from '../start-up.js';
import { UsageError } from './arguments.js';
import { registerDecodeCommand } from './decode-command.js';
import { registerDemoCommand } from './demo-command.js';
import { EXIT_CODES } from './exit-codes.js';
import { registerPlatformCommand } from './platform-command.js';
import { registerProfilesCommand } from './profiles-command.js';
import { registerRunCommand } from './run-command.js';
import { registerScanCommand } from './scan-command.js';
import { registerScanSerialCommand } from './scan-serial-command.js';
import { registerSendCommand } from './send-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerStoreCommand } from './store-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerWatchCommand } from './watch-command.js';

const DAEMON_COMMANDS = new Set(['run', 'platform', 'demo']);

/** Builds the `wiotp-gateway` command line. */
export function buildProgram(): Command {
  const program = new Command('wiotp-gateway')
    .description('Bridge serial and Bluetooth LE peripherals to a Watson IoT Platform-style MQTT service')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    // The daemons end start-up mode once they run (src/start-up.ts); every other command's work is its own.
    .hook('preAction', (_program, command) => {
      if (!DAEMON_COMMANDS.has(command.name())) endStartUp();
    });
  registerPlatformCommand(program);
  registerDemoCommand(program);
  registerRunCommand(program);
  registerValidateCommand(program);
  registerDecodeCommand(program);
  registerScanCommand(program);
  const scan = program.commands.find((command) => command.name() === 'scan');
  if (scan) registerScanSerialCommand(scan);
  registerSendCommand(program);
  registerProfilesCommand(program);
  registerStoreCommand(program);
  registerStatusCommand(program);
  registerWatchCommand(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wiotp-gateway: ${message}\n`);
  process.exitCode = error instanceof UsageError ? EXIT_CODES.usage : EXIT_CODES.failure;
}
