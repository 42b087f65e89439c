// What the benchmark and the soak share: child processes measured from /proc, the platform, a socat pty with
// the test's device end, a TCP proxy to cut the network, gateway configs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, process.env.BENCH_BIN ?? 'bin/wiotp-gateway.js');
export const ORG = 'bench1';
export const GW = { type: 'bench-gw', id: 'gw1', token: 'bench-token' };
/** A second gateway identity, for two systems connected at once (the side-by-side phase). */
export const GW2 = { type: 'bench-gw', id: 'gw2', token: 'bench-token-2' };
export const APP = { key: 'a-bench1-key', token: 'bench-app-token' };
const CLK_TCK = 100;

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const children = new Set();

/** A node child process whose stderr is kept for error messages. */
export function start(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT, ...options });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  child.stderrText = () => stderr;
  return child;
}

export function waitForLine(child, pattern, ms = 15_000) {
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

export function stop(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 12_000).unref();
  });
}

export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU time of every thread of a process, in seconds with nanosecond resolution (scheduler statistics). */
export function cpuSecondsPrecise(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

export function rssMiB(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) / 1024;
}

function nmeaChecksum(body) {
  let sum = 0;
  for (let i = 1; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** The device's lines, numbered. */
export const LINES = {
  json: (seq, id = 'bench-1') => `{"id":"${id}","seq":${seq},"temperature":21.5,"humidity":40.2}\n`,
  nmea: (seq) => {
    const body = `$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,${seq}.0,M,46.9,M,,`;
    return `${body}*${nmeaChecksum(body)}\r\n`;
  },
};

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A free loopback port. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The embedded platform as its own process; resolves with its URL and port. */
export async function startPlatform(extraArgs = []) {
  const platform = start([
    BIN,
    'platform',
    '--org',
    ORG,
    '--port',
    '0',
    '--gateway',
    `${GW.type}:${GW.id}:${GW.token}`,
    '--gateway',
    `${GW2.type}:${GW2.id}:${GW2.token}`,
    '--app',
    `${APP.key}:${APP.token}`,
    '--log-level',
    'error',
    ...extraArgs,
  ]);
  const url = (await waitForLine(platform, /^listening on mqtt:/)).replace('listening on ', '').trim();
  return { platform, url, port: Number(url.split(':').pop()) };
}

/** A redis-server on a free loopback port, in memory, its folder in `workDir`; resolves with its process and URL. */
export async function startRedis(workDir) {
  const port = await freePort();
  const dir = mkdtempSync(join(workDir, 'redis-'));
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(redis);
  redis.stderrText = () => '(its output is on stderr above)';
  await waitForLine(redis, /Ready to accept connections/);
  return { redis, url: `redis://127.0.0.1:${port}` };
}

/** A socat pty pair; the device end opened with serialport. */
export async function startSerialPair(workDir) {
  const gatewayPath = join(workDir, 'tty-gw');
  const devicePath = join(workDir, 'tty-dev');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${gatewayPath}`, `pty,raw,echo=0,link=${devicePath}`], { stdio: 'ignore' });
  children.add(socat);
  for (let i = 0; i < 100 && !(existsSync(gatewayPath) && existsSync(devicePath)); i++) await sleep(50);
  const device = new SerialPort({ path: devicePath, baudRate: 115200 });
  await new Promise((resolve, reject) => device.once('open', resolve).once('error', reject));
  const write = (text) => new Promise((resolve) => (device.write(text) ? resolve() : device.once('drain', resolve)));
  return { gatewayPath, device, write };
}

/** A TCP proxy on loopback the harness cuts (every connection dropped, new ones refused) and restores. */
export async function startProxy(targetPort) {
  const sockets = new Set();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      cut = false;
    },
    close() {
      this.cut();
      server.close();
    },
  };
}

/** Writes a gateway config for one serial port and returns its path. */
export function writeGatewayConfig(
  file,
  { mqttPort, gatewayPath, format, httpPort, store = {}, extra = [], gateway = GW, deviceId },
) {
  writeFileSync(
    file,
    [
      `org: ${ORG}`,
      `gateway: { typeId: ${gateway.type}, deviceId: ${gateway.id} }`,
      `auth: { token: ${gateway.token} }`,
      `connection: { transport: tcp, host: 127.0.0.1, port: ${mqttPort}, reconnect: { initialMs: 100, maxMs: 1000 } }`,
      'publish: { qos: 1 }',
      `store: ${JSON.stringify(store)}`,
      `http: ${httpPort ? `{ listen: "127.0.0.1:${httpPort}" }` : 'false'}`,
      `adapters: [{ kind: serial, ports: [{ path: ${gatewayPath}, profile: ${format === 'json' ? 'json-sensor' : 'nmea-gps'}, baudRate: 115200${deviceId ? `, deviceId: ${deviceId}` : ''} }] }]`,
      'log: { level: error }',
      // The benchmark's 500 devices come from one port: let it name them, and register them quickly. And it measures
      // the steady state: a new device's delivered events are kept on disk for its first minute (settleMs), which
      // would make every run measure a first minute; a second suffices here.
      'devices: { newIdsPerChannelPerMinute: 100000 }',
      'admission: { confirmWindowMs: 100, settleMs: 1000 }',
      ...extra,
    ].join('\n'),
  );
  return file;
}

/** GET a gateway's /api/status. */
export async function gatewayStatus(httpPort) {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/status`);
  return response.json();
}

/** Polls a gateway's status until `condition` holds. */
export async function waitForStatus(httpPort, condition, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await gatewayStatus(httpPort).catch(() => undefined);
    if (status && condition(status)) return status;
    if (Date.now() > deadline) throw new Error(`gateway status condition not met within ${ms} ms`);
    await sleep(50);
  }
}

/** A client of a gateway's live stream (what the web console reads), counting what it gets; close() ends it. */
export async function openLiveStream(httpPort) {
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/live`, { signal: abort.signal });
  if (!response.ok) throw new Error(`/api/live answered ${response.status}`);
  const client = { bytes: 0, batches: 0, close: () => abort.abort() };
  const { EventStreamParser } = await import('../dist/src/cli/event-stream.js');
  const parser = new EventStreamParser();
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of response.body) {
      client.bytes += chunk.length;
      // Parsed as the browser does: every batch is JSON the page applies.
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        JSON.parse(event.data);
        if (event.event === 'batch') client.batches++;
      }
    }
  })().catch(() => undefined);
  return client;
}
