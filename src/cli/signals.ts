import type { Logger } from '../logging.js';

/** How a daemon stops: resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
export function untilSignal(logger?: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (received) {
        logger?.warn({ signal }, 'second signal while stopping: exiting now, without waiting for the queue to drain');
        process.exit(130);
      }
      received = signal;
      resolve(signal);
    };
    // SIGHUP would end the process silently (rc 129): a running gateway keeps going and says why.
    const hangUp = () =>
      logger?.warn('SIGHUP ignored: the config is read at start only; restart the service to apply a changed config');
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', hangUp);
  });
}
