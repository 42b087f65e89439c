import type { Command } from 'commander';
import { parseInteger } from './arguments.js';
import { readEventStream } from './event-stream.js';
import { gatewayHttp, getJson, unreachable } from './gateway-http.js';
import { formatDashboard, formatFrameLine, jsonLines, WatchState } from './watch-view.js';

/** The options of `watch`. */
interface WatchOptions {
  url: string;
  token?: string;
  frames?: boolean;
  json?: boolean;
  duration?: number;
}

/** A terminal redraws the dashboard in place every second; a pipe gets it every few seconds, one after the other. */
const REDRAW_MS = 1000;
const PIPE_MS = 5000;

/** Registers `wiotp-gateway watch`: a live view of a running gateway from its local HTTP server. */
export function registerWatchCommand(program: Command): Command {
  return program
    .command('watch')
    .description(
      "a live view of a running gateway: devices, last values, rates and rejects with reasons (its HTTP server's " +
        '/api/status and live stream); with --frames every frame in hex beside its decoded reading',
    )
    .option('--url <url>', 'the gateway HTTP server', 'http://127.0.0.1:9464')
    .option('--token <token>', 'its http.token (default $WIOTP_HTTP_TOKEN)')
    .option(
      '--frames',
      'print every frame: its bytes in hex and the reading or the reason it was refused (sampled above 10/s per device)',
    )
    .option('--json', 'print JSON lines for scripts: {"type":"device"|"frame"|"reject"|"command"|"status", …}')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)', parseInteger('--duration'))
    .action(async (options: WatchOptions) => {
      const http = gatewayHttp(options.url, options.token);
      try {
        // Fails fast, with the reason, when nothing answers or the token is missing.
        await getJson(http, '/api/status');
      } catch (error) {
        process.stderr.write(`wiotp-gateway: ${unreachable(http, error)}\n`);
        process.exitCode = 1;
        return;
      }
      const state = new WatchState();
      const out = (text: string) => process.stdout.write(text);
      const tty = process.stdout.isTTY === true;
      const dashboard = !options.json && !options.frames;
      const draw = () =>
        out(`${tty ? '\x1b[H\x1b[2J' : '\n'}${formatDashboard(state, Date.now(), process.stdout.columns ?? 120)}`);
      const timer = dashboard ? setInterval(draw, tty ? REDRAW_MS : PIPE_MS) : undefined;

      const stop = new AbortController();
      const stopNow = () => stop.abort();
      process.once('SIGINT', stopNow);
      process.once('SIGTERM', stopNow);
      const deadline = options.duration === undefined ? undefined : setTimeout(stopNow, options.duration * 1000);
      try {
        await readEventStream(
          new URL('/api/live', http.base),
          http.headers,
          ({ event, data }) => {
            const parsed: unknown = JSON.parse(data);
            const frames = state.apply(event, parsed);
            if (options.json) for (const line of jsonLines(event, parsed, options.frames === true)) out(`${line}\n`);
            else if (options.frames) for (const frame of frames) out(`${formatFrameLine(frame)}\n`);
          },
          stop.signal,
        );
        process.stderr.write('wiotp-gateway: the gateway closed the live stream (it stopped?)\n');
        process.exitCode = 1;
      } catch (error) {
        if (!stop.signal.aborted) {
          process.stderr.write(`wiotp-gateway: ${unreachable(http, error)}\n`);
          process.exitCode = 1;
        }
      } finally {
        clearInterval(timer);
        clearTimeout(deadline);
        process.off('SIGINT', stopNow);
        process.off('SIGTERM', stopNow);
        if (dashboard && stop.signal.aborted) draw();
      }
    });
}
