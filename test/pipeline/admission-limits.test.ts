import { describe, expect, it } from 'vitest';
import { AdmissionLimits } from '../../src/pipeline/admission-limits.js';

describe('AdmissionLimits', () => {
  it('has room until counted devices and reserved probes reach maxActive', () => {
    const limits = new AdmissionLimits({ maxPending: 10, maxActive: 2 });
    limits.counted.add('a');
    expect(limits.hasRoom()).toBe(true);
    limits.reserved.add('b');
    expect(limits.hasRoom()).toBe(false);
  });

  it('has no room once the service said the cap is reached, until the next connection', () => {
    const limits = new AdmissionLimits({ maxPending: 10, maxActive: 500 });
    limits.counted.add('a');
    limits.capReached = true;
    expect(limits.hasRoom()).toBe(false);
    limits.newConnection();
    expect(limits.hasRoom()).toBe(true);
    expect(limits.counted.size).toBe(0);
  });

  it('hands out at most maxPending slots, remembers the peak, and never counts below zero', () => {
    const limits = new AdmissionLimits({ maxPending: 2, maxActive: 500 });
    limits.takeSlot();
    limits.takeSlot();
    expect(limits.slotFree()).toBe(false);
    limits.freeSlot();
    limits.freeSlot();
    limits.freeSlot();
    expect(limits.pending).toBe(0);
    expect(limits.slotFree()).toBe(true);
    expect(limits.peakPending).toBe(2);
  });
});
