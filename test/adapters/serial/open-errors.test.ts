import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeOpenError, openContext } from '../../../adapters/serial/open-errors.js';

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

  it('says a locked port is held by another program, and how to find it', () => {
    expect(describeOpenError(LOCKED, '/dev/ttyUSB0', { user: 'pi' })).toBe(
      '/dev/ttyUSB0 is in use by another program, which holds its lock (screen, minicom, picocom, another gateway; ' +
        'fuser -v /dev/ttyUSB0 names it)',
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
