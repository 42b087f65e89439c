// The main module of a plugin's worker thread: imports the plugin, calls its createAdapter with a context
// made of data (profiles) and a logger that sends its lines to the gateway, then mirrors the adapter's
// streams as messages and runs the gateway's start/write/close requests. A throw the plugin leaves
// uncaught (a timer, an I/O callback) ends this thread only; the gateway restarts it.
import { parentPort, workerData } from 'node:worker_threads';
import type { Adapter, AdapterContext, Frame } from '../adapter.js';
import { createAdapterChecked, profileLookup } from '../pipeline/adapter-factory.js';
import { Subscription } from '../rx.js';
import { importPlugin } from './import-plugin.js';
import { relayingLogger } from './log-relay.js';
import {
  type HostMessage,
  type PluginWorkerData,
  type StreamName,
  toWireError,
  transferableCopy,
  type WorkerMessage,
} from './plugin-messages.js';

if (!parentPort) throw new Error('plugin-worker runs in a worker thread that the gateway starts');
const port = parentPort;
const data = workerData as PluginWorkerData;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const logger = relayingLogger(data.logLevel, (line) => post({ type: 'log', line }));
const context: AdapterContext = { logger, profile: profileLookup(new Map(data.profiles)) };

/** Sends what the plugin handed over; something that cannot be cloned is logged and dropped, never a crash. */
function postFromPlugin(message: WorkerMessage, what: string, transfer: ArrayBuffer[] = []): void {
  try {
    post(message, transfer);
  } catch (error) {
    logger.warn({ err: error }, `${what} cannot be passed to the gateway (it must be plain data); dropped`);
  }
}

function sendFrame(frame: Frame): void {
  if (!(frame.bytes instanceof Uint8Array)) {
    const reason = `frame.bytes is ${typeof frame.bytes}, expected a Uint8Array`;
    postFromPlugin(
      { type: 'reject', reject: { source: frame.source, profile: frame.profile, at: frame.at, reason } },
      'a reject',
    );
    return;
  }
  const bytes = transferableCopy(frame.bytes);
  postFromPlugin({ type: 'frame', frame: { ...frame, bytes } }, 'a frame', [bytes.buffer]);
}

function mirror(adapter: Adapter): Subscription {
  const ended = (stream: StreamName) => ({
    error: (error: unknown) => post({ type: 'ended', stream, error: toWireError(error) }),
    complete: () => post({ type: 'ended', stream }),
  });
  const subscriptions = new Subscription();
  subscriptions.add(adapter.frames$.subscribe({ next: sendFrame, ...ended('frames$') }));
  subscriptions.add(
    adapter.rejects$.subscribe({
      next: (reject) => postFromPlugin({ type: 'reject', reject }, 'a reject'),
      ...ended('rejects$'),
    }),
  );
  subscriptions.add(
    adapter.status$.subscribe({ next: (status) => postFromPlugin({ type: 'status', status }, 'a status'), ...ended('status$') }),
  );
  return subscriptions;
}

async function handle(adapter: Adapter, subscriptions: Subscription, message: HostMessage): Promise<void> {
  switch (message.type) {
    case 'start':
      try {
        await adapter.start();
        post({ type: 'started' });
      } catch (error) {
        post({ type: 'start-failed', error: toWireError(error) });
      }
      return;
    case 'write':
      try {
        if (!adapter.write) throw new Error(`adapter ${adapter.name} cannot write`);
        // A Buffer view of the transferred bytes, as in-process adapters usually get.
        await adapter.write(
          message.channel,
          Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength),
        );
        post({ type: 'written', id: message.id });
      } catch (error) {
        post({ type: 'write-failed', id: message.id, error: toWireError(error) });
      }
      return;
    case 'close':
      try {
        await adapter.close();
      } catch (error) {
        logger.warn({ err: error }, 'close() threw');
      }
      subscriptions.unsubscribe();
      post({ type: 'closed' });
      return;
  }
}

/** No top-level await: from TypeScript sources (tests) this module is loaded by tsx's require hook. */
async function main(): Promise<void> {
  let adapter: Adapter;
  try {
    const plugin = await importPlugin(data.specifier, data.baseDir);
    adapter = createAdapterChecked(plugin.createAdapter, data.options, context);
  } catch (error) {
    post({ type: 'create-failed', error: toWireError(error) });
    return;
  }
  const subscriptions = mirror(adapter);
  port.on('message', (message: HostMessage) => void handle(adapter, subscriptions, message));
  post({ type: 'created', name: adapter.name, canWrite: typeof adapter.write === 'function' });
}

void main();
