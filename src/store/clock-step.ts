/** A step of the wall clock beyond STEP_TOLERANCE_MS, and how to tell the events read on the old clock. */
export interface ClockStep {
  /** How far the wall clock moved beyond the time that passed (ms; negative: back). */
  stepMs: number;
  /** Events with an id below this were read before the previous look: on the old clock for sure. */
  beforeId: number;
  /** The wall times the old clock could have given since the previous look (ms, with a margin). */
  oldFrom: number;
  oldTo: number;
}

/** Smaller moves are NTP slewing or timer jitter; an expiry measured in hours does not care. */
export const STEP_TOLERANCE_MS = 10_000;
/** A read time is taken a little before its event is queued. */
const READ_MARGIN_MS = 2_000;

/**
 * Notices the wall clock being stepped, by its distance from the monotonic clock. A Raspberry Pi has no real-time
 * clock: it boots at the time saved at shutdown (or 1970) and NTP steps it, often decades, when the network comes
 * back, which is when a queue filled offline starts to drain. Events read before the step must not count the step
 * as age, or the whole backlog expires at once. Pure: both clocks are passed in.
 */
export class ClockStepWatch {
  private lastWall: number;
  private lastMono: number;
  private lastId: number;

  constructor(
    private readonly wall: () => number,
    private readonly mono: () => number,
    nextId: number,
  ) {
    this.lastWall = wall();
    this.lastMono = mono();
    this.lastId = nextId;
  }

  /** Looks at both clocks; `nextId` is the id the next event will get. Returns the step since the last look, if any. */
  look(nextId: number): ClockStep | undefined {
    const wall = this.wall();
    const mono = this.mono();
    const elapsed = mono - this.lastMono;
    const stepMs = wall - this.lastWall - elapsed;
    const step =
      Math.abs(stepMs) > STEP_TOLERANCE_MS
        ? {
            stepMs,
            beforeId: this.lastId,
            oldFrom: this.lastWall - READ_MARGIN_MS,
            oldTo: this.lastWall + elapsed + READ_MARGIN_MS,
          }
        : undefined;
    this.lastWall = wall;
    this.lastMono = mono;
    this.lastId = nextId;
    return step;
  }
}

/** True when an event was read on the clock before `step`: it was queued before the previous look, or its read time fits only the old clock. */
export function readOnOldClock(step: ClockStep, id: number, readAt: number): boolean {
  return id < step.beforeId || (readAt >= step.oldFrom && readAt <= step.oldTo);
}

/** "+56 years", "-3.2 h", "+12 min": a step for a log line. */
export function describeStep(stepMs: number): string {
  const sign = stepMs < 0 ? '-' : '+';
  const ms = Math.abs(stepMs);
  if (ms >= 365 * 86_400_000) return `${sign}${(ms / (365.25 * 86_400_000)).toFixed(1)} years`;
  if (ms >= 86_400_000) return `${sign}${(ms / 86_400_000).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${sign}${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${sign}${(ms / 60_000).toFixed(1)} min`;
  return `${sign}${(ms / 1000).toFixed(0)} s`;
}
