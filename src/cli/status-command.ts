import type { Command } from 'commander';
import type { GatewayStatus, HealthReport } from '../pipeline/gateway-view.js';
import { inMemoryNote, settlingNote } from '../store/queued-event.js';
import { gatewayHttp, getJson, unreachable } from './gateway-http.js';

/** Exit codes of `status`: the answer a supervisor script wants. */
const READY = 0;
const NOT_READY = 1;

function ago(iso: string | undefined): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return seconds < 120
    ? `${seconds} s ago`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min ago`
      : `${(seconds / 3600).toFixed(1)} h ago`;
}

/** A readable page of a gateway's status and readiness. */
export function formatStatus(status: GatewayStatus, ready: HealthReport): string {
  const q = status.queue;
  const lines = [
    `gateway   ${status.gateway.clientId}  v${status.version}  up ${status.uptimeSeconds} s  pid ${status.process.pid}`,
    `ready     ${ready.status}${ready.checks
      .filter((check) => check.status !== 'pass')
      .map((check) => `  ${check.name}: ${check.detail}`)
      .join('')}`,
    `session   ${status.session.state}${status.session.reason ? ` (${status.session.reason})` : ''}  ${status.session.url}  connects ${status.session.connects}`,
    `queue     ${q.depth} event(s)${settlingNote(q)}, ${q.bytes} bytes${q.oldestAgeSeconds !== undefined ? `, oldest ${Math.round(q.oldestAgeSeconds)} s` : ''}  ${inMemoryNote(q) ?? q.location}`,
    `counters  frames ${status.pipeline.frames}, events ${status.pipeline.events}, published ${status.sender.published}, commands ${status.pipeline.commandsDelivered}, rejects ${Object.values(status.pipeline.rejects).reduce((a, b) => a + b, 0)}`,
  ];
  for (const adapter of status.adapters) {
    lines.push(`adapter   ${adapter.name}`);
    for (const channel of adapter.channels)
      lines.push(`            ${channel.channel}  ${channel.state}${channel.reason ? ` (${channel.reason})` : ''}`);
  }
  if (status.devices.length > 0) {
    lines.push('devices');
    for (const device of status.devices)
      lines.push(
        `            ${device.typeId}/${device.deviceId}  ${device.admission}  ${device.profile} on ${device.channel}  ` +
          `last seen ${ago(device.lastSeen)}  frames ${device.frames}`,
      );
  }
  for (const reject of status.recentRejects.slice(-5))
    lines.push(`rejected  ${reject.at}  ${reject.stage}${reject.channel ? ` ${reject.channel}` : ''}: ${reject.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Registers `wiotp-gateway status`: asks a running gateway's local HTTP server. */
export function registerStatusCommand(program: Command): Command {
  return program
    .command('status')
    .description("show a running gateway's status; exit 0 when it is ready, 1 when it is not (or not running)")
    .option('--url <url>', 'the gateway HTTP server', 'http://127.0.0.1:9464')
    .option('--token <token>', 'its http.token (default $WIOTP_HTTP_TOKEN)')
    .option('--json', 'print the status API JSON')
    .action(async (options: { url: string; token?: string; json?: boolean }) => {
      const http = gatewayHttp(options.url, options.token);
      let status: GatewayStatus;
      let ready: HealthReport;
      try {
        [status, ready] = (await Promise.all([getJson(http, '/api/status'), getJson(http, '/readyz')])) as [
          GatewayStatus,
          HealthReport,
        ];
      } catch (error) {
        process.stderr.write(`wiotp-gateway: ${unreachable(http, error)}\n`);
        process.exitCode = NOT_READY;
        return;
      }
      process.stdout.write(options.json ? `${JSON.stringify({ ...status, ready }, null, 2)}\n` : formatStatus(status, ready));
      process.exitCode = ready.status === 'fail' ? NOT_READY : READY;
    });
}
