// First: before any schema parses.
import './zod-runtime.js';
import { Command, CommanderError } from 'commander';
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
    // Commander's usage errors (a missing or unknown option) exit 1 by default, which systemd restarts; they are
    // thrown instead, and end below with the usage code. Subcommands inherit this.
    .exitOverride()
    // One prefix for every error the command line prints, commander's usage errors and the gateway's own alike.
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'wiotp-gateway: ')) })
    // The daemons end start-up mode once they run (src/start-up.ts); every other command's work is its own.
    .hook('preAction', (_program, command) => {
      if (DAEMON_COMMANDS.has(command.name())) return;
      endStartUp();
      stopQuietlyWhenStdoutCloses();
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

/**
 * `wiotp-gateway store export | head -2`: once the reader has gone, a write fails with EPIPE (Node ignores SIGPIPE),
 * an 'error' event on stdout that nobody listens to, so an uncaught exception and its stack. The command stops
 * quietly instead, exit 0, as `cat` does; any other write error (a full disk) is one line and exit 1. Not for the
 * daemons: there it stays a fault (`run` saves its queue), exit 1, so that a supervisor restarts them.
 */
function stopQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_CODES.ok);
    process.stderr.write(`wiotp-gateway: cannot write to stdout: ${error.message}\n`);
    process.exit(EXIT_CODES.failure);
  });
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed the error (and the help) already; --help and --version end with 0. Exiting now, as
    // commander itself would, also leaves no write error on a closed pipe (`--help | head`) to surface later.
    process.exit(error.exitCode === EXIT_CODES.ok ? EXIT_CODES.ok : EXIT_CODES.usage);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`wiotp-gateway: ${message}\n`);
    process.exitCode = error instanceof UsageError ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
}
