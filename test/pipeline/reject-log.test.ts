import { describe, expect, it, vi } from 'vitest';
import { RejectLog } from '../../src/pipeline/reject-log.js';
import { capturingLogger } from '../support/logger.js';

const records = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('RejectLog', () => {
  it('at info, logs the first reject per channel, counts the rest by reason and names them in the next line', () => {
    const { logger, lines } = capturingLogger('info');
    let now = 5_000;
    const log = new RejectLog(logger, 60_000, () => now);
    const source = { channel: 'ttyUSB0' };
    log.record({ stage: 'command', reason: 'unknown param "x"', source });
    for (const reason of ['unknown param "y"', 'unknown param "y"', 'param "n" is 9; expected 0…5', 'payload is not JSON'])
      log.record({ stage: 'command', reason, source });
    expect(records(lines)).toHaveLength(1);
    now += 60_000;
    log.record({ stage: 'command', reason: 'unknown param "z"', source });
    const [, second] = records(lines);
    expect(second).toMatchObject({
      msg: 'rejected: unknown param "z"',
      suppressedTotal: 4,
      suppressed: { 'unknown param "y"': 2, 'param "n" is 9; expected 0…5': 1, 'payload is not JSON': 1 },
    });
  });

  it('logs the next reject a window later even when the wall clock was stepped back an hour meanwhile', () => {
    const { logger, lines } = capturingLogger('info');
    const wall = vi.spyOn(Date, 'now');
    try {
      let now = 5_000;
      wall.mockReturnValue(Date.UTC(2026, 11, 3, 12, 0, 0));
      const log = new RejectLog(logger, 5000, () => now);
      const source = { channel: 'ttyUSB0' };
      log.record({ stage: 'decode', reason: 'bad CRC', source });
      now += 5000;
      wall.mockReturnValue(Date.UTC(2026, 11, 3, 11, 0, 5));
      log.record({ stage: 'decode', reason: 'bad CRC', source });
      expect(records(lines)).toHaveLength(2);
    } finally {
      wall.mockRestore();
    }
  });

  it('at debug and trace, logs every reject, and a frame’s bytes in hex (bounded)', () => {
    const { logger, lines } = capturingLogger('trace');
    const log = new RejectLog(logger);
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    for (let i = 0; i < 5; i++) log.record({ stage: 'decode', reason: `bad CRC ${i}`, source: { channel: 'rs485' }, bytes });
    const logged = records(lines);
    expect(logged).toHaveLength(5);
    expect(logged[0]!.hex).toBe(`${Buffer.from(bytes.subarray(0, 64)).toString('hex')}… (100 bytes)`);
  });
});
