import { execFile } from 'node:child_process';
import type { Logger } from '../logging.js';

/**
 * Tells systemd how the service is doing (sd_notify(3): READY, STATUS, STOPPING, WATCHDOG) under
 * `Type=notify`. Node cannot send on a Unix datagram socket without a native addon, so this runs systemd's
 * own `systemd-notify`, which waits until the service manager has taken the message (its barrier, systemd
 * ≥ 246), so that the message is credited to the unit although it comes from a child (`NotifyAccess=all`).
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing and resolves false.
 */
export interface ServiceNotifier {
  /** True when started by systemd with a notify socket. */
  readonly active: boolean;
  /** READY=1 with a status line; then pings the watchdog every half period when the unit sets WatchdogSec=. */
  ready(status?: string): Promise<boolean>;
  /** A one-line status for `systemctl status`. */
  status(text: string): Promise<boolean>;
  /** STOPPING=1; stops the watchdog pings. */
  stopping(status?: string): Promise<boolean>;
  /** Stops the watchdog pings (idempotent). */
  close(): void;
}

/** Options of createServiceNotifier; `env` and `pid` are the process's own unless given. */
export interface ServiceNotifierOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** The program to run (default `systemd-notify` on the PATH). */
  command?: string;
  /** How long one message may take before it counts as failed. */
  timeoutMs?: number;
}

/**
 * How often to ping the watchdog: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends, or undefined
 * when the unit has no watchdog or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogPingIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = env.WATCHDOG_USEC;
  if (!usec || !/^\d+$/.test(usec) || Number(usec) === 0) return undefined;
  if (env.WATCHDOG_PID && env.WATCHDOG_PID !== String(pid)) return undefined;
  return Math.max(1, Math.floor(Number(usec) / 2000));
}

/** A notifier for this process; see ServiceNotifier. */
export function createServiceNotifier(options: ServiceNotifierOptions): ServiceNotifier {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const command = options.command ?? 'systemd-notify';
  const timeoutMs = options.timeoutMs ?? 5000;
  const logger = options.logger;
  const active = Boolean(env.NOTIFY_SOCKET);
  let watchdog: NodeJS.Timeout | undefined;
  let pinging = false;
  let failing = false;

  const send = (assignments: string[]): Promise<boolean> => {
    if (!active) return Promise.resolve(false);
    return new Promise((resolve) => {
      execFile(command, assignments, { env, timeout: timeoutMs }, (error, _stdout, stderr) => {
        if (!error) {
          if (failing) logger.info('systemd notifications work again');
          failing = false;
          return resolve(true);
        }
        // Logged once per outage: a broken watchdog ping would otherwise log every few seconds.
        if (!failing) {
          const cause =
            (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} is not installed` : stderr.trim() || error.message;
          logger.error(
            { command, message: assignments[0] },
            `cannot notify systemd (${cause}): a Type=notify unit will not be seen as started or alive`,
          );
        }
        failing = true;
        resolve(false);
      });
    });
  };

  const stopWatchdog = () => {
    clearInterval(watchdog);
    watchdog = undefined;
  };

  const startWatchdog = () => {
    const interval = watchdogPingIntervalMs(env, pid);
    if (interval === undefined || watchdog) return;
    watchdog = setInterval(() => {
      if (pinging) return; // the previous ping has not come back yet; systemd only needs one per period
      pinging = true;
      void send(['WATCHDOG=1']).finally(() => {
        pinging = false;
      });
    }, interval);
    watchdog.unref();
  };

  return {
    active,
    async ready(status) {
      const sent = await send(['READY=1', ...statusAssignment(status)]);
      if (active) startWatchdog();
      return sent;
    },
    status: (text) => send(statusAssignment(text)),
    stopping(status) {
      stopWatchdog();
      return send(['STOPPING=1', ...statusAssignment(status)]);
    },
    close: stopWatchdog,
  };
}

/** STATUS= carries one line: a newline would start a new assignment. */
function statusAssignment(text: string | undefined): string[] {
  return text === undefined ? [] : [`STATUS=${text.replace(/[\r\n]+/g, ' ')}`];
}
