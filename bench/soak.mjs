// npm run soak: the gateway daemon for SOAK_MINUTES (default 10) at SOAK_RATE (default 1,000) JSON readings a second
// from a socat pty, QoS 1, through a TCP proxy that is cut for SOAK_OUTAGE_SECONDS (default 10) every minute, and
// killed with SIGKILL every three minutes (then started again on the same queue). An application counts every
// sequence number. Prints lost (must be 0), duplicates, and the gateway's RSS over time.
//
// Before each SIGKILL the device pauses until the gateway has read and committed what it wrote: a kill loses at most
// the last commit window (≤ 50 ms) by design, and this measures the other promise: never the backlog. Readings a
// device writes while no process has the port open are lost in the pty itself, so the device waits for the restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  APP,
  BIN,
  children,
  freePort,
  LINES,
  ORG,
  rssMiB,
  sleep,
  start,
  startPlatform,
  startProxy,
  startSerialPair,
  stop,
  waitForStatus,
  writeGatewayConfig,
} from './harness.mjs';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 1000);
const OUTAGE_SECONDS = Number(process.env.SOAK_OUTAGE_SECONDS ?? 10);
const KILL_EVERY_MINUTES = 3;

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'wiotp-soak-'));
  const { url, port } = await startPlatform();
  const { gatewayPath, write } = await startSerialPair(workDir);
  const proxy = await startProxy(port);
  const httpPort = await freePort();
  const config = writeGatewayConfig(join(workDir, 'gateway.yaml'), {
    mqttPort: proxy.port,
    gatewayPath,
    format: 'json',
    httpPort,
    store: { path: join(workDir, 'state') },
  });

  const counts = new Map();
  let received = 0;
  const app = await mqtt.connectAsync(url, { clientId: `a:${ORG}:soak`, username: APP.key, password: APP.token });
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 1 });
  app.on('message', (_topic, payload) => {
    const { seq } = JSON.parse(payload.toString());
    if (seq < 0) return;
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
    received++;
  });

  let gateway;
  let written = 0;
  let writtenAtLaunch = 0;
  const launch = async () => {
    gateway = start([BIN, 'run', '--config', config]);
    await waitForStatus(httpPort, (s) => s.adapters.every((a) => a.channels.some((c) => c.state === 'online')));
    writtenAtLaunch = written;
    return { pid: gateway.pid, at: Date.now() };
  };
  let life = await launch();
  const lives = [life];
  const samples = [];
  let paused = false;

  const started = Date.now();
  const deadline = started + MINUTES * 60_000;
  let nextOutage = started + 60_000 - OUTAGE_SECONDS * 1000;
  let nextKill = started + KILL_EVERY_MINUTES * 60_000;
  let nextSample = started;
  const writeStarted = performance.now();
  while (Date.now() < deadline) {
    const now = Date.now();
    if (!paused) {
      const due = Math.floor(((performance.now() - writeStarted) / 1000) * RATE);
      let text = '';
      while (written < due) text += LINES.json(written++);
      if (text) await write(text);
    }
    if (now >= nextSample) {
      samples.push({ minute: (now - started) / 60_000, pid: life.pid, rssMiB: rssMiB(life.pid) });
      nextSample += 10_000;
    }
    if (now >= nextOutage) {
      proxy.cut();
      process.stderr.write(`${((now - started) / 60_000).toFixed(1)} min: outage for ${OUTAGE_SECONDS} s\n`);
      setTimeout(() => proxy.restore(), OUTAGE_SECONDS * 1000);
      nextOutage += 60_000;
    }
    if (now >= nextKill) {
      paused = true;
      await waitForStatus(httpPort, (s) => s.pipeline.frames >= written - writtenAtLaunch && s.queue.uncommitted === 0);
      await stop(gateway, 'SIGKILL');
      process.stderr.write(`${((Date.now() - started) / 60_000).toFixed(1)} min: SIGKILL\n`);
      life = await launch();
      lives.push(life);
      // The device kept its readings while it waited: they follow now, none skipped.
      paused = false;
      nextKill += KILL_EVERY_MINUTES * 60_000;
    }
    await sleep(5);
  }
  proxy.restore();
  const drained = Date.now();
  while (counts.size < written && Date.now() - drained < 120_000) await sleep(100);
  let lost = 0;
  for (let seq = 0; seq < written; seq++) if (!counts.has(seq)) lost++;
  const unexpected = [...counts.keys()].filter((seq) => !(seq >= 0 && seq < written)).length;
  const duplicates = received - counts.size;

  // RSS after each process's warm-up (its first 90 s: code compiled, heap sized): flat means within ±5% of its own mean.
  const spreads = lives.map((l) => {
    const settled = samples.filter((s) => s.pid === l.pid && s.minute * 60_000 + started - l.at >= 90_000).map((s) => s.rssMiB);
    if (settled.length < 2) return undefined;
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    return Math.max(...settled.map((v) => Math.abs(v - mean) / mean));
  });
  const lines = [
    `wiotp-gateway soak: ${MINUTES} min at ${RATE}/s, QoS 1, an outage of ${OUTAGE_SECONDS} s every minute, SIGKILL every ${KILL_EVERY_MINUTES} min`,
    '',
    `readings written ${written}, received ${counts.size} distinct (${received} in all)`,
    `lost ${lost} (must be 0), duplicates ${duplicates}, outages ${Math.floor(MINUTES)}, kills ${lives.length - 1}` +
      (unexpected ? `, ${unexpected} sequence number(s) never written (a line garbled on the pty?)` : ''),
    '',
    'RSS over time (MiB):',
    ...samples.map((s) => `  ${s.minute.toFixed(1).padStart(5)} min  pid ${s.pid}  ${s.rssMiB.toFixed(1)}`),
    '',
    `largest RSS deviation from its process's mean after its first 90 s: ${spreads
      .filter((s) => s !== undefined)
      .map((s) => `${(s * 100).toFixed(1)}%`)
      .join(', ')} (target ±5%)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await stop(gateway);
  await app.endAsync();
  proxy.close();
  if (lost !== 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`soak failed: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGKILL');
  process.exit();
}
