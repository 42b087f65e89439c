import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.js';
import { DropCounter } from '../../src/store/drop-counter.js';

describe('DropCounter', () => {
  it('counts per reason for good and per device for the 1,000 that dropped last, forgetting the stalest first', () => {
    const drops = new DropCounter(silentLogger(), {}, () => 0);
    for (let i = 0; i < 1000; i++) drops.count(`sensor/${i}`, 'full');
    drops.count('sensor/0', 'expired', 2);
    drops.count('sensor/new', 'refused');
    expect(drops.byDevice.size).toBe(1000);
    expect(drops.byDevice.get('sensor/0')).toBe(3);
    expect(drops.byDevice.has('sensor/1')).toBe(false);
    expect(drops.byDevice.get('sensor/new')).toBe(1);
    expect(drops.byReason).toEqual({ full: 1000, expired: 2, 'write-failed': 0, refused: 1 });
  });
});
