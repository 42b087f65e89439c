// The broker's ceiling: a bare mqtt.js client publishing ready-made payloads, no serial port, no parsing.
// Usage: node bench/bare-publisher.mjs <url> <org> <type> <id> <token> <qos> <saturate COUNT | steady RATE SECONDS>
import mqtt from 'mqtt';

const [url, org, type, id, token, qos, mode, a, b] = process.argv.slice(2);
const client = await mqtt.connectAsync(url, { clientId: `g:${org}:${type}:${id}`, username: 'use-token-auth', password: token });
const topic = 'iot-2/type/mcu-sensor/id/bench-1/evt/status/fmt/json';
const now = () => performance.timeOrigin + performance.now();
const payload = (seq) => `{"id":"bench-1","seq":${seq},"ts":${now()},"temperature":21.5,"humidity":40.2}`;
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
if (mode === 'saturate') {
  const count = Number(a);
  for (let seq = 0; seq < count; seq++) {
    client.publish(topic, payload(seq), { qos: Number(qos) });
    if (seq % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
} else {
  const rate = Number(a);
  const total = rate * Number(b);
  const start = now();
  let seq = 0;
  while (seq < total) {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate) + 1);
    while (seq < due) client.publish(topic, payload(seq++), { qos: Number(qos) });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
process.stdout.write('sent\n');
process.on('SIGTERM', () => process.exit(0));
