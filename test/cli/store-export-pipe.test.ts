import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../src/store/sqlite-queue.js';
import { exportQueue } from '../../src/store/store-inspection.js';
import { BIN } from '../support/cli.js';
import { testQueueOptions } from '../support/queue-options.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A stopped gateway's queue file with `count` events: far more JSON lines than a pipe's buffer holds. */
function queueFile(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-store-pipe-'));
  dirs.push(dir);
  const file = join(dir, 'queue-abc123-rpi-gw1.sqlite');
  const queue = new SqliteQueue(testQueueOptions(file, { maxBytes: 1 << 26 }));
  for (let i = 0; i < count; i++) queue.append('sensor/a', 'iot-2/type/sensor/id/a/evt/e/fmt/json', `{"n":${i}}`, 1, Date.now());
  queue.close();
  return file;
}

describe('wiotp-gateway store export | head', () => {
  it('stops quietly (exit 0, nothing on stderr) when the reader goes away after the first line, as cat does', async () => {
    const file = queueFile(20_000);
    const child = spawn(process.execPath, [BIN, 'store', 'export', '--file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const closed = once(child, 'close');
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    expect(JSON.parse(first)).toMatchObject({ device: 'sensor/a', payload: '{"n":0}' });
    // As `head -1` does: close the read end while the export still has megabytes to write.
    lines.close();
    child.stdout.destroy();
    const [code, signal] = await closed;
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('holds one row at a time for a reader that is behind: the next waits for the last write to drain', async () => {
    const file = queueFile(1_000);
    const seen: number[] = [];
    let drain: (() => void) | undefined;
    const exported = exportQueue(file, (event) => {
      seen.push(JSON.parse(event.payload).n);
      // Every 100th write finds the pipe full, as process.stdout.write returning false does.
      if (seen.length % 100 !== 1) return undefined;
      return new Promise<void>((resolve) => (drain = resolve));
    });
    for (let paused = 1; paused <= 10; paused++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Stopped at the write that found the pipe full: nothing more was read from the file meanwhile.
      expect(seen.length).toBe(100 * (paused - 1) + 1);
      drain?.();
    }
    expect(await exported).toBe(1_000);
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
  });
});
