import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PROGRAM = fileURLToPath(new URL('./support/log-one-line.ts', import.meta.url));
const NODE_ARGS = [process.execPath, '--import', 'tsx', PROGRAM];

describe('the process logger', () => {
  it('writes JSON lines to a pipe (as under systemd) and never loads the pretty printer', async () => {
    const { stdout, stderr } = await run(NODE_ARGS[0]!, NODE_ARGS.slice(1));
    const line = JSON.parse(stderr.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, name: 'wiotp-gateway', msg: 'channel online', channel: '/dev/ttyUSB0' });
    expect(line.token).toBe('[redacted]');
    expect(stdout).toBe('pino-pretty loaded: false\n');
  });

  it('writes readable lines on a terminal, still without the token', async () => {
    // script(1) runs the program on a pseudo-terminal, as a person at a shell would.
    const command = NODE_ARGS.map((arg) => `'${arg}'`).join(' ');
    const { stdout } = await run('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    const text = stdout.replace(/\r/g, '');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(wiotp-gateway\): channel online$/m);
    expect(text).toMatch(/^ {4}token: "\[redacted\]"$/m);
    expect(text).not.toContain('do-not-print-me');
    expect(text).not.toMatch(/^\{/m);
    expect(text).toContain('pino-pretty loaded: true');
  });
});
