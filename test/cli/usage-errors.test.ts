import { describe, expect, it } from 'vitest';
import { EXIT_CODES, NO_RESTART_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { runCli } from '../support/cli.js';

/** The lines of stderr that are errors (commander shows the command's help after them). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^wiotp-gateway:|^error\b/i.test(line));
}

describe('wiotp-gateway usage errors', () => {
  // A broken ExecStart= must not restart-loop: the unit's RestartPreventExitStatus lists the usage code.
  it.each([
    { args: ['run'], error: "wiotp-gateway: required option '-c, --config <file>' not specified" },
    { args: ['run', '--config', 'gateway.yaml', '--bogus'], error: "wiotp-gateway: unknown option '--bogus'" },
    { args: ['store', 'export', '--fiel', 'queue.sqlite'], error: "wiotp-gateway: unknown option '--fiel'" },
    { args: ['validate'], error: "wiotp-gateway: missing required argument 'config'" },
  ])('exits with the usage code and one error line: $error', async ({ args, error }) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(errorLines(stderr)).toEqual([error]);
    expect(stdout).toBe('');
    expect(code).toBe(EXIT_CODES.usage);
    expect(NO_RESTART_EXIT_CODES).toContain(code);
  });

  it('keeps --help at exit 0, for a subcommand too', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.stdout).toMatch(/^Usage: wiotp-gateway run \[options\]/);
    expect(help.code).toBe(EXIT_CODES.ok);
  });
});
