import type { Command } from 'commander';
import { parseInteger } from './arguments.js';

/** Registers `wiotp-gateway demo` (what `npm start` runs). */
export function registerDemoCommand(program: Command): Command {
  return program
    .command('demo')
    .description('run the embedded platform, simulated devices, the gateway and an application, all on loopback')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', parseInteger('--duration'))
    .option('--command-after <seconds>', 'when the application sends its demo commands', parseInteger('--command-after'), 5)
    .option('--http <host:port>', 'where the local HTTP server listens (default 127.0.0.1:9464, or a free port if taken)')
    .action(async (options: { duration?: number; commandAfter: number; http?: string }) => {
      const { runDemo } = await import('./demo.js');
      await runDemo(options);
    });
}
