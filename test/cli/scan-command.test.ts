import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** The built CLI (npm test builds it first). */
const runScan = (args: string[]) => runCli(args, 20_000);

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
