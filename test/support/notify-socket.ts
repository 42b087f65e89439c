import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { until } from './wait.js';

// The service manager's side of sd_notify: a Unix datagram socket that prints each message as a JSON line and
// closes the descriptors that systemd-notify passes for its barrier, as PID 1 does (Node has no Unix datagrams).
const RECEIVER = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("listening"), flush=True)
while True:
    data, ancdata, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for i in range(0, len(payload) - len(payload) % 4, 4):
                os.close(int.from_bytes(payload[i:i + 4], sys.byteorder))
    print(json.dumps(data.decode()), flush=True)
`;

/** A stand-in for systemd's notify socket (NOTIFY_SOCKET) that records every message it receives. */
export class NotifySocket {
  readonly path: string;
  readonly messages: string[] = [];
  private readonly dir: string;
  private process: ChildProcess | undefined;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'wiotp-notify-'));
    this.path = join(this.dir, 'notify.sock');
  }

  async start(): Promise<void> {
    const child = spawn('python3', ['-c', RECEIVER, this.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.process = child;
    let listening = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as string;
      if (message === 'listening') listening = true;
      else this.messages.push(message);
    });
    await until(() => listening, 5000, 'the notify socket to listen');
  }

  /** Messages seen so far that contain `assignment` (e.g. "WATCHDOG=1"). */
  count(assignment: string): number {
    return this.messages.filter((message) => message.split('\n').includes(assignment)).length;
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
