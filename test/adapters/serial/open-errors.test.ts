import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeOpenError, openContext } from '../../../adapters/serial/open-errors.js';
import { SerialPortChannel } from '../../../adapters/serial/serialport-channel.js';
import { silentLogger } from '../../../src/logging.js';

// serialport's own messages, as it gives them on Linux (bindings-cpp 12).
const PERMISSION = new Error('Error: Permission denied, cannot open /dev/ttyUSB0');
const LOCKED = new Error('Error Resource temporarily unavailable Cannot lock port');

describe('describeOpenError', () => {
  it("names the user and the tty's group, and the command that adds one to the other", () => {
    expect(describeOpenError(PERMISSION, '/dev/ttyUSB0', { user: 'wiotp-gateway', group: 'dialout' })).toBe(
      'permission denied opening /dev/ttyUSB0: the gateway runs as wiotp-gateway, who must be in dialout ' +
        '(sudo usermod -aG dialout wiotp-gateway, then restart the gateway)',
    );
    expect(describeOpenError(PERMISSION, '/dev/ttyAMA0', { user: 'pi', group: 'tty' })).toMatch(
      /must be in tty \(sudo usermod -aG tty pi,/,
    );
  });

  it('falls back to dialout when the group cannot be told', () => {
    expect(describeOpenError(PERMISSION, '/dev/ttyUSB0', { user: 'pi' })).toMatch(
      /who must be in the group that owns it, usually dialout \(sudo usermod -aG dialout pi,/,
    );
  });

  it('says a locked port is held by another program (or by the gateway under another name), and how to find it', () => {
    expect(describeOpenError(LOCKED, '/dev/ttyUSB0', { user: 'pi' })).toBe(
      '/dev/ttyUSB0 is in use: another program holds its lock (screen, minicom, picocom, another gateway), or this gateway opened it under another name (a by-id link and its tty); ' +
        'fuser -v /dev/ttyUSB0 names it',
    );
  });

  it('keeps any other message, naming the device', () => {
    expect(
      describeOpenError(new Error('Error: Input/output error, cannot open /dev/ttyUSB0'), '/dev/ttyUSB0', { user: 'pi' }),
    ).toBe('/dev/ttyUSB0: Input/output error, cannot open /dev/ttyUSB0');
    expect(
      describeOpenError(new Error('Error: No such file or directory, cannot open /dev/ttyUSB3'), '/dev/ttyUSB3', { user: 'pi' }),
    ).toBe('/dev/ttyUSB3 does not exist (unplugged?)');
  });

  it('says a path that is a regular file or a folder is no serial device, whatever serialport said', () => {
    const ioctl = new Error('Inappropriate ioctl for device setting custom baud rate of 9600');
    expect(describeOpenError(ioctl, '/dev/ttyUSB0', { user: 'pi', kind: 'file' })).toBe(
      '/dev/ttyUSB0 is a regular file, not a serial device: something wrote to it while no device was there ' +
        "(remove it, sudo rm /dev/ttyUSB0, and plug the adapter in again), or the path is not the port's",
    );
    expect(describeOpenError(PERMISSION, '/dev/ttyUSB0', { user: 'pi', kind: 'file' })).toMatch(/is a regular file/);
    expect(describeOpenError(new Error('Is a directory, cannot open /dev'), '/dev', { user: 'pi', kind: 'folder' })).toBe(
      '/dev is a folder, not a serial device',
    );
    expect(describeOpenError(ioctl, '/dev/null', { user: 'pi' })).toBe(
      '/dev/null is not a serial port: it takes no serial line settings (baud rate, parity)',
    );
  });

  it('opening a regular file, a folder or /dev/null as a port fails with those words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-open-'));
    const line = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
    const open = (path: string) =>
      new SerialPortChannel(path, { kind: 'path', path }, line, silentLogger()).open().then(
        () => 'opened',
        (error: Error) => error.message,
      );
    try {
      const file = join(dir, 'ttyUSB0');
      writeFileSync(file, 'left by an echo\n');
      expect(await open(file)).toContain(`${file} is a regular file, not a serial device: `);
      expect(await open(dir)).toBe(`${dir} is a folder, not a serial device`);
      expect(await open('/dev/null')).toBe(
        '/dev/null is not a serial port: it takes no serial line settings (baud rate, parity)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the device's group, but never advises joining root's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-open-'));
    try {
      const file = join(dir, 'ttyFAKE');
      writeFileSync(file, '');
      // Made by this test's user: its group is theirs, and root's when the tests run as root.
      const context = openContext(file);
      if (process.getgid?.() === 0) expect(context.group).toBeUndefined();
      else expect(context.group).toBeTypeOf('string');
      expect(openContext(join(dir, 'missing')).group).toBeUndefined();
      expect(openContext(file).kind).toBe('file');
      expect(openContext(dir).kind).toBe('folder');
      expect(openContext('/dev/null').kind).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
