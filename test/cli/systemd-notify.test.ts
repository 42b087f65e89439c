import { afterEach, describe, expect, it } from 'vitest';
import { createServiceNotifier, type ServiceNotifier, watchdogPingIntervalMs } from '../../src/cli/systemd-notify.js';
import { capturingLogger } from '../support/logger.js';
import { NotifySocket } from '../support/notify-socket.js';
import { until } from '../support/wait.js';

let socket: NotifySocket | undefined;
let notifier: ServiceNotifier | undefined;
afterEach(async () => {
  notifier?.close();
  notifier = undefined;
  await socket?.stop();
  socket = undefined;
});

async function underSystemd(extraEnv: NodeJS.ProcessEnv = {}) {
  socket = new NotifySocket();
  await socket.start();
  const { lines, logger } = capturingLogger();
  notifier = createServiceNotifier({ logger, env: { ...process.env, NOTIFY_SOCKET: socket.path, ...extraEnv } });
  return { socket, notifier, lines };
}

describe('watchdog ping interval', () => {
  it.each([
    { name: 'half of WatchdogSec=30', env: { WATCHDOG_USEC: '30000000' }, expected: 15_000 },
    { name: 'for this process by WATCHDOG_PID', env: { WATCHDOG_USEC: '2000000', WATCHDOG_PID: '4242' }, expected: 1000 },
    { name: 'none for another process', env: { WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' }, expected: undefined },
    { name: 'none without WatchdogSec', env: {}, expected: undefined },
    { name: 'none for WatchdogSec=0', env: { WATCHDOG_USEC: '0' }, expected: undefined },
    { name: 'none for a value that is not a number', env: { WATCHDOG_USEC: '30s' }, expected: undefined },
  ])('$name', ({ env, expected }) => {
    expect(watchdogPingIntervalMs(env, 4242)).toBe(expected);
  });
});

describe('systemd notifications through systemd-notify', () => {
  it('does nothing outside systemd', async () => {
    const { lines, logger } = capturingLogger();
    notifier = createServiceNotifier({ logger, env: { PATH: process.env.PATH } });
    expect(notifier.active).toBe(false);
    expect(await notifier.ready('online')).toBe(false);
    expect(lines).toEqual([]);
  });

  it('tells the service manager it is ready, with a one-line status', async () => {
    const { socket, notifier } = await underSystemd();
    expect(notifier.active).toBe(true);
    expect(await notifier.ready('online: 2 adapters\nsession up')).toBe(true);
    expect(socket.messages).toContain('READY=1\nSTATUS=online: 2 adapters session up');
  });

  it('pings the watchdog after READY, every half period, and says STOPPING=1 on the way out', async () => {
    const { socket, notifier } = await underSystemd({ WATCHDOG_USEC: '400000' });
    await notifier.ready();
    await until(() => socket.count('WATCHDOG=1') >= 2, 5000, 'two watchdog pings');
    expect(await notifier.stopping('closing adapters')).toBe(true);
    expect(socket.messages).toContain('STOPPING=1\nSTATUS=closing adapters');
  });

  it('logs once, naming the cause, when the service manager cannot be reached', async () => {
    const { lines, logger } = capturingLogger();
    notifier = createServiceNotifier({ logger, env: { ...process.env, NOTIFY_SOCKET: '/nonexistent/notify.sock' } });
    expect(await notifier.ready()).toBe(false);
    expect(await notifier.status('still trying')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toMatch(/^cannot notify systemd \(.*No such file or directory\): a Type=notify unit/);
  });

  it('says so when systemd-notify is not installed', async () => {
    const { lines, logger } = capturingLogger();
    notifier = createServiceNotifier({
      logger,
      env: { NOTIFY_SOCKET: '/run/systemd/notify' },
      command: '/nonexistent/systemd-notify',
    });
    expect(await notifier.ready()).toBe(false);
    expect(JSON.parse(lines[0]!).msg).toMatch(/^cannot notify systemd \(\/nonexistent\/systemd-notify is not installed\)/);
  });
});
