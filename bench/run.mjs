// npm run bench: the gateway against a hand-written baseline and the broker's ceiling, on the same
// platform and the same socat pty, in one run. Prints figures and ratios; writes .bench/results.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, process.env.BENCH_BIN ?? 'bin/wiotp-gateway.js');
const ORG = 'bench1';
const GW = { type: 'bench-gw', id: 'gw1', token: 'bench-token' };
const APP = { key: 'a-bench1-key', token: 'bench-app-token' };
const QOS = 1;
const SATURATION_EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const STEADY_RATE = 1000;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLK_TCK = 100;
// BENCH_PROFILE=dir writes V8 CPU profiles of the gateway runs there.
const PROFILE_FLAGS = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const children = new Set();

function start(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, ...options });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stderrText = () => stderr;
  return child;
}

function waitForLine(child, pattern, ms = 15_000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} from child within ${ms} ms: ${child.stderrText()}`)), ms);
    child.stdout.on('data', function onData(chunk) {
      buffer += chunk;
      const match = buffer.split('\n').find((line) => pattern.test(line));
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match);
      }
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMiB(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) / 1024;
}

function nmeaChecksum(body) {
  let sum = 0;
  for (let i = 1; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

const LINES = {
  json: (seq) => `{"id":"bench-1","seq":${seq},"temperature":21.5,"humidity":40.2}\n`,
  nmea: (seq) => {
    const body = `$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,${seq}.0,M,46.9,M,,`;
    return `${body}*${nmeaChecksum(body)}\r\n`;
  },
};

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) throw new Error('run `npm run build` first');
  const workDir = mkdtempSync(join(tmpdir(), 'wiotp-bench-'));
  const platform = start([
    BIN,
    'platform',
    '--org',
    ORG,
    '--port',
    '0',
    '--gateway',
    `${GW.type}:${GW.id}:${GW.token}`,
    '--app',
    `${APP.key}:${APP.token}`,
    '--log-level',
    'error',
  ]);
  const url = (await waitForLine(platform, /^listening on mqtt:/)).replace('listening on ', '').trim();
  const port = Number(url.split(':').pop());

  const gatewayPath = join(workDir, 'tty-gw');
  const devicePath = join(workDir, 'tty-dev');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${gatewayPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: 'ignore' });
  children.add(socat);
  for (let i = 0; i < 100 && !(existsSync(gatewayPath) && existsSync(devicePath)); i++) await sleep(50);
  const device = new SerialPort({ path: devicePath, baudRate: 115200 });
  await new Promise((resolve, reject) => device.once('open', resolve).once('error', reject));
  const write = (text) => new Promise((resolve) => (device.write(text) ? resolve() : device.once('drain', resolve)));

  const app = await mqtt.connectAsync(url, { clientId: `a:${ORG}:bench`, username: APP.key, password: APP.token });
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 0 });
  let run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
  app.on('message', (_topic, payload) => {
    const at = now();
    const reading = JSON.parse(payload.toString());
    const seq = reading.seq ?? reading.altitude;
    if (seq === undefined || seq < 0) return run.onMessage?.();
    const sentAt = reading.ts ?? run.sendTimes[seq];
    if (sentAt !== undefined) run.latencies.push(at - sentAt);
    run.received++;
    run.last = at;
    run.onMessage?.();
  });

  const configFor = (format) => {
    const file = join(workDir, `gateway-${format}.yaml`);
    writeFileSync(
      file,
      [
        `org: ${ORG}`,
        `gateway: { typeId: ${GW.type}, deviceId: ${GW.id} }`,
        `auth: { token: ${GW.token} }`,
        `connection: { transport: tcp, host: 127.0.0.1, port: ${port} }`,
        `publish: { qos: ${QOS} }`,
        `adapters: [{ kind: serial, ports: [{ path: ${gatewayPath}, profile: ${format === 'json' ? 'json-sensor' : 'nmea-gps'}, baudRate: 115200 }] }]`,
        'log: { level: error }',
      ].join('\n'),
    );
    return file;
  };

  const gatewaySystem = (format) => ({ format, args: () => [...PROFILE_FLAGS, BIN, 'run', '--config', configFor(format)] });
  const baselineSystem = (format) => ({
    format,
    args: () => [
      ...PROFILE_FLAGS,
      join(ROOT, 'bench/baseline.mjs'),
      format,
      gatewayPath,
      url,
      ORG,
      GW.type,
      GW.id,
      GW.token,
      String(QOS),
    ],
  });
  const systems = {
    'gateway-json': gatewaySystem('json'),
    'baseline-json': baselineSystem('json'),
    'gateway-nmea': gatewaySystem('nmea'),
    'baseline-nmea': baselineSystem('nmea'),
  };

  async function ready(child, format) {
    // Warm-up lines (seq -1) until one comes through: the system is connected and its port open.
    let seen = false;
    run = { ...run, onMessage: () => (seen = true) };
    for (let i = 0; i < 200 && !seen; i++) {
      await write(LINES[format](-1));
      await sleep(50);
    }
    if (!seen) throw new Error(`system did not come up: ${child.stderrText()}`);
    // The gateway holds a new device's later events until its registration is confirmed (1 s window);
    // measure the steady state, as the baseline (which ignores registration) is measured.
    await sleep(1500);
  }

  async function measureSerial(child, format) {
    const rss = rssMiB(child.pid);
    // Saturation: write everything as fast as the pty takes it.
    run = { received: 0, latencies: [], sendTimes: [], first: now(), last: 0, onMessage: null };
    const done = new Promise((resolve) => (run.onMessage = () => run.received >= SATURATION_EVENTS && resolve()));
    const cpu0 = cpuSeconds(child.pid);
    const t0 = now();
    run.first = t0;
    const chunk = 200;
    for (let seq = 0; seq < SATURATION_EVENTS; seq += chunk) {
      let text = '';
      for (let i = seq; i < Math.min(seq + chunk, SATURATION_EVENTS); i++) {
        run.sendTimes[i] = now();
        text += LINES[format](i);
      }
      await write(text);
    }
    await Promise.race([done, sleep(60_000)]);
    const saturation = {
      events: run.received,
      rate: run.received / ((run.last - t0) / 1000),
      cpuUsPerEvent: ((cpuSeconds(child.pid) - cpu0) * 1e6) / run.received,
    };
    await sleep(500);
    // Steady 1000 events/s: latency from the device's write to the application's receipt.
    run = { received: 0, latencies: [], sendTimes: [], first: now(), last: 0, onMessage: null };
    const total = STEADY_RATE * STEADY_SECONDS;
    const start = now();
    let seq = 0;
    while (seq < total) {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * STEADY_RATE) + 1);
      let text = '';
      while (seq < due) {
        run.sendTimes[seq] = now();
        text += LINES[format](seq++);
      }
      if (text) await write(text);
      await sleep(1);
    }
    await Promise.race([new Promise((resolve) => (run.onMessage = () => run.received >= total && resolve())), sleep(10_000)]);
    const sorted = run.latencies.sort((a, b) => a - b);
    return {
      rssMiB: rss,
      ...saturation,
      steady: { events: run.received, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) },
    };
  }

  async function measureCeiling() {
    const args = (mode) => [join(ROOT, 'bench/bare-publisher.mjs'), url, ORG, GW.type, GW.id, GW.token, String(QOS), ...mode];
    let child = start(args(['saturate', String(SATURATION_EVENTS)]));
    await waitForLine(child, /^ready$/);
    const rss = rssMiB(child.pid);
    run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
    let done = new Promise((resolve) => (run.onMessage = () => run.received >= SATURATION_EVENTS && resolve()));
    const cpu0 = cpuSeconds(child.pid);
    const t0 = now();
    child.stdin.write('go\n');
    await Promise.race([done, sleep(60_000)]);
    const saturation = {
      events: run.received,
      rate: run.received / ((run.last - t0) / 1000),
      cpuUsPerEvent: ((cpuSeconds(child.pid) - cpu0) * 1e6) / run.received,
    };
    await stop(child);
    child = start(args(['steady', String(STEADY_RATE), String(STEADY_SECONDS)]));
    await waitForLine(child, /^ready$/);
    run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
    const total = STEADY_RATE * STEADY_SECONDS;
    done = new Promise((resolve) => (run.onMessage = () => run.received >= total && resolve()));
    child.stdin.write('go\n');
    await Promise.race([done, sleep(STEADY_SECONDS * 1000 + 10_000)]);
    await stop(child);
    const sorted = run.latencies.sort((a, b) => a - b);
    return {
      rssMiB: rss,
      ...saturation,
      steady: { events: run.received, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) },
    };
  }

  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, system] of Object.entries(systems)) {
      const child = start(system.args());
      await ready(child, system.format);
      results[name] = [...(results[name] ?? []), await measureSerial(child, system.format)];
      await stop(child);
      process.stderr.write(`round ${round + 1}/${ROUNDS} ${name} done\n`);
    }
    results.ceiling = [...(results.ceiling ?? []), await measureCeiling()];
    process.stderr.write(`round ${round + 1}/${ROUNDS} ceiling done\n`);
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = {};
  for (const [name, runs] of Object.entries(results)) {
    summary[name] = {
      rate: median(runs.map((r) => r.rate)),
      cpuUsPerEvent: median(runs.map((r) => r.cpuUsPerEvent)),
      p50Ms: median(runs.map((r) => r.steady.p50Ms)),
      p99Ms: median(runs.map((r) => r.steady.p99Ms)),
      rssMiB: median(runs.map((r) => r.rssMiB)),
      lost: runs
        .map((r) => SATURATION_EVENTS - r.events + STEADY_RATE * STEADY_SECONDS - r.steady.events)
        .reduce((a, b) => a + b, 0),
    };
  }
  const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines = [
    `wiotp-gateway benchmark: ${SATURATION_EVENTS} events at saturation, ${STEADY_RATE}/s for ${STEADY_SECONDS} s, QoS ${QOS}, median of ${ROUNDS} rounds`,
    '',
    '| system | events/s at saturation | CPU µs/event | p50 ms @1000/s | p99 ms @1000/s | RSS at start MiB | lost |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(summary).map(
      ([name, s]) =>
        `| ${name} | ${fmt(s.rate, 0)} | ${fmt(s.cpuUsPerEvent, 0)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.rssMiB)} | ${s.lost} |`,
    ),
    '',
    '| ratio (gateway / baseline) | saturation rate (target ≥ 0.95) | CPU per event (target ≤ 1.3) | p99 (target ≤ 1.0) | RSS at start (target ≤ 1.2) |',
    '|---|---|---|---|---|',
  ];
  for (const format of ['json', 'nmea']) {
    const g = summary[`gateway-${format}`];
    const b = summary[`baseline-${format}`];
    lines.push(
      `| ${format} | ${fmt(g.rate / b.rate, 2)} | ${fmt(g.cpuUsPerEvent / b.cpuUsPerEvent, 2)} | ${fmt(g.p99Ms / b.p99Ms, 2)} | ${fmt(g.rssMiB / b.rssMiB, 2)} |`,
    );
  }
  const c = summary.ceiling;
  lines.push(
    '',
    `broker ceiling (bare mqtt.js publisher): ${fmt(c.rate, 0)} events/s; gateway-json reaches ${fmt(summary['gateway-json'].rate / c.rate, 2)} of it`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench/results.json'), JSON.stringify({ at: new Date().toISOString(), summary, results }, null, 2));

  await app.endAsync();
  device.close();
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill('SIGKILL');
}
