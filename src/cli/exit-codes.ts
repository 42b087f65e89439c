/**
 * Exit codes of `wiotp-gateway`, in one place for the CLI and for deploy/wiotp-gateway.service, whose
 * `RestartPreventExitStatus=` lists the two that a restart cannot fix (a test keeps the two in step).
 */
export const EXIT_CODES = {
  /** Finished, or stopped by SIGINT/SIGTERM. */
  ok: 0,
  /** Anything else: a start failure (a port or plugin), a crash. systemd restarts the service. */
  failure: 1,
  /** Bad command-line usage: a UsageError, or commander's own (a missing or unknown option), which main.ts maps from its 1. */
  usage: 2,
  /** The config, a profile or the token file is invalid (issue 10: "2 for an invalid config"). */
  invalidConfig: 2,
  /** The service refused the gateway's token at the first connection (CONNACK 4 or 5); EX_NOPERM in sysexits.h. */
  tokenRefused: 77,
} as const;

/** The exit codes after which restarting the service cannot help: fix the config or the token first. */
export const NO_RESTART_EXIT_CODES: readonly number[] = [EXIT_CODES.invalidConfig, EXIT_CODES.tokenRefused];
