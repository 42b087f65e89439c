import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('npm start (wiotp-gateway demo)', () => {
  it('shows events from every simulated device and a command reaching a device', async () => {
    const { code, stdout } = await runCli(['demo', '--duration', '6', '--command-after', '3'], 30_000);
    expect(code).toBe(0);
    expect(stdout).toMatch(/console on http:\/\/127\.0\.0\.1:\d+\//);
    expect(stdout).toMatch(/event {6}mcu-sensor\/esp-01 status/);
    expect(stdout).toMatch(/event {6}gps-receiver\/gps-ttyUSB0 position/);
    expect(stdout).toMatch(/event {6}env-sensor\/env-ttyUSB1 environment/);
    expect(stdout).toMatch(/event {6}th-sensor\/th-ttyRS485-1 climate/);
    expect(stdout).toMatch(/event {6}ruuvitag\/c47c8d6a1b01 environment/);
    expect(stdout).toMatch(/event {6}bthome-sensor\/a4c138000003 reading .*"encrypted":true/);
    expect(stdout).toMatch(/event {6}atc-thermometer\/a4c138000004 climate .*"temperature":/);
    expect(stdout).toMatch(/event {6}heart-rate-monitor\/e01122334405 reading .*"heart_rate":/);
    expect(stdout).toMatch(/device {5}ttyACM0: LED is now on/);
    expect(stdout).toMatch(/device {5}e0:11:22:33:44:05: wrote 01 to 6e400002/);
    expect(stdout).not.toMatch(/rejected/);
    // The device's next report shows the new state: the round trip is complete.
    expect(stdout).toMatch(/LED is now on[\s\S]*"led":"on"/);
    expect(stdout).toMatch(/summary {4}frames \d+, events published \d+, commands delivered 3/);
  });
});
