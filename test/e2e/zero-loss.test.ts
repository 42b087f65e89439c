import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddedPlatform } from '../../src/platform/platform.js';
import { FsyncRecorder } from '../support/fsync-recorder.js';
import { GatewayProcess } from '../support/gateway-process.js';
import { connectApplication, startPlatform } from '../support/platform.js';
import { type DeviceEnd, VirtualSerialPair } from '../support/socat.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

/**
 * Zero loss, measured from outside (issue: zero loss): the real platform, a JSON-lines device on a socat
 * pty writing numbered readings at QoS 1, the gateway daemon as a child process connected through a TCP
 * proxy the test cuts, and an application that counts every sequence number it receives.
 */
let platform: EmbeddedPlatform | undefined;
let proxy: TcpProxy | undefined;
let pair: VirtualSerialPair | undefined;
let device: DeviceEnd | undefined;
let app: MqttClient | undefined;
let recorder: FsyncRecorder | undefined;
/** What a failing disk answers an fsync. */
const EIO = 5;
const gateways: GatewayProcess[] = [];

afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.dispose();
  await device?.close();
  await pair?.stop();
  app?.end(true);
  await proxy?.close();
  await platform?.close();
  recorder?.dispose();
  platform = proxy = pair = device = app = recorder = undefined;
});

/** Everything an application received, by sequence number. */
class Arrivals {
  readonly counts = new Map<number, number>();
  total = 0;
  add(seq: number): void {
    this.counts.set(seq, (this.counts.get(seq) ?? 0) + 1);
    this.total++;
  }
  /** Sequence numbers in 0…count-1 that never arrived. */
  missing(count: number): number[] {
    return Array.from({ length: count }, (_, seq) => seq).filter((seq) => !this.counts.has(seq));
  }
  get duplicates(): number {
    return this.total - this.counts.size;
  }
}

/** `env`: added to the daemon's environment; `connection`: added to its connection config. */
async function setup(env?: Record<string, string>, connection?: Record<string, unknown>) {
  platform = await startPlatform();
  proxy = await TcpProxy.start(Number(platform.url().split(':').pop()));
  app = await connectApplication(platform.url());
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  const arrivals = new Arrivals();
  app.on('message', (_topic, payload) => arrivals.add((JSON.parse(payload.toString()) as { seq: number }).seq));
  pair = new VirtualSerialPair('zl');
  await pair.start();
  device = await pair.openDevice(115_200);
  const gateway = new GatewayProcess({
    mqttPort: proxy.port,
    adapters: [{ kind: 'serial', ports: [{ path: pair.gatewayPath, profile: 'json-sensor' }] }],
    env,
    connection,
  });
  gateways.push(gateway);
  let written = 0;
  /** The device writes `count` more readings, numbered on from the last. */
  const write = async (count: number) => {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(`{"id":"zl-1","seq":${written++}}\n`);
    // Chunks of a few hundred lines, as a busy UART delivers them.
    for (let i = 0; i < lines.length; i += 200) await device!.write(lines.slice(i, i + 200).join(''));
  };
  /** Waits until the gateway has read every reading written so far and has them on disk. */
  const readAndCommitted = (gw = gateway) =>
    gw.waitFor(
      (status) => status.pipeline.frames >= written - framesBefore(gw) && status.queue.uncommitted === 0,
      'every reading read and committed',
    );
  const framesBase = new Map<GatewayProcess, number>();
  const framesBefore = (gw: GatewayProcess) => framesBase.get(gw) ?? 0;
  /** Starts (or restarts) the daemon; counts only frames read from here on. */
  const start = async (gw = gateway) => {
    framesBase.set(gw, written);
    await gw.start();
  };
  return { arrivals, gateway, write, readAndCommitted, start, written: () => written };
}

describe('zero loss, with the gateway daemon as a child process', () => {
  it('loses nothing through network outages', async () => {
    const { arrivals, write, start, written } = await setup();
    await start();
    for (let outage = 0; outage < 3; outage++) {
      await write(200);
      proxy!.cut();
      await write(300);
      proxy!.restore();
    }
    await write(100);
    await until(() => arrivals.missing(written()).length === 0, 20_000, `all ${written()} readings at the application`);
    expect(arrivals.missing(written())).toEqual([]);
  });

  it('a connection that goes silent (a pulled cable: no FIN, no RST) is given up within 1.5 keepalives, and nothing read meanwhile is lost', async () => {
    const keepaliveSeconds = 5;
    const { arrivals, gateway, write, start, written } = await setup(undefined, { keepaliveSeconds });
    await start();
    await write(100);
    await until(() => arrivals.missing(written()).length === 0, 10_000, 'the first readings at the application');
    const connects = (await gateway.status()).session.connects;
    proxy!.stall();
    const stalledAt = Date.now();
    await write(300);
    // mqtt.js sends its PINGREQ after one keepalive without a PINGRESP and gives up half a keepalive later.
    await gateway.waitFor((status) => status.session.state !== 'online', 'the silent connection given up', 15_000);
    expect(Date.now() - stalledAt).toBeLessThan(keepaliveSeconds * 1500 + 2_000);
    expect((await gateway.status()).queue.uncommitted).toBe(0);
    proxy!.restore();
    await write(100);
    await until(() => arrivals.missing(written()).length === 0, 20_000, `all ${written()} readings at the application`);
    expect(arrivals.missing(written())).toEqual([]);
    expect((await gateway.status()).session.connects).toBeGreaterThan(connects);
  });

  it('SIGTERM while the service is unreachable: exits 0 within 10 s, and the next start sends what was read', async () => {
    const { arrivals, gateway, write, start, readAndCommitted, written } = await setup();
    proxy!.cut();
    await start();
    await write(400);
    await readAndCommitted();
    const stopped = await gateway.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(10_000);
    console.info(`SIGTERM offline: exited 0 in ${stopped.ms} ms with 400 queued`);
    expect(gateway.log).toMatch(/"queued":400/);
    proxy!.restore();
    await start();
    await until(() => arrivals.missing(written()).length === 0, 20_000, 'the 400 readings after the restart');
    expect(arrivals.missing(written())).toEqual([]);
  });

  it('loses nothing to repeated SIGKILLs, online and offline', async () => {
    const { arrivals, gateway, write, start, readAndCommitted, written } = await setup();
    await start();
    for (let kill = 0; kill < 4; kill++) {
      // Alternately with the service reachable (a window in flight) and cut off (a backlog on disk).
      if (kill % 2 === 1) proxy!.cut();
      await write(300);
      await readAndCommitted();
      const killed = await gateway.stop('SIGKILL');
      expect(killed.code).toBeNull();
      proxy!.restore();
      await start();
    }
    await write(100);
    await until(() => arrivals.missing(written()).length === 0, 20_000, `all ${written()} readings after 4 kills`);
    expect(arrivals.missing(written())).toEqual([]);
    console.info(`4 SIGKILLs: ${written()} readings, 0 lost, ${arrivals.duplicates} duplicates`);
  });

  it('queues a 50,000-event outage on disk with flat memory, and delivers all of it after', async () => {
    const { arrivals, gateway, write, start, readAndCommitted, written } = await setup();
    proxy!.cut();
    await start();
    // Warm-up: code paths compiled, the heap and SQLite's page cache at their working size.
    await write(20_000);
    await readAndCommitted();
    const before = (await gateway.status()).process.rssBytes;
    await write(50_000);
    const after = await readAndCommitted();
    const growthMiB = (after.process.rssBytes - before) / 1024 / 1024;
    expect(after.queue.depth).toBe(70_000);
    expect(growthMiB).toBeLessThanOrEqual(10);
    proxy!.restore();
    const drainStarted = Date.now();
    await until(() => arrivals.missing(written()).length === 0, 60_000, 'the 70,000 readings after the outage');
    expect(arrivals.missing(written())).toEqual([]);
    const drainMs = Date.now() - drainStarted;
    console.info(
      `50,000-event outage: RSS +${growthMiB.toFixed(1)} MiB, drained at ${Math.round(70_000 / (drainMs / 1000))}/s, duplicates ${arrivals.duplicates}`,
    );
  }, 120_000);

  it('a slow disk stalls nothing: every fsync of an outage and its drain is made off the event loop, and nothing is lost', async () => {
    // Each fsync takes 100 ms, as on a busy SD card: one on the event loop would hold serial reads and PUBACKs that long.
    recorder = new FsyncRecorder({ delayMs: 100 });
    const { arrivals, gateway, write, start, readAndCommitted, written } = await setup(recorder.env());
    proxy!.cut();
    await start();
    recorder.mark('outage');
    await write(20_000);
    await readAndCommitted();
    // The log outgrew its 4 MiB: it was copied into the database at least once (a checkpoint and its fsyncs).
    await gateway.waitFor((status) => status.queue.checkpoints >= 1, 'a checkpoint');
    proxy!.restore();
    await until(() => arrivals.missing(written()).length === 0, 60_000, 'the 20,000 readings after the outage');
    expect(arrivals.missing(written())).toEqual([]);
    recorder.mark('delivered');
    const syncs = recorder.between(gateway.child!.pid!, 'outage', 'delivered');
    expect(syncs.filter((sync) => sync.thread === 'main')).toEqual([]);
    const queueFile = syncs.filter((sync) => sync.path.endsWith('.sqlite'));
    const log = syncs.filter((sync) => sync.path.endsWith('.sqlite-wal'));
    expect(queueFile.length, 'the database synced after each checkpoint').toBeGreaterThanOrEqual(1);
    expect(log.length, 'the log flushed after commits').toBeGreaterThan(queueFile.length);
    console.info(
      `slow disk (100 ms per fsync): ${log.length} log flushes, ${queueFile.length} database syncs, all off the event loop`,
    );
  }, 120_000);

  it('a failing disk (every fsync answers EIO) is reported and counted; the gateway goes on and loses nothing while it runs', async () => {
    recorder = new FsyncRecorder({ failErrno: EIO, failLater: true });
    const { arrivals, gateway, write, start, readAndCommitted, written } = await setup(recorder.env());
    proxy!.cut();
    await start();
    expect((await gateway.status()).queue.durable).toBe(true);
    recorder.startFailing();
    // Enough for the log to outgrow its 4 MiB: the checkpoint's sync of the database fails too.
    await write(20_000);
    await readAndCommitted();
    const status = await gateway.waitFor((s) => s.queue.syncFailures >= 2, 'failed syncs counted');
    expect(status.queue.checkpoints).toBe(0);
    expect(gateway.log).toMatch(/cannot sync: the disk holding \S+ reported an I\/O error \(EIO\)/);
    expect(gateway.log).toMatch(/may not survive a power cut/);
    proxy!.restore();
    await until(() => arrivals.missing(written()).length === 0, 60_000, 'the 20,000 readings after the outage');
    expect(arrivals.missing(written())).toEqual([]);
    expect(gateway.child?.exitCode).toBeNull();
    const after = await gateway.status();
    expect(after.queue.syncFailures).toBeGreaterThan(status.queue.syncFailures);
    console.info(`failing disk: ${after.queue.syncFailures} failed syncs reported, ${written()} readings delivered`);
  }, 120_000);

  it('a disk that fails at start: the queue says so, naming the file and the error, and runs in memory', async () => {
    recorder = new FsyncRecorder({ failErrno: EIO });
    const { arrivals, gateway, write, start, written } = await setup(recorder.env());
    await start();
    expect((await gateway.status()).queue.durable).toBe(false);
    expect(gateway.log).toMatch(
      /the disk holding \S+ reported an I\/O error \(SQLITE_IOERR\w*\): it may be failing; queueing in memory/,
    );
    await write(100);
    await until(() => arrivals.missing(written()).length === 0, 20_000, 'the 100 readings');
  });
});
