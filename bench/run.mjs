// npm run bench: the gateway against a hand-written baseline and the broker's ceiling, on the same
// platform and the same socat pty, in one run. Prints figures and ratios; writes .bench/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  APP,
  BIN,
  children,
  cpuSeconds,
  cpuSecondsPrecise,
  freePort,
  GW,
  GW2,
  LINES,
  median,
  now,
  ORG,
  openLiveStream,
  percentile,
  ROOT,
  rssMiB,
  sleep,
  start,
  startPlatform,
  startProxy,
  startRedis,
  startSerialPair,
  stop,
  waitForLine,
  waitForStatus,
  writeGatewayConfig,
} from './harness.mjs';

const QOS = 1;
const SATURATION_EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
// Lines in each burst of the store on / off phase (see measureStoreOnOff).
const STORE_BURST_EVENTS = Number(process.env.BENCH_STORE_EVENTS ?? 100_000);
const STEADY_RATE = 1000;
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OUTAGE_EVENTS = Number(process.env.BENCH_OUTAGE_EVENTS ?? 50_000);
const CONSOLE_SECONDS = Number(process.env.BENCH_CONSOLE_SECONDS ?? 8);
const CONSOLE_ROUNDS = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 4);
// Seconds after a browser joins that the console's phase measures apart (what joining costs once).
const CONSOLE_JOIN_SECONDS = Number(process.env.BENCH_CONSOLE_JOIN_SECONDS ?? 3);
const SLOW_RATE = 100;
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 10);
// Rounds of the gateway and the baseline at 100 lines/s side by side (each system on either pty and identity in turn).
const SIDE_BY_SIDE_ROUNDS = Number(process.env.BENCH_SIDE_BY_SIDE_ROUNDS ?? 6);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const IDLE_SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 30);
// Rounds of the cluster phase (each: the one platform and the cluster, in turn).
const CLUSTER_ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 4);
const MANY_DEVICES = 500;
const MANY_RATE = 5000;
const MANY_SECONDS = Number(process.env.BENCH_MANY_SECONDS ?? 10);
// RSS after this many minutes at 1000 events/s (0 skips the phase).
const LONG_MINUTES = Number(process.env.BENCH_LONG_MINUTES ?? 10);
// BENCH_ONLY=console runs only the web console's phase; BENCH_ONLY=side-by-side only the side-by-side ones (gateway and
// baseline at 100 and 1000 lines/s and at saturation, NMEA at saturation, store on and off); BENCH_ONLY=nmea and
// BENCH_ONLY=store only NMEA's and the store's; BENCH_ONLY=cluster only the platform clustered on Redis against one.
const ONLY = process.env.BENCH_ONLY;
// BENCH_PROFILE=dir writes V8 CPU profiles of the gateway and baseline runs there.
const PROFILE_FLAGS = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
// BENCH_NODE_FLAGS="--flag …" adds Node/V8 flags to every gateway process (for trying one out), not the baseline's.
const GATEWAY_NODE_FLAGS = [...PROFILE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];

/** A figure with `d` decimals, or n/a. */
const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) throw new Error('run `npm run build` first');
  // Found missing now, not after the 50 minutes of phases before the one that needs it.
  for (const [program, version] of [
    ['socat', '-V'],
    ['redis-server', '--version'],
  ]) {
    if (spawnSync(program, [version], { stdio: 'ignore' }).error) {
      throw new Error(`the bench needs ${program}: \`bash scripts/ensure-test-tools.sh\` installs it (npm run bench runs it)`);
    }
  }
  const workDir = mkdtempSync(join(tmpdir(), 'wiotp-bench-'));
  const { platform, url, port } = await startPlatform();
  const { gatewayPath, device, write } = await startSerialPair(workDir);

  const app = await mqtt.connectAsync(url, { clientId: `a:${ORG}:bench`, username: APP.key, password: APP.token });
  await app.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 0 });
  let run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
  /** Events received per device of the side-by-side phase (its devices are named side-…). */
  const sideCounts = new Map();
  /** While the side-by-side phase measures latency: per device, when each line (by seq) was written, and the latencies. */
  const sideLatency = new Map();
  const onEvent = (topic, payload) => {
    if (topic.includes('/id/side-')) {
      const id = topic.split('/')[4];
      sideCounts.set(id, (sideCounts.get(id) ?? 0) + 1);
      const measured = sideLatency.get(id);
      if (measured) {
        const at = now();
        const sentAt = measured.sentAt.get(JSON.parse(payload.toString()).seq);
        if (sentAt !== undefined) measured.latencies.push(at - sentAt);
      }
      return;
    }
    const at = now();
    const reading = JSON.parse(payload.toString());
    const seq = reading.seq ?? reading.altitude;
    if (seq === undefined || seq < 0) return run.onMessage?.();
    // The bare publisher stamps its send time (a number); the gateway's ts is the read time as text.
    const sentAt = typeof reading.ts === 'number' ? reading.ts : run.sendTimes[seq];
    if (sentAt !== undefined) {
      run.latencies.push(at - sentAt);
      if (run.worstMs === undefined || at - sentAt > run.worstMs) Object.assign(run, { worstMs: at - sentAt, worstSeq: seq });
    }
    run.received++;
    run.last = at;
    run.onMessage?.();
  };
  app.on('message', onEvent);

  const configFor = (format, store = {}, httpPort = undefined) =>
    writeGatewayConfig(join(workDir, `gateway-${format}-${store.enabled === false ? 'memory' : 'disk'}.yaml`), {
      mqttPort: port,
      gatewayPath,
      format,
      httpPort,
      // Every run starts with an empty queue of its own.
      store: { path: mkdtempSync(join(workDir, 'state-')), ...store },
    });

  // Measured one at a time with its HTTP server on, as deployed (the default), on a port taken before each start.
  const gatewaySystem = (format, store) => ({
    format,
    httpPort: undefined,
    async prepare() {
      this.httpPort = await freePort();
    },
    args() {
      return [...GATEWAY_NODE_FLAGS, BIN, 'run', '--config', configFor(format, store, this.httpPort)];
    },
  });
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
    // The store off: the same queue in memory (lost on a crash), to see what durability costs.
    'gateway-json-memory': gatewaySystem('json', { enabled: false }),
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

  async function measureSerial(child, format, name, round, httpPort = undefined) {
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
    const steady = await steadyRun(format, STEADY_SECONDS, child);
    const slow = await steadyRun(format, SLOW_SECONDS, child, SLOW_RATE);
    // A device never seen before, at 1000 events/s for its first second: its worst latency.
    const firstSecond =
      format === 'json' ? await steadyRun(format, 1, child, STEADY_RATE, () => `new-${round}-${name}`) : undefined;
    const idle = format === 'json' ? await idleCpu(child, httpPort) : undefined;
    return {
      rssMiB: rss,
      ...saturation,
      steady,
      slow,
      firstSecondMaxMs: firstSecond?.maxMs,
      firstSecondWorstAtMs: firstSecond?.worstAtMs,
      idleCorePercent: idle,
    };
  }

  /**
   * `rate` events/s for `seconds`: latency from the device's write to the application's receipt, and the
   * system's CPU per event when `child` is given. `idOf(seq)` names the device of each line (JSON).
   */
  async function steadyRun(format, seconds = STEADY_SECONDS, child = undefined, rate = STEADY_RATE, idOf = undefined) {
    run = { received: 0, latencies: [], sendTimes: [], first: now(), last: 0, onMessage: null };
    const total = Math.round(rate * seconds);
    const cpu0 = child ? cpuSeconds(child.pid) : 0;
    const start = now();
    let seq = 0;
    while (seq < total) {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate) + 1);
      let text = '';
      while (seq < due) {
        run.sendTimes[seq] = now();
        text += format === 'json' && idOf ? LINES.json(seq, idOf(seq)) : LINES[format](seq);
        seq++;
      }
      if (text) await write(text);
      await sleep(1);
    }
    await Promise.race([new Promise((resolve) => (run.onMessage = () => run.received >= total && resolve())), sleep(10_000)]);
    const sorted = run.latencies.sort((a, b) => a - b);
    return {
      events: run.received,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1),
      // When in the run the worst line was written (ms from the start): a stall's place, for the first second.
      worstAtMs: run.worstSeq === undefined ? undefined : run.sendTimes[run.worstSeq] - start,
      ...(child ? { cpuUsPerEvent: ((cpuSeconds(child.pid) - cpu0) * 1e6) / Math.max(1, run.received) } : {}),
    };
  }

  /**
   * Ten devices say one thing each, then nothing: the share of one core the system uses over IDLE_SECONDS once it
   * has been quiet for IDLE_SETTLE_SECONDS (scheduler nanoseconds: the kernel's 10-ms ticks are 0.1% of a core over 10 s). A gateway with its HTTP server on
   * is scraped first, as Prometheus does in the field (prom-client's default sampler once woke it 100 times a second
   * from the first scrape on).
   */
  async function idleCpu(child, httpPort) {
    await steadyRun('json', 0.1, undefined, 100, (seq) => `quiet-${seq}`);
    const scrape = async () => httpPort && (await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text());
    await scrape();
    // V8's memory reducer gives back what the busy phases grew, with up to three full collections some seconds after
    // the load stops (~100 ms of CPU, once): the steady state is what idles for hours.
    await sleep(IDLE_SETTLE_SECONDS * 1000);
    await scrape();
    const cpu0 = cpuSecondsPrecise(child.pid);
    await sleep(IDLE_SECONDS * 1000);
    return ((cpuSecondsPrecise(child.pid) - cpu0) / IDLE_SECONDS) * 100;
  }

  /** 500 devices at 5,000 events/s in all, after each has said its first word (and registered). */
  async function manyDevices(child) {
    const id = (seq) => `dev-${seq % MANY_DEVICES}`;
    await steadyRun('json', MANY_DEVICES / 1000, undefined, 1000, id);
    await sleep(1000);
    const result = await steadyRun('json', MANY_SECONDS, child, MANY_RATE, id);
    return { ...result, rssMiB: rssMiB(child.pid) };
  }

  /** RSS at start and after LONG_MINUTES at 1000 events/s. */
  async function longRss(system) {
    await system.prepare?.();
    const child = start(system.args());
    await ready(child, system.format);
    const atStart = rssMiB(child.pid);
    await steadyRun(system.format, LONG_MINUTES * 60, child);
    const after = rssMiB(child.pid);
    await stop(child);
    return { atStart, after };
  }

  /**
   * What the web console costs: two gateways with the HTTP server on, side by side at 1000 lines/s each (their lines
   * half a period apart), one of them with a client reading the live stream as a browser does (every batch parsed);
   * CPU per event of the watched one over the unwatched one's. Each round measures twice, each gateway watched in
   * turn, and takes the geometric mean of the two ratios, so that a difference between the two processes (a pty, an
   * identity, what the JIT did) cancels out (A/A: 0.96–1.03 a round). The first seconds after a browser joins are
   * measured apart: they pay once for code run for the first time (the request, the tap's paths, the pipeline's hot
   * code optimised again with a tap set): ~1.4 over those 3 s against ~1.1 after them (2026-12-04). One gateway
   * watched and then not, seconds apart, moved 0.55–2.06 within an hour with the VM's speed.
   */
  async function measureConsole() {
    const { paced, cpuPerLine, runRounds, httpPorts } = await sideBySideKit();
    let stream = { bytes: 0, batches: 0, seconds: 0 };
    const pairedRatio = (measured, watched) => measured.us[watched] / measured.us[1 - watched];
    const rounds = await runRounds(['gateway-http', 'gateway-http'], CONSOLE_ROUNDS, 'console', async (procs) => {
      // Warm-up at the measured rate: code compiled, the heap at its working size.
      await paced(STEADY_RATE, 2);
      const ratios = [];
      const joiningRatios = [];
      const us = { with: [], without: [] };
      for (const watched of [0, 1]) {
        const client = await openLiveStream(httpPorts[watched]);
        const joining = await cpuPerLine(procs, () => paced(STEADY_RATE, CONSOLE_JOIN_SECONDS));
        const before = { bytes: client.bytes, batches: client.batches, at: now() };
        const measured = await cpuPerLine(procs, () => paced(STEADY_RATE, CONSOLE_SECONDS));
        stream = {
          bytes: stream.bytes + client.bytes - before.bytes,
          batches: stream.batches + client.batches - before.batches,
          seconds: stream.seconds + (now() - before.at) / 1000,
        };
        client.close();
        us.with.push(measured.us[watched]);
        us.without.push(measured.us[1 - watched]);
        ratios.push(pairedRatio(measured, watched));
        joiningRatios.push(pairedRatio(joining, watched));
      }
      return {
        withUs: median(us.with),
        withoutUs: median(us.without),
        ratio: Math.sqrt(ratios[0] * ratios[1]),
        joiningRatio: Math.sqrt(joiningRatios[0] * joiningRatios[1]),
      };
    });
    if (process.env.BENCH_DEBUG) process.stderr.write(`console rounds: ${JSON.stringify(rounds)}\n`);
    const ratios = rounds.map((round) => round.ratio);
    return {
      withoutUs: median(rounds.map((round) => round.withoutUs)),
      withUs: median(rounds.map((round) => round.withUs)),
      ratio: median(ratios),
      ratios,
      joiningRatio: median(rounds.map((round) => round.joiningRatio)),
      batchesPerSecond: stream.batches / stream.seconds,
      kBPerSecond: stream.bytes / 1024 / stream.seconds,
    };
  }

  /**
   * The bare publisher into the broker at `target` (the platform by default): its rate at saturation and latency at
   * 1000 events/s, and the CPU the broker's processes (`brokerPids`) spent an event at saturation.
   */
  async function measureCeiling(target = url, brokerPids = [platform.pid]) {
    const args = (mode) => [join(ROOT, 'bench/bare-publisher.mjs'), target, ORG, GW.type, GW.id, GW.token, String(QOS), ...mode];
    let child = start(args(['saturate', String(SATURATION_EVENTS)]));
    await waitForLine(child, /^ready$/);
    const rss = rssMiB(child.pid);
    run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
    let done = new Promise((resolve) => (run.onMessage = () => run.received >= SATURATION_EVENTS && resolve()));
    const brokerCpu = () => brokerPids.reduce((sum, pid) => sum + cpuSecondsPrecise(pid), 0);
    const cpu0 = cpuSeconds(child.pid);
    const broker0 = brokerCpu();
    const t0 = now();
    child.stdin.write('go\n');
    await Promise.race([done, sleep(60_000)]);
    const saturation = {
      events: run.received,
      rate: run.received / ((run.last - t0) / 1000),
      cpuUsPerEvent: ((cpuSeconds(child.pid) - cpu0) * 1e6) / run.received,
      brokerCpuUsPerEvent: ((brokerCpu() - broker0) * 1e6) / run.received,
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

  /** Two ptys, two gateway identities and what the side-by-side phases share; made at their first use. */
  let sideKit;
  async function sideBySideKit() {
    if (sideKit) return sideKit;
    const second = await startSerialPair(mkdtempSync(join(workDir, 'side-')));
    const pairs = [{ gatewayPath, write }, second];
    const identities = [GW, GW2];
    /** Each slot's device, per format: the side counter (above) counts events by device. */
    const devices = { json: ['side-a', 'side-b'], nmea: ['side-nmea-a', 'side-nmea-b'] };
    /** The format of the rounds under way (`runRounds` sets it from the systems it runs). */
    let format = 'json';
    const idOf = (slot) => devices[format][slot];
    const lineOf = (seq, slot) => (format === 'nmea' ? LINES.nmea(seq) : LINES.json(seq, idOf(slot)));
    /** Each slot's HTTP port, for the console's rounds ('gateway-http'). */
    const httpPorts = [await freePort(), await freePort()];
    const argsFor = (kind, slot) => {
      const gatewayPathOf = pairs[slot].gatewayPath;
      const identity = identities[slot];
      if (kind.startsWith('baseline')) {
        return [
          join(ROOT, 'bench/baseline.mjs'),
          format,
          gatewayPathOf,
          url,
          ORG,
          identity.type,
          identity.id,
          identity.token,
          String(QOS),
          devices.nmea[slot],
        ];
      }
      const config = writeGatewayConfig(join(workDir, `gateway-side-${slot}.yaml`), {
        mqttPort: port,
        gatewayPath: gatewayPathOf,
        format,
        deviceId: format === 'nmea' ? devices.nmea[slot] : undefined,
        gateway: identity,
        httpPort: kind === 'gateway-http' ? httpPorts[slot] : undefined,
        store: kind === 'gateway-memory' ? { enabled: false } : { path: mkdtempSync(join(workDir, 'state-')) },
      });
      return [...GATEWAY_NODE_FLAGS, BIN, 'run', '--config', config];
    };
    const count = (slot) => sideCounts.get(idOf(slot)) ?? 0;
    /** Waits until every line written has come through; a system that lost some fails the bench rather than skew it. */
    const waitFor = async (condition, ms, what) => {
      const deadline = now() + ms;
      while (!condition()) {
        if (now() > deadline) throw new Error(`side by side: ${what} did not all arrive within ${ms} ms`);
        await sleep(5);
      }
    };
    /**
     * `rate` lines/s to each slot for `seconds`, the second slot's lines half a period after the first's (two processes
     * woken at the same instant cost the gateway more than the baseline). With `latencies`, each line's write time is
     * kept for its latency (every earlier line has arrived: seqs restart at 0).
     */
    const paced = async (rate, seconds, { latencies = false } = {}) => {
      const stagger = 1000 / rate / 2;
      const total = Math.round(rate * seconds);
      const targets = [count(0) + total, count(1) + total];
      const sent = [0, 0];
      const measured = [0, 1].map(() => ({ sentAt: new Map(), latencies: [] }));
      if (latencies) for (const slot of [0, 1]) sideLatency.set(idOf(slot), measured[slot]);
      const t0 = now();
      while (sent[0] < total || sent[1] < total) {
        for (const slot of [0, 1]) {
          const due = Math.min(total, Math.max(0, Math.floor(((now() - t0 - slot * stagger) / 1000) * rate) + 1));
          let text = '';
          const at = now();
          for (; sent[slot] < due; sent[slot]++) {
            text += lineOf(sent[slot], slot);
            if (latencies) measured[slot].sentAt.set(sent[slot], at);
          }
          if (text) await pairs[slot].write(text);
        }
        await sleep(1);
      }
      await waitFor(() => count(0) >= targets[0] && count(1) >= targets[1], 10_000, `${rate} lines/s`);
      sideLatency.clear();
      return measured.map(({ latencies: values }) => {
        const sorted = values.sort((a, b) => a - b);
        return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
      });
    };
    /** CPU µs per line of each slot while `phase` runs. */
    const cpuPerLine = async (procs, phase) => {
      const cpu0 = procs.map((child) => cpuSecondsPrecise(child.pid));
      const received0 = [count(0), count(1)];
      const result = await phase();
      const us = procs.map(
        (child, slot) => ((cpuSecondsPrecise(child.pid) - cpu0[slot]) * 1e6) / Math.max(1, count(slot) - received0[slot]),
      );
      return { result, us };
    };
    /** `events` lines at once to each of `slots` (together), resolved when all came through. */
    const burst = async (slots, events = SATURATION_EVENTS) => {
      const targets = slots.map((slot) => count(slot) + events);
      await Promise.all(
        slots.map(async (slot) => {
          let text = '';
          for (let seq = 0; seq < events; seq++) text += lineOf(seq, slot);
          for (let at = 0; at < text.length; at += 20_000) await pairs[slot].write(text.slice(at, at + 20_000));
        }),
      );
      await waitFor(() => slots.every((slot, i) => count(slot) >= targets[i]), 60_000, `the ${events}-line burst`);
    };
    /**
     * Each slot's CPU µs per event over bursts taken in turn in `order` (A B B A, say), both processes running: a drift of
     * the VM's speed within the round weighs on both alike. Both bursting at once is not fair: the one that finishes
     * first leaves the other the CPU alone.
     */
    const burstsInTurn = async (procs, order, events = SATURATION_EVENTS) => {
      const total = [0, 0];
      const bursts = [0, 0];
      for (const slot of order) {
        total[slot] += (await cpuPerLine(procs, () => burst([slot], events))).us[slot];
        bursts[slot]++;
      }
      return total.map((us, slot) => us / bursts[slot]);
    };
    /**
     * Rounds of two systems at once, each on either slot in turn: both started, each warmed up alone as in the
     * one-at-a-time rounds (a 20,000-line burst after its devices' registration window), then `measure(procs, kinds)`.
     */
    const runRounds = async (pair, roundCount, what, measure) => {
      format = pair.some((kind) => kind.endsWith('-nmea')) ? 'nmea' : 'json';
      const results = [];
      for (let round = 0; round < roundCount; round++) {
        const kinds = round % 2 === 0 ? pair : [pair[1], pair[0]];
        const procs = kinds.map((kind, slot) => start(argsFor(kind, slot)));
        for (const slot of [0, 1]) {
          const before = count(slot);
          for (let i = 0; i < 200 && count(slot) === before; i++) {
            await pairs[slot].write(lineOf(-1, slot));
            await sleep(50);
          }
          if (count(slot) === before) throw new Error(`${kinds[slot]} did not come up: ${procs[slot].stderrText()}`);
        }
        // As in ready(): the steady state, after each new device's registration window.
        await sleep(1500);
        for (const slot of [0, 1]) await burst([slot]);
        await sleep(500);
        results.push(await measure(procs, kinds));
        await Promise.all(procs.map((child) => stop(child)));
        process.stderr.write(`${what} ${round + 1}/${roundCount} done\n`);
      }
      return results;
    };
    sideKit = { paced, cpuPerLine, burstsInTurn, runRounds, httpPorts, close: () => second.device.close() };
    return sideKit;
  }

  /**
   * The gateway and the baseline running at the same time, each on its own pty and gateway identity, their lines half
   * a period apart: CPU per line at 100 lines/s, and p50/p99 (and CPU) at 1000 lines/s. A change of the VM's speed
   * (another tenant, a slow hour, a stall of tens of ms) hits both alike, where one system measured after the other saw
   * it alone (one-at-a-time rounds here spread 0.45–0.90 at 100 lines/s, side by side 0.57–0.68 in the same hour; a
   * round's p99 at 1000 lines/s moved from 4 to 31 ms with the VM). Each system warms up as in the rounds: 20,000
   * lines at once (alone), then 1000 lines/s; then 1000 lines/s measured, then 100 lines/s, then saturation (bursts
   * in turn). Per-thread scheduler time (ns) rather than /proc's 10-ms ticks; latency from the line's write to its
   * arrival at the subscriber.
   */
  async function measureSideBySide() {
    const { paced, cpuPerLine, burstsInTurn, runRounds } = await sideBySideKit();
    const rounds = await runRounds(['gateway', 'baseline'], SIDE_BY_SIDE_ROUNDS, 'side by side', async (procs, kinds) => {
      await paced(STEADY_RATE, 2);
      const steady = await cpuPerLine(procs, () => paced(STEADY_RATE, STEADY_SECONDS, { latencies: true }));
      const slow = await cpuPerLine(procs, () => paced(SLOW_RATE, SLOW_SECONDS));
      // Saturation: a burst lasts about a second, so a checkpoint or a collection falling in one moves it: four each.
      const saturated = await burstsInTurn(procs, [0, 1, 1, 0, 0, 1, 1, 0]);
      const [g, b] = [kinds.indexOf('gateway'), kinds.indexOf('baseline')];
      const gatewayUs = slow.us[g];
      const baselineUs = slow.us[b];
      return {
        gatewayUs,
        baselineUs,
        ratio: gatewayUs / baselineUs,
        saturation: { gatewayUs: saturated[g], baselineUs: saturated[b], ratio: saturated[g] / saturated[b] },
        steady: {
          gateway: { ...steady.result[g], cpuUsPerLine: steady.us[g] },
          baseline: { ...steady.result[b], cpuUsPerLine: steady.us[b] },
          p99MoreMs: steady.result[g].p99Ms - steady.result[b].p99Ms,
        },
      };
    });
    const steadyOf = (system) => ({
      p50Ms: median(rounds.map((r) => r.steady[system].p50Ms)),
      p99Ms: median(rounds.map((r) => r.steady[system].p99Ms)),
      cpuUsPerLine: median(rounds.map((r) => r.steady[system].cpuUsPerLine)),
    });
    return {
      rounds,
      gatewayUs: median(rounds.map((r) => r.gatewayUs)),
      baselineUs: median(rounds.map((r) => r.baselineUs)),
      ratio: median(rounds.map((r) => r.ratio)),
      saturation: {
        gatewayUs: median(rounds.map((r) => r.saturation.gatewayUs)),
        baselineUs: median(rounds.map((r) => r.saturation.baselineUs)),
        ratio: median(rounds.map((r) => r.saturation.ratio)),
      },
      // Paired, as the ratio: each round's difference, then their median.
      steady: {
        gateway: steadyOf('gateway'),
        baseline: steadyOf('baseline'),
        p99MoreMs: median(rounds.map((r) => r.steady.p99MoreMs)),
      },
    };
  }

  /**
   * Rounds of two systems side by side, each taking `events`-line bursts in turn in `order`: per round each system's CPU
   * µs an event (`us`, in `pair`'s order) and their ratio; then the medians.
   */
  async function burstRounds(pair, order, what, events = SATURATION_EVENTS) {
    const { burstsInTurn, runRounds } = await sideBySideKit();
    const rounds = await runRounds(pair, SIDE_BY_SIDE_ROUNDS, what, async (procs, kinds) => {
      const perSlot = await burstsInTurn(procs, order, events);
      const us = pair.map((kind) => perSlot[kinds.indexOf(kind)]);
      return { us, ratio: us[0] / us[1] };
    });
    return {
      rounds,
      us: [0, 1].map((index) => median(rounds.map((r) => r.us[index]))),
      ratio: median(rounds.map((r) => r.ratio)),
    };
  }

  /**
   * NMEA at saturation side by side, as JSON's above: the gateway and the baseline both running, each its own device,
   * A B B A twice a round. One system after the other this figure followed the VM's minute (0.76–1.25 over the runs,
   * its bar 1.1).
   */
  async function measureNmeaSideBySide() {
    const { rounds, us, ratio } = await burstRounds(
      ['gateway-nmea', 'baseline-nmea'],
      [0, 1, 1, 0, 0, 1, 1, 0],
      'NMEA side by side',
    );
    return { rounds, gatewayUs: us[0], baselineUs: us[1], ratio };
  }

  /**
   * The durable queue's cost (issue 8's bar, 1.15): the gateway with its store on and with it off (in memory), both
   * running, bursts in turn, A B B A. One after the other (minutes apart) this ratio moved 0.83–1.25 with the VM's hour.
   * Bursts of 100,000 lines: in one of 20,000 a checkpoint's hold (events acknowledged meanwhile are never written)
   * falls or not, and a round moved ± 40%; a longer burst holds several (rounds within ± 20%).
   */
  async function measureStoreOnOff() {
    const { rounds, us, ratio } = await burstRounds(
      ['gateway', 'gateway-memory'],
      [0, 1, 1, 0],
      'store on / off',
      STORE_BURST_EVENTS,
    );
    return { rounds, onUs: us[0], offUs: us[1], ratio };
  }

  /** A long outage: events queued on disk while the service is cut off, RSS growth, then the drain rate. */
  async function measureOutage() {
    const httpPort = await freePort();
    const proxy = await startProxy(port);
    const config = writeGatewayConfig(join(workDir, 'gateway-outage.yaml'), {
      mqttPort: proxy.port,
      gatewayPath,
      format: 'json',
      httpPort,
      store: { path: join(workDir, 'outage-state') },
    });
    const child = start([BIN, 'run', '--config', config]);
    await ready(child, 'json');
    proxy.cut();
    let seq = 0;
    const writeMany = async (count) => {
      const end = seq + count;
      while (seq < end) {
        let text = '';
        for (let i = 0; i < 200 && seq < end; i++) text += LINES.json(seq++);
        await write(text);
      }
    };
    const frames0 = (await waitForStatus(httpPort, () => true)).pipeline.frames;
    const readAll = () => waitForStatus(httpPort, (s) => s.pipeline.frames >= frames0 + seq && s.queue.uncommitted === 0);
    // Warm-up offline: code compiled, the heap at its working size.
    await writeMany(5000);
    await readAll();
    const rssBefore = rssMiB(child.pid);
    await writeMany(OUTAGE_EVENTS);
    const queued = (await readAll()).queue.depth;
    const rssAfter = rssMiB(child.pid);
    run = { received: 0, latencies: [], sendTimes: [], first: 0, last: 0, onMessage: null };
    const done = new Promise((resolve) => (run.onMessage = () => run.received >= seq && resolve()));
    const t0 = now();
    proxy.restore();
    await Promise.race([done, sleep(120_000)]);
    const drainRate = run.received / ((run.last - t0) / 1000);
    await stop(child);
    proxy.close();
    return { queued, received: run.received, rssGrowthMiB: rssAfter - rssBefore, drainRate };
  }

  /**
   * Two platform nodes on one Redis against the one platform, the bare publisher into either in turn (A B B A): the
   * cluster's rate at saturation, its latency from a publisher on one node to an application on the other, and the
   * CPU of its processes (both nodes and Redis) an event, each as a ratio to the one platform's.
   */
  async function measureCluster() {
    const { redis, url: redisUrl } = await startRedis(workDir);
    const nodes = [await startPlatform(['--redis', redisUrl]), await startPlatform(['--redis', redisUrl])];
    const listener = await mqtt.connectAsync(nodes[0].url, {
      clientId: `a:${ORG}:bench-cluster`,
      username: APP.key,
      password: APP.token,
    });
    listener.on('message', onEvent);
    await listener.subscribeAsync('iot-2/type/+/id/+/evt/+/fmt/+', { qos: 0 });
    const clusterPids = [...nodes.map((node) => node.platform.pid), redis.pid];
    const rounds = [];
    for (let round = 0; round < CLUSTER_ROUNDS; round++) {
      const measured = {};
      for (const system of round % 2 === 0 ? ['single', 'cluster'] : ['cluster', 'single']) {
        measured[system] = system === 'single' ? await measureCeiling() : await measureCeiling(nodes[1].url, clusterPids);
      }
      rounds.push(measured);
      process.stderr.write(`cluster round ${round + 1}/${CLUSTER_ROUNDS} done\n`);
    }
    await listener.endAsync();
    for (const node of nodes) await stop(node.platform);
    await stop(redis);
    const ratio = (pick) => median(rounds.map((round) => pick(round.cluster) / pick(round.single)));
    const both = (pick) => ({
      single: median(rounds.map((round) => pick(round.single))),
      cluster: median(rounds.map((round) => pick(round.cluster))),
    });
    return {
      rounds,
      rate: { ...both((m) => m.rate), ratio: ratio((m) => m.rate) },
      brokerCpuUsPerEvent: { ...both((m) => m.brokerCpuUsPerEvent), ratio: ratio((m) => m.brokerCpuUsPerEvent) },
      p50Ms: both((m) => m.steady.p50Ms),
      p99Ms: both((m) => m.steady.p99Ms),
    };
  }
  /** The cluster's figures, one line. */
  const describeCluster = (cluster) =>
    `platform clustered on Redis (2 nodes, publisher on one, application on the other) / one platform: saturation ${fmt(cluster.rate.cluster, 0)} / ${fmt(cluster.rate.single, 0)} events/s (${fmt(cluster.rate.ratio, 2)}), broker CPU ${fmt(cluster.brokerCpuUsPerEvent.cluster, 0)} / ${fmt(cluster.brokerCpuUsPerEvent.single, 0)} µs an event (${fmt(cluster.brokerCpuUsPerEvent.ratio, 2)}), latency at ${STEADY_RATE} events/s p50 ${fmt(cluster.p50Ms.cluster, 2)} / ${fmt(cluster.p50Ms.single, 2)} ms, p99 ${fmt(cluster.p99Ms.cluster, 2)} / ${fmt(cluster.p99Ms.single, 2)} ms\n`;

  /** Ends a BENCH_ONLY run: what the phases opened. */
  const finishEarly = async () => {
    sideKit?.close();
    await app.endAsync();
    device.close();
  };
  /** The store phase's figures, for the BENCH_ONLY runs. */
  const describeStore = (store) =>
    `store on / off, alternating bursts: ${store.ratio.toFixed(2)} (${store.onUs.toFixed(0)} / ${store.offUs.toFixed(0)} µs an event); rounds ${store.rounds.map((r) => r.ratio.toFixed(2)).join(', ')}\n`;
  /** The NMEA side-by-side figure, for the BENCH_ONLY runs. */
  const describeNmea = (nmea) =>
    `NMEA at saturation side by side (alternating bursts): gateway ${nmea.gatewayUs.toFixed(1)} µs, baseline ${nmea.baselineUs.toFixed(1)} µs an event, median ratio ${nmea.ratio.toFixed(2)}; rounds ${nmea.rounds.map((r) => r.ratio.toFixed(2)).join(', ')}\n`;
  if (ONLY === 'cluster') {
    process.stdout.write(describeCluster(await measureCluster()));
    return finishEarly();
  }
  if (ONLY === 'nmea') {
    process.stdout.write(describeNmea(await measureNmeaSideBySide()));
    return finishEarly();
  }
  if (ONLY === 'store') {
    const store = await measureStoreOnOff();
    process.stdout.write(describeStore(store));
    return finishEarly();
  }
  if (ONLY === 'side-by-side') {
    const { rounds, gatewayUs, baselineUs, ratio, steady, saturation } = await measureSideBySide();
    const nmea = await measureNmeaSideBySide();
    const store = await measureStoreOnOff();
    const per = rounds.map((r) => `${r.ratio.toFixed(2)} (${r.gatewayUs.toFixed(0)}/${r.baselineUs.toFixed(0)} µs)`);
    const perSteady = rounds.map(
      (r) =>
        `${r.steady.gateway.p99Ms.toFixed(2)}/${r.steady.baseline.p99Ms.toFixed(2)} ms (${r.steady.gateway.cpuUsPerLine.toFixed(0)}/${r.steady.baseline.cpuUsPerLine.toFixed(0)} µs)`,
    );
    process.stdout.write(
      `100 lines/s side by side: gateway ${gatewayUs.toFixed(0)} µs, baseline ${baselineUs.toFixed(0)} µs per line, median ratio ${ratio.toFixed(2)}; rounds ${per.join(', ')}\n` +
        `saturation side by side (alternating bursts): gateway ${saturation.gatewayUs.toFixed(1)} µs, baseline ${saturation.baselineUs.toFixed(1)} µs an event, median ratio ${saturation.ratio.toFixed(2)}; rounds ${rounds.map((r) => r.saturation.ratio.toFixed(2)).join(', ')}\n` +
        `1000 lines/s side by side: p50 ${steady.gateway.p50Ms.toFixed(2)} / ${steady.baseline.p50Ms.toFixed(2)} ms, p99 ${steady.gateway.p99Ms.toFixed(2)} / ${steady.baseline.p99Ms.toFixed(2)} ms (gateway / baseline), the gateway's p99 ${steady.p99MoreMs.toFixed(2)} ms more (median of the rounds'); rounds' p99 (CPU per line) ${perSteady.join(', ')}\n`,
    );
    process.stdout.write(describeNmea(nmea) + describeStore(store));
    return finishEarly();
  }
  const consoleCost = await measureConsole();
  process.stderr.write('console done\n');
  const consoleLines = [
    '',
    '| web console (two gateways side by side, 1000 events/s each) | figure | target |',
    '|---|---|---|',
    `| CPU per event, the gateway a browser watches / the other, after the browser's first ${CONSOLE_JOIN_SECONDS} s | ${fmt(consoleCost.ratio, 2)} (${fmt(consoleCost.withUs, 0)} / ${fmt(consoleCost.withoutUs, 0)} µs; rounds ${consoleCost.ratios.map((ratio) => fmt(ratio, 2)).join(', ')}) | ≤ 1.20 ${consoleCost.ratio <= 1.2 ? '✓' : '✗'} |`,
    `| the first ${CONSOLE_JOIN_SECONDS} s after the browser joins (code run for the first time, once) | ${fmt(consoleCost.joiningRatio, 2)} | |`,
    `| what the browser gets | ${fmt(consoleCost.batchesPerSecond, 1)} batches/s, ${fmt(consoleCost.kBPerSecond, 1)} KiB/s | ≤ 10 updates/s per device |`,
  ];
  if (ONLY === 'console') {
    process.stdout.write(`${consoleLines.join('\n')}\n`);
    return finishEarly();
  }
  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, system] of Object.entries(systems)) {
      await system.prepare?.();
      const child = start(system.args());
      await ready(child, system.format);
      const measured = await measureSerial(child, system.format, name, round, system.httpPort);
      if (name === 'gateway-json' || name === 'baseline-json') measured.many = await manyDevices(child);
      results[name] = [...(results[name] ?? []), measured];
      await stop(child);
      process.stderr.write(`round ${round + 1}/${ROUNDS} ${name} done\n`);
    }
    results.ceiling = [...(results.ceiling ?? []), await measureCeiling()];
    process.stderr.write(`round ${round + 1}/${ROUNDS} ceiling done\n`);
  }

  const sideBySide = await measureSideBySide();
  const nmeaSideBySide = await measureNmeaSideBySide();
  const storeOnOff = await measureStoreOnOff();
  sideKit?.close();
  const outage = await measureOutage();
  process.stderr.write('outage done\n');
  const cluster = await measureCluster();
  const long =
    LONG_MINUTES > 0
      ? { gateway: await longRss(systems['gateway-json']), baseline: await longRss(systems['baseline-json']) }
      : undefined;
  if (long) process.stderr.write('long run done\n');
  const summary = {};
  for (const [name, runs] of Object.entries(results)) {
    summary[name] = {
      rate: median(runs.map((r) => r.rate)),
      cpuUsPerEvent: median(runs.map((r) => r.cpuUsPerEvent)),
      p50Ms: median(runs.map((r) => r.steady.p50Ms)),
      p99Ms: median(runs.map((r) => r.steady.p99Ms)),
      rssMiB: median(runs.map((r) => r.rssMiB)),
      cpuSteady: median(runs.map((r) => r.steady?.cpuUsPerEvent ?? Number.NaN)),
      cpuSlow: median(runs.map((r) => r.slow?.cpuUsPerEvent ?? Number.NaN)),
      firstSecondMaxMs: Math.max(...runs.map((r) => r.firstSecondMaxMs ?? Number.NaN)),
      idleCorePercent: median(runs.map((r) => r.idleCorePercent ?? Number.NaN)),
      many: runs[0]?.many
        ? {
            cpuUsPerEvent: median(runs.map((r) => r.many.cpuUsPerEvent)),
            p99Ms: median(runs.map((r) => r.many.p99Ms)),
            rssMiB: median(runs.map((r) => r.many.rssMiB)),
            events: median(runs.map((r) => r.many.events)),
          }
        : undefined,
      lost: runs
        .map((r) => SATURATION_EVENTS - r.events + STEADY_RATE * STEADY_SECONDS - r.steady.events)
        .reduce((a, b) => a + b, 0),
    };
  }
  const lines = [
    `wiotp-gateway benchmark: ${SATURATION_EVENTS} events at saturation, ${STEADY_RATE}/s for ${STEADY_SECONDS} s, QoS ${QOS}, median of ${ROUNDS} rounds`,
    '',
    '| system | events/s at saturation | CPU µs/event | p50 ms @1000/s | p99 ms @1000/s | RSS at start MiB | lost |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(summary).map(
      ([name, s]) =>
        `| ${name} | ${fmt(s.rate, 0)} | ${fmt(s.cpuUsPerEvent, 0)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.rssMiB)} | ${s.lost} |`,
    ),
  ];
  const g = summary['gateway-json'];
  const b = summary['baseline-json'];
  const gn = summary['gateway-nmea'];
  const bn = summary['baseline-nmea'];
  const row = (figure, gv, bv, unit, ratio, target, holds) =>
    `| ${figure} | ${gv}${unit} | ${bv}${unit} | ${ratio} | ${target} | ${holds === undefined ? '' : holds ? '✓' : '✗'} |`;
  const r = (x, y) => x / y;
  /** A gateway / baseline figure with its ratio, and the target the ratio must stay under, if it has one. */
  const ratioRow = (figure, gv, bv, { unit = '', digits = 1, max } = {}) =>
    row(
      figure,
      fmt(gv, digits),
      fmt(bv, digits),
      unit,
      fmt(r(gv, bv), 2),
      max === undefined ? '' : `≤ ${max}`,
      max === undefined ? undefined : r(gv, bv) <= max,
    );
  /** A side-by-side figure: the medians of each system's µs, and the median of the rounds' paired ratios (not their quotient). */
  const pairedRow = (figure, { gatewayUs, baselineUs, ratio }, max) =>
    row(figure, fmt(gatewayUs, 0), fmt(baselineUs, 0), '', fmt(ratio, 2), `≤ ${max}`, ratio <= max);
  /** A latency of the gateway and the baseline, how much more the gateway's is and, with `maxMoreMs`, its target. */
  const latencyRow = (figure, gv, bv, moreMs = gv - bv, maxMoreMs = undefined) =>
    row(
      figure,
      fmt(gv, 2),
      fmt(bv, 2),
      ' ms',
      `${fmt(Math.abs(moreMs), 2)} ms ${moreMs >= 0 ? 'more' : 'less'}`,
      maxMoreMs === undefined ? '' : `≤ baseline + ${maxMoreMs} ms`,
      maxMoreMs === undefined ? undefined : moreMs <= maxMoreMs,
    );
  lines.push(
    '',
    '| figure (JSON lines unless said) | gateway | baseline | ratio | target | |',
    '|---|---|---|---|---|---|',
    pairedRow('CPU µs per event at 100 lines/s (side by side)', sideBySide, 0.6),
    ratioRow('CPU µs per event at 100 lines/s (one system at a time)', g.cpuSlow, b.cpuSlow, { digits: 0 }),
    ratioRow('CPU µs per event at 1000 lines/s', g.cpuSteady, b.cpuSteady, { digits: 0, max: 0.6 }),
    pairedRow('CPU µs per event at saturation (side by side, alternating bursts)', sideBySide.saturation, 0.9),
    ratioRow('CPU µs per event at saturation (one system at a time)', g.cpuUsPerEvent, b.cpuUsPerEvent, { digits: 0 }),
    ratioRow('NMEA: CPU µs per event at 1000 lines/s', gn.cpuSteady, bn.cpuSteady, { digits: 0, max: 1.1 }),
    pairedRow('NMEA: CPU µs per event at saturation (side by side, alternating bursts)', nmeaSideBySide, 1.1),
    ratioRow('NMEA: CPU µs per event at saturation (one system at a time)', gn.cpuUsPerEvent, bn.cpuUsPerEvent, { digits: 0 }),
    latencyRow('p50 at 1000 lines/s (side by side)', sideBySide.steady.gateway.p50Ms, sideBySide.steady.baseline.p50Ms),
    latencyRow(
      'p99 at 1000 lines/s (side by side)',
      sideBySide.steady.gateway.p99Ms,
      sideBySide.steady.baseline.p99Ms,
      sideBySide.steady.p99MoreMs,
      2,
    ),
    latencyRow('p50 at 1000 lines/s (one system at a time)', g.p50Ms, b.p50Ms),
    latencyRow('p99 at 1000 lines/s (one system at a time)', g.p99Ms, b.p99Ms),
    row(
      "worst latency in a new device's first second",
      fmt(g.firstSecondMaxMs, 1),
      fmt(b.firstSecondMaxMs, 1),
      ' ms',
      '',
      '≤ 20 ms',
      g.firstSecondMaxMs <= 20,
    ),
    ratioRow('RSS at start', g.rssMiB, b.rssMiB, { unit: ' MiB', max: 1.1 }),
    ...(long
      ? [
          ratioRow(`RSS after ${LONG_MINUTES} min at 1000 lines/s`, long.gateway.after, long.baseline.after, {
            unit: ' MiB',
          }),
        ]
      : []),
    row(
      `idle CPU, 10 quiet devices, after ${IDLE_SETTLE_SECONDS} s quiet (% of a core; the gateway scraped at /metrics)`,
      fmt(g.idleCorePercent, 3),
      fmt(b.idleCorePercent, 3),
      '%',
      '',
      '< 0.5%',
      g.idleCorePercent < 0.5,
    ),
    ratioRow(`${MANY_DEVICES} devices at ${MANY_RATE} events/s: CPU µs per event`, g.many?.cpuUsPerEvent, b.many?.cpuUsPerEvent, {
      digits: 0,
    }),
    row(
      `${MANY_DEVICES} devices: RSS (ratio to the baseline's at start)`,
      fmt(g.many?.rssMiB),
      fmt(b.many?.rssMiB),
      ' MiB',
      fmt(r(g.many?.rssMiB, b.rssMiB), 2),
      '≤ 1.5',
      r(g.many?.rssMiB, b.rssMiB) <= 1.5,
    ),
  );
  const c = summary.ceiling;
  const disk = summary['gateway-json'];
  const memory = summary['gateway-json-memory'];
  const firstSeconds = (results['gateway-json'] ?? [])
    .filter((round) => round.firstSecondMaxMs !== undefined)
    .map((round) => `${fmt(round.firstSecondMaxMs, 1)} ms (its line written ${fmt(round.firstSecondWorstAtMs, 0)} ms in)`);
  lines.push(
    '',
    `a new device's first second, worst latency per round (gateway-json): ${firstSeconds.join(', ')}`,
    `100 lines/s side by side, gateway / baseline per round: ${sideBySide.rounds.map((round) => fmt(round.ratio, 2)).join(', ')} (median ${fmt(sideBySide.ratio, 2)})`,
    `saturation side by side (alternating bursts), gateway / baseline per round: ${sideBySide.rounds.map((round) => fmt(round.saturation.ratio, 2)).join(', ')}`,
    `NMEA at saturation side by side (alternating bursts), gateway / baseline per round: ${nmeaSideBySide.rounds.map((round) => fmt(round.ratio, 2)).join(', ')}`,
    `1000 lines/s side by side, the gateway's p99 more than the baseline's per round: ${sideBySide.rounds.map((round) => `${fmt(round.steady.p99MoreMs, 2)} ms`).join(', ')}; CPU per line, gateway / baseline: ${sideBySide.rounds.map((round) => fmt(round.steady.gateway.cpuUsPerLine / round.steady.baseline.cpuUsPerLine, 2)).join(', ')}`,
    `broker ceiling (bare mqtt.js publisher): ${fmt(c.rate, 0)} events/s; gateway-json reaches ${fmt(disk.rate / c.rate, 2)} of it`,
    '',
    '| durable queue (QoS 1, JSON) | figure | target |',
    '|---|---|---|',
    `| CPU per event, store on / store off (in memory), both running, alternating bursts | ${fmt(storeOnOff.ratio, 2)} (${fmt(storeOnOff.onUs, 0)} / ${fmt(storeOnOff.offUs, 0)} µs; rounds ${storeOnOff.rounds.map((round) => fmt(round.ratio, 2)).join(', ')}) | ≤ 1.15 ${storeOnOff.ratio <= 1.15 ? '✓' : '✗'} |`,
    `| the same, one at a time at saturation | ${fmt(disk.cpuUsPerEvent / memory.cpuUsPerEvent, 2)} (${fmt(disk.cpuUsPerEvent, 0)} / ${fmt(memory.cpuUsPerEvent, 0)} µs) | |`,
    `| RSS growth while ${OUTAGE_EVENTS} events queue offline | ${fmt(outage.rssGrowthMiB)} MiB (${outage.queued} queued) | ≤ 10 MiB |`,
    `| drain rate after reconnect | ${fmt(outage.drainRate, 0)} events/s (${outage.received} delivered) | |`,
    ...consoleLines,
    '',
    describeCluster(cluster).trimEnd(),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(
    join(ROOT, '.bench/results.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        summary,
        sideBySide,
        nmeaSideBySide,
        storeOnOff,
        outage,
        cluster,
        long,
        console: consoleCost,
        results,
      },
      null,
      2,
    ),
  );

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
  // The phases' give-up timers (up to two minutes) would keep a finished run waiting.
  process.exit();
}
