import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// nmea-gps's device id is "gps-{port.name}": it depends on the port the frames come from.
const GLL = '$GPGLL,4916.45,N,12311.12,W,225444,A,*1D';
const NOTE = 'note: device ids assume the port is /dev/ttyUSB0; give --port PATH (or --var port.name=…) for another\n';

async function decode(args: string[]): Promise<{ deviceId: unknown; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['decode', ...args, '--text', GLL]);
  expect(code).toBe(0);
  return { deviceId: JSON.parse(stdout).device.deviceId, stderr };
}

describe('wiotp-gateway decode: the note on the assumed port', () => {
  it('is said when the device id takes its port variable from the assumed /dev/ttyUSB0', async () => {
    expect(await decode(['--profile', 'nmea-gps'])).toEqual({ deviceId: 'gps-ttyUSB0', stderr: NOTE });
  });

  it('is not said when --var sets the port variable the id uses', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--var', 'port.name=A50285BI'])).toEqual({
      deviceId: 'gps-A50285BI',
      stderr: '',
    });
  });

  it('is still said when --var sets only a port variable the id does not use', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--var', 'port.path=/dev/ttyACM0'])).toEqual({
      deviceId: 'gps-ttyUSB0',
      stderr: NOTE,
    });
  });

  it('is not said with --port, nor for a profile whose id names no port variable', async () => {
    expect(await decode(['--profile', 'nmea-gps', '--port', '/dev/ttyACM1'])).toEqual({
      deviceId: 'gps-ttyACM1',
      stderr: '',
    });
    const json = await runCli(['decode', '--profile', 'json-sensor', '--text', '{"id":"lab7","T":21.5}']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
  });
});
