import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = join(import.meta.dirname, 'fsync-recorder', 'fsync-recorder.c');

/** One fsync or fdatasync a process made, as the shim recorded it. */
export interface RecordedSync {
  pid: number;
  /** main: the event loop's thread; thread: any other (libuv's thread pool). */
  thread: 'main' | 'thread';
  call: string;
  path: string;
}

/**
 * The fsync recorder (fsync-recorder.c), built with the system's C compiler into a temp dir: a child started with
 * `env()` records every fsync it makes in `log`, and each one is made `delayMs` slow, as on an SD card, or fails with
 * `failErrno` (EIO: 5), as on one wearing out: from the start, or from `startFailing()` on when `failLater`.
 */
export class FsyncRecorder {
  private readonly dir = mkdtempSync(join(tmpdir(), 'wiotp-fsync-'));
  readonly log = join(this.dir, 'fsyncs.log');
  private readonly library = join(this.dir, 'fsync-recorder.so');
  private readonly failTrigger = join(this.dir, 'fail-from-now');

  private readonly delayMs: number;
  private readonly failErrno: number;
  private readonly failLater: boolean;

  constructor({
    delayMs = 0,
    failErrno = 0,
    failLater = false,
  }: { delayMs?: number; failErrno?: number; failLater?: boolean } = {}) {
    this.delayMs = delayMs;
    this.failErrno = failErrno;
    this.failLater = failLater;
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', this.library, SOURCE, '-ldl']);
  }

  /** The environment that loads the recorder into a child process. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      FSYNC_LOG: this.log,
      FSYNC_DELAY_MS: String(this.delayMs),
      ...(this.failErrno ? { FSYNC_FAIL_ERRNO: String(this.failErrno) } : {}),
      ...(this.failLater ? { FSYNC_FAIL_WHEN: this.failTrigger } : {}),
    };
  }

  /** From now on every fsync fails with `failErrno` (a recorder made with `failLater`). */
  startFailing(): void {
    writeFileSync(this.failTrigger, '');
  }

  /** Writes a marker line, so the calls between two moments can be told apart. */
  mark(name: string): void {
    appendFileSync(this.log, `--- ${name}\n`);
  }

  /** The calls `pid` made between the markers `from` and `to`. */
  between(pid: number, from: string, to: string): RecordedSync[] {
    const lines = readFileSync(this.log, 'utf8').split('\n');
    const start = lines.indexOf(`--- ${from}`);
    const end = lines.indexOf(`--- ${to}`);
    if (start < 0 || end < start) throw new Error(`markers ${from} and ${to} not found in order in ${this.log}`);
    return lines
      .slice(start + 1, end)
      .map((line) => line.split(' '))
      .filter(([owner]) => Number(owner) === pid)
      .map(([, thread, call, ...path]) => ({ pid, thread: thread as 'main' | 'thread', call: call ?? '', path: path.join(' ') }));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
