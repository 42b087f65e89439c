// A program that has a bug of its own, as `run` would: the process fault handlers installed first, then a fault.
// argv[2]: "before-logger" (a rejection before the logger exists) or "queue-fails" (a throw once a logger and a
// queue that cannot be saved are attached).
import { ProcessFaults } from '../../src/cli/process-faults.js';
import { createLogger } from '../../src/logging.js';

const faults = new ProcessFaults().install();
if (process.argv[2] === 'before-logger') {
  void Promise.reject(new Error('boom before the logger'));
} else {
  faults.useLogger(createLogger({ pretty: false }));
  faults.protect({
    commit() {
      throw new Error('disk gone');
    },
    close() {},
  });
  setTimeout(() => {
    throw new Error('boom in a timer');
  }, 1);
}
// Would keep the process alive for a minute if the handlers did not end it.
setTimeout(() => process.stdout.write('still running\n'), 60_000);
