import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/scan-cli.ts', import.meta.url));

/** Runs the scan command in a child process (node + tsx), with a deadline that fails loudly. */
function runScan(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scan ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const row = (stdout: string, address: string) => stdout.split('\n').find((line) => line.startsWith(address)) ?? '';

describe('wiotp-gateway scan ble', () => {
  it('with --simulated, prints a table of advertisers with the decoder that reads each, and exits 0', async () => {
    const { code, stdout, stderr } = await runScan(['scan', 'ble', '--simulated', '--active', '--duration', '1']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ADDRESS\s+RSSI\s+NAME\s+FORMAT\s+SEEN\s+DATA$/m);
    expect(row(stdout, 'c4:7c:8d:6a:1b:01')).toMatch(/-\d+\s+Ruuvi 1B01\s+ruuvi\s+\d+\s+temperature=[\d.]+ humidity=/);
    expect(row(stdout, 'a4:c1:38:00:00:02')).toMatch(/BTHome TH\s+bthome\s+\d+\s+battery=\d+ temperature=/);
    expect(row(stdout, 'a4:c1:38:00:00:03')).toMatch(/bthome \(encrypted\)\s+\d+\s+needs a key/);
    expect(row(stdout, 'a4:c1:38:00:00:04')).toMatch(/ATC_0004\s+atc\s+\d+\s+temperature=/);
    expect(row(stdout, 'e0:11:22:33:44:05')).toMatch(/HRM 4405\s+gatt 180d,180f/);
    expect(stdout).toMatch(/^5 advertiser\(s\)$/m);
  });

  it('without --active, the simulated radio sends no scan responses, so names stay empty', async () => {
    const { code, stdout } = await runScan(['scan', 'ble', '--simulated', '--duration', '1']);
    expect(code).toBe(0);
    expect(row(stdout, 'c4:7c:8d:6a:1b:01')).toMatch(/^c4:7c:8d:6a:1b:01\s+-\d+\s+-\s+ruuvi/);
  });

  it('without a usable Bluetooth adapter, prints one line and exits 1, without a stack trace', async () => {
    // hci99 does not exist on any machine: this fails at load (no Bluetooth at all) or at init (no such device).
    const { code, stdout, stderr } = await runScan(['scan', 'ble', '--hci', '99', '--duration', '1']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^no Bluetooth adapter/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
