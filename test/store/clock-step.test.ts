import { describe, expect, it } from 'vitest';
import { ClockStepWatch, describeStep, readOnOldClock, STEP_TOLERANCE_MS } from '../../src/store/clock-step.js';

function clocks(wall: number) {
  const c = { wall, mono: 1000 };
  const pass = (ms: number) => {
    c.wall += ms;
    c.mono += ms;
  };
  return {
    c,
    pass,
    watch: new ClockStepWatch(
      () => c.wall,
      () => c.mono,
      1,
    ),
  };
}

describe('ClockStepWatch', () => {
  it('sees no step while both clocks move together, however long', () => {
    const { pass, watch } = clocks(1_700_000_000_000);
    pass(7 * 86_400_000);
    expect(watch.look(10)).toBeUndefined();
  });

  it('ignores NTP-sized moves of the wall clock', () => {
    const { c, pass, watch } = clocks(1_700_000_000_000);
    pass(60_000);
    c.wall += STEP_TOLERANCE_MS - 1;
    expect(watch.look(5)).toBeUndefined();
  });

  it("reports a forward step from 1970 with the old clock's times since the last look", () => {
    const { c, pass, watch } = clocks(0);
    pass(30_000);
    expect(watch.look(100)).toBeUndefined();
    pass(20_000);
    c.wall = 1_790_000_000_000; // NTP sets the clock
    const step = watch.look(250);
    expect(step?.stepMs).toBe(1_790_000_000_000 - 50_000);
    expect(step?.beforeId).toBe(100);
    // Read before the last look: old clock. Since then: the old clock's 30..50 s window, not the new clock's times.
    expect(step && readOnOldClock(step, 99, 1)).toBe(true);
    expect(step && readOnOldClock(step, 180, 45_000)).toBe(true);
    expect(step && readOnOldClock(step, 240, 1_790_000_000_000 - 10)).toBe(false);
    // The next look starts from the new clock.
    pass(10_000);
    expect(watch.look(300)).toBeUndefined();
  });

  it('reports a step back, and tells the events read after it by their times', () => {
    const { c, pass, watch } = clocks(1_800_000_000_000);
    pass(40_000);
    c.wall -= 3_600_000;
    const step = watch.look(50);
    expect(step?.stepMs).toBe(-3_600_000);
    expect(step && readOnOldClock(step, 20, 1_800_000_030_000)).toBe(true);
    expect(step && readOnOldClock(step, 20, 1_800_000_040_000 - 3_600_000)).toBe(false);
  });
});

describe('describeStep', () => {
  it.each([
    [56.5 * 365.25 * 86_400_000, '+56.5 years'],
    [-3.25 * 86_400_000, '-3.3 days'],
    [2 * 3_600_000, '+2.0 h'],
    [-90_000, '-1.5 min'],
    [12_000, '+12 s'],
  ])('%d ms is %s', (ms, text) => {
    expect(describeStep(ms)).toBe(text);
  });
});
