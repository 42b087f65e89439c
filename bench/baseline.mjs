// The smallest hand-written program that does the gateway's job for one serial port:
// serialport + ReadlineParser + parse + one mqtt.js publish per line. Used as the benchmark's baseline.
// Usage: node bench/baseline.mjs <json|nmea> <pty path> <mqtt url> <org> <type> <id> <token> <qos> [NMEA device id]
import mqtt from 'mqtt';
import { ReadlineParser, SerialPort } from 'serialport';

const [format, path, url, org, type, id, token, qos, gpsId = 'gps-bench'] = process.argv.slice(2);
const client = mqtt.connect(url, { clientId: `g:${org}:${type}:${id}`, username: 'use-token-auth', password: token });
client.on('error', () => {});
const port = new SerialPort({ path, baudRate: 115200 });
const lines = port.pipe(new ReadlineParser({ delimiter: format === 'nmea' ? '\r\n' : '\n' }));

function degrees(value, hemisphere) {
  const dot = value.indexOf('.');
  const d = Number(value.slice(0, dot - 2));
  const m = Number(value.slice(dot - 2));
  const result = d + m / 60;
  return hemisphere === 'S' || hemisphere === 'W' ? -result : result;
}

lines.on('data', (line) => {
  if (format === 'json') {
    let reading;
    try {
      reading = JSON.parse(line);
    } catch {
      return;
    }
    client.publish(`iot-2/type/mcu-sensor/id/${reading.id}/evt/status/fmt/json`, JSON.stringify(reading), { qos: Number(qos) });
    return;
  }
  const star = line.indexOf('*');
  let sum = 0;
  for (let i = 1; i < star; i++) sum ^= line.charCodeAt(i);
  if (sum !== Number.parseInt(line.slice(star + 1), 16)) return;
  const f = line.slice(1, star).split(',');
  if (!f[0].endsWith('GGA')) return;
  const reading = {
    time: f[1],
    latitude: degrees(f[2], f[3]),
    longitude: degrees(f[4], f[5]),
    fixQuality: Number(f[6]),
    satellites: Number(f[7]),
    hdop: Number(f[8]),
    altitude: Number(f[9]),
  };
  client.publish(`iot-2/type/gps-receiver/id/${gpsId}/evt/position/fmt/json`, JSON.stringify(reading), { qos: Number(qos) });
});
process.on('SIGTERM', () => process.exit(0));
