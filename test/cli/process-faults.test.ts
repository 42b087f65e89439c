import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROGRAM = fileURLToPath(new URL('../support/fault-program.ts', import.meta.url));

function runProgram(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', PROGRAM, mode], { timeout: 15_000 }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe('the process fault handlers (the gateway’s own bugs)', () => {
  it('ends the process with exit 1 and the stack on stderr when a fault comes before the logger exists', async () => {
    const result = await runProgram('before-logger');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^wiotp-gateway: unhandled rejection: Error: boom before the logger\n\s+at .*fault-program\.ts/,
    );
    expect(result.stdout).toBe('');
  });

  it('logs the fault as a fatal line with its stack, says when the queue cannot be saved, and still exits 1', async () => {
    const result = await runProgram('queue-fails');
    expect(result.code).toBe(1);
    // The JSON line (pino) and the plain line (stderr) are two writers: their order is not fixed.
    const lines = result.stderr.trim().split('\n');
    const fatal = lines.find((line) => line.startsWith('{'));
    const rest = lines.filter((line) => !line.startsWith('{'));
    expect(JSON.parse(fatal!)).toMatchObject({
      level: 60,
      fault: 'uncaught exception',
      msg: 'uncaught exception in the gateway: boom in a timer; committing the queue and exiting so that a supervisor restarts the gateway',
      err: { message: 'boom in a timer', stack: expect.stringContaining('fault-program.ts') },
    });
    expect(rest).toEqual(['wiotp-gateway: the queue could not be saved: disk gone']);
  });
});
