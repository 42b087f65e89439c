import type { ChannelStatus } from '../../src/adapter.js';
import { type BackoffOptions, retryWithBackoff } from '../../src/backoff.js';
import type { Logger } from '../../src/logging.js';
import { defer, merge, mergeMap, Subject, type Subscription, throwError } from '../../src/rx.js';
import { BluetoothUnavailableError, describeLoadError, describeRadioState, openRadio } from './load-noble.js';
import type { BindingsThrow } from './noble-internals.js';
import type { Listener, Noble, NobleBindings, NoblePeripheral } from './noble-types.js';

/** Where the radio session reports: the radio's status, discoveries, throws in bindings events, a lost central. */
export interface RadioHost {
  status(state: ChannelStatus['state'], reason?: string): void;
  discover(peripheral: NoblePeripheral): void;
  bindingsThrow: BindingsThrow;
  /** The central in use was given up: everything that ran on it (GATT links) is gone. */
  lost(): void;
}

/** How to reach the radio, and how long and how often to try. */
export interface RadioSessionOptions {
  bindings?: NobleBindings;
  hciDevice?: number;
  /** How long a central may take to power on before it is given up. */
  timeoutMs: number;
  reconnect: BackoffOptions;
  scan: 'active' | 'passive';
}

/**
 * The radio: opens a central, retrying with jittered back-off while noble cannot load, its init fails, or it
 * does not power on within timeoutMs (offline with the reason meanwhile); scans whenever it is poweredOn;
 * and starts over with a fresh central when told the radio failed.
 */
export class RadioSession {
  /** The central in use, once one powered on. */
  central: Noble | undefined;

  private readonly failures = new Subject<Error>();
  private subscription: Subscription | undefined;
  private detach: Array<() => void> = [];

  constructor(
    private readonly options: RadioSessionOptions,
    private readonly host: RadioHost,
    private readonly logger: Logger,
  ) {}

  open(): void {
    const withScanMode = this.options.bindings as (NobleBindings & { setScanMode?: (mode: string) => void }) | undefined;
    withScanMode?.setScanMode?.(this.options.scan);
    this.host.status('connecting');
    const attempt = () =>
      merge(
        openRadio({ ...this.options, onThrow: this.host.bindingsThrow }),
        this.failures.pipe(mergeMap((error) => throwError(() => error))),
      );
    this.subscription = defer(attempt)
      .pipe(
        retryWithBackoff(this.options.reconnect, (error, wait) => {
          this.release();
          this.host.status('offline', `${error.message}; retrying in ${wait} ms`);
        }),
      )
      .subscribe((noble) => this.attach(noble));
  }

  /** Gives the central up and starts over after back-off (a failure no device can be blamed for). */
  fail(error: Error): void {
    this.failures.next(error);
  }

  /** Stops scanning and lets go of the central (the adapter closes its links itself). */
  close(): void {
    this.central = undefined;
    this.subscription?.unsubscribe();
    this.release();
    this.failures.complete();
  }

  private attach(noble: Noble): void {
    this.central = noble;
    const listen = (event: string, handler: Listener) => {
      noble.on(event, handler);
      this.detach.push(() => noble.off(event, handler));
    };
    listen('warning', (message: string) => {
      if (/Initialization .* failed/i.test(message))
        this.fail(new BluetoothUnavailableError(describeLoadError(new Error(message), this.options.hciDevice)));
      else this.logger.debug({ message }, 'noble warning');
    });
    listen('discover', (peripheral: NoblePeripheral) => this.host.discover(peripheral));
    listen('stateChange', (state: string) => this.onState(noble, state));
    this.onState(noble, noble.state);
  }

  private release(): void {
    for (const off of this.detach) off();
    this.detach = [];
    if (this.central) this.host.lost();
    this.central = undefined;
  }

  private onState(noble: Noble, state: string): void {
    if (noble !== this.central || state === 'unknown') return; // unknown: not initialised yet, still 'connecting'
    if (state === 'resetting') {
      this.host.status('connecting', 'resetting');
      return;
    }
    const problem = describeRadioState(state);
    if (problem) {
      this.host.status('offline', problem);
      return;
    }
    noble.startScanning([], true, (error) => {
      if (error) this.host.status('offline', `cannot scan: ${error.message}`);
      else this.host.status('online', `scanning (${this.options.scan})`);
    });
  }
}
